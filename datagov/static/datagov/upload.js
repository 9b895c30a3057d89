/* The signed-contract upload with a progress bar.

   Sends #upload-form with XMLHttpRequest and shows #upload-progress while the file
   travels. Success (the server redirects back to the contract, which the request follows)
   opens that page; a refusal (4xx) shows the page the server returned, with the reason
   beside the file field; anything else says so above the button. Without this script the
   form posts as usual and the server answers the same pages. */
(function () {
  "use strict";

  function wire() {
    var form = document.getElementById("upload-form");
    if (!form || !window.FormData || !window.XMLHttpRequest) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
  }

  function send(form) {
    var row = document.getElementById("upload-progress-row");
    var bar = document.getElementById("upload-progress");
    var percent = document.getElementById("upload-percent");
    var failure = document.getElementById("upload-failure");
    var button = form.querySelector('[type="submit"]');
    var xhr = new XMLHttpRequest();

    function show(value) {
      bar.value = value;
      percent.textContent = value + "%";
    }

    function fail() {
      row.hidden = true;
      button.disabled = false;
      failure.textContent = failure.getAttribute("data-message");
      failure.hidden = false;
    }

    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        show(Math.round((event.loaded / event.total) * 100));
      }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        show(100);
        window.location.assign(xhr.responseURL || window.location.href);
      } else if (xhr.status >= 400 && xhr.status < 500 && xhr.responseText) {
        replacePage(xhr.responseText);
      } else {
        fail();
      }
    });
    xhr.addEventListener("error", fail);
    xhr.addEventListener("abort", fail);

    failure.hidden = true;
    button.disabled = true;
    show(0);
    row.hidden = false;
    xhr.send(new FormData(form));
  }

  // The refusal is the contract page with the reason beside the field: show it in place
  // of this one (the address stays the contract's, so reloading does not post again).
  function replacePage(html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var theme = document.documentElement.getAttribute("data-theme");
    var root = document.adoptNode(parsed.documentElement);
    if (theme) {
      root.setAttribute("data-theme", theme);
    }
    document.replaceChild(root, document.documentElement);
    // The language switch returns to the page being read, not to the upload address.
    var next = document.querySelector('.language-switch input[name="next"]');
    if (next) {
      next.value = window.location.pathname + window.location.search;
    }
    wire();
    var field = document.querySelector("#upload-form input[type=file]");
    if (field) {
      field.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
