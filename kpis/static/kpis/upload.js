/* Upload progress for a file form: <form data-upload-progress="ID-of-a-progress">.
 *
 * The form is sent with XMLHttpRequest so the <progress> can follow the upload. The
 * answer replaces the page: a rejected file (4xx) comes back as the same page with the
 * reasons beside the field, an accepted one as the page the server redirected to, with
 * its message. Without JavaScript the form posts as usual.
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
    init();
    var alert = document.querySelector("#measurement-errors, .errornote, ul.messagelist");
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
        if (request.status < 500) {
          // 2xx (after a redirect) or 4xx: both are a whole page to show.
          var ok = request.status < 400;
          replacePage(request.responseText, ok ? request.responseURL : null);
          return;
        }
        failed();
      });
      request.addEventListener("error", failed);
      request.addEventListener("abort", failed);

      function failed() {
        if (submit) {
          submit.disabled = false;
        }
        show(0, form.dataset.uploadFailed || "The upload failed; please try again.");
      }

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
