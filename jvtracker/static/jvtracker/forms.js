/* A form is sent once: a second click or Enter while the first request is on its way
 * would create a second draft contract or a second report. The button keeps its name and
 * value (disabling it would drop them from the post); the second submit is ignored.
 * Coming back to the page through the browser's history makes its forms usable again.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-upload-progress")) {
      return; // the upload script sends it and answers a second click itself
    }
    if (form.getAttribute("data-sending") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "true");
    form.setAttribute("aria-busy", "true");
  });

  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll('form[data-sending="true"]');
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute("data-sending");
      forms[i].removeAttribute("aria-busy");
    }
  });
})();
