/* The new-contract form. Choosing a template version ticks that version's standard
   permitted uses (each option lists them in data-uses) and sets aside the datasets of
   another tier, which that version cannot cover. Without this script the version given
   in ?template= arrives with its uses ticked, and the server names any dataset of the
   wrong tier. */
(function () {
  "use strict";

  function each(selector, callback) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), callback);
  }

  function wire() {
    var select = document.getElementById("id_template");
    if (!select) {
      return;
    }
    function chosen() {
      return select.options[select.selectedIndex];
    }
    // On a page the server sent back with errors, a dataset the person ticked stays
    // ticked (and sendable) whatever its tier: the error beside it says what is wrong.
    function matchTier(keepTicked) {
      var tier = chosen() && chosen().getAttribute("data-tier");
      each('#contract-form input[name="datasets"]', function (box) {
        var own = box.getAttribute("data-tier");
        var other = Boolean(tier && own) && own !== tier;
        if (keepTicked && box.checked) {
          other = false;
        }
        box.disabled = other;
        if (other) {
          box.checked = false;
        }
        box.parentElement.classList.toggle("other-tier", other);
      });
    }
    select.addEventListener("change", function () {
      var uses = chosen() && chosen().getAttribute("data-uses");
      var standard = uses ? uses.split(" ") : [];
      each('#contract-form input[name="permitted_uses"]', function (box) {
        box.checked = standard.indexOf(box.value) !== -1;
      });
      matchTier(false);
    });
    matchTier(true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
