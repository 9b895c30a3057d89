/* Upload progress for a file form: <form data-upload-progress="ID of a <progress>">.
 *
 * The form is sent with XMLHttpRequest so the <progress> follows the upload (its text in
 * the element "<ID>-text", read out politely). The answer replaces the page: a refusal
 * (4xx) is the same page with the reasons beside the field, an accepted upload the page
 * the server redirected to, with its message. A network failure or a server error says
 * data-upload-failed beside the bar. Without JavaScript the form posts as usual and the
 * server answers the same pages.
 */
(function () {
  "use strict";

  function replacePage(html, url) {
    var page = new DOMParser().parseFromString(html, "text/html");
    document.title = page.title;
    document.body.replaceWith(document.adoptNode(page.body));
    if (url) {
      history.replaceState(null, "", url);
    }
    // The language switch returns to the page being read, not to the upload address.
    var next = document.querySelector('.language-switch input[name="next"]');
    if (next) {
      next.value = window.location.pathname + window.location.search;
    }
    init();
    var alert = document.querySelector(
      ".errorlist, .errornote, #measurement-errors, ul.messagelist"
    );
    if (alert) {
      if (!alert.hasAttribute("tabindex")) {
        alert.setAttribute("tabindex", "-1");
      }
      alert.focus();
    }
  }

  function attach(form) {
    var progress = document.getElementById(form.dataset.uploadProgress);
    if (!progress || !window.FormData || !window.XMLHttpRequest) {
      return;
    }
    var row = progress.parentElement;
    var text = document.getElementById(progress.id + "-text");

    function show(fraction, words) {
      progress.value = Math.round(fraction * 100);
      progress.textContent = progress.value + "%";
      if (text) {
        text.textContent = words || progress.value + "%";
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submit = form.querySelector("[type=submit]");
      var request = new XMLHttpRequest();

      function failed() {
        if (submit) {
          submit.disabled = false;
        }
        show(0, form.dataset.uploadFailed || "The upload failed; please try again.");
      }

      request.open("POST", form.action || window.location.href);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          show(e.loaded / e.total);
        }
      });
      request.upload.addEventListener("load", function () {
        show(1);
      });
      request.addEventListener("load", function () {
        if (request.status >= 500 || !request.responseText) {
          failed();
          return;
        }
        // 2xx (after the redirect) or 4xx: either is a whole page to show.
        replacePage(request.responseText, request.status < 400 ? request.responseURL : null);
      });
      request.addEventListener("error", failed);
      request.addEventListener("abort", failed);

      if (submit) {
        submit.disabled = true;
      }
      row.hidden = false;
      show(0);
      request.send(new FormData(form));
    });
  }

  function init() {
    var forms = document.querySelectorAll("form[data-upload-progress]");
    for (var i = 0; i < forms.length; i++) {
      attach(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
