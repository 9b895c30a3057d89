// The reports page: every row not yet finished (queued or running) asks for its status
// every two seconds and is updated in place: the status words, data-status, the failure
// reason, the download link once ready. A polite live region says when one is ready or
// has failed. Polling stops once every row is finished.
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var FINISHED = ["succeeded", "failed"];
  var table = document.getElementById("reports");
  var textElement = document.getElementById("report-list-text");
  if (!table || !textElement || !window.fetch) {
    return;
  }
  var text = JSON.parse(textElement.textContent);
  var announcer = document.getElementById("report-announcer");

  function pendingRows() {
    return Array.prototype.filter.call(table.querySelectorAll("tr[data-report]"), function (row) {
      return FINISHED.indexOf(row.dataset.status) === -1 && !row.dataset.pollStopped;
    });
  }

  function named(template, reference) {
    return template.replace("%(reference)s", reference);
  }

  function downloadLink(data) {
    var link = document.createElement("a");
    link.className = "report-download";
    link.href = data.download_url;
    link.setAttribute("download", "");
    link.textContent = text.download;
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + data.reference;
    link.appendChild(hidden);
    return link;
  }

  // Returns what to announce for the row, or "".
  function update(row, data) {
    if (data.status === row.dataset.status) {
      return "";
    }
    row.dataset.status = data.status;
    var cell = row.querySelector(".report-status");
    var label = cell.querySelector(".report-status-label");
    label.textContent = data.status_label;
    label.className = "report-status-label report-status-" + data.status;
    if (data.status === "failed") {
      var reason = cell.querySelector(".report-failure") || document.createElement("p");
      reason.className = "report-failure";
      reason.textContent = data.failure_reason || "";
      cell.appendChild(reason);
      return named(text.failed, data.reference);
    }
    if (data.status === "succeeded" && data.download_url) {
      var slot = row.querySelector(".report-download-cell");
      slot.textContent = "";
      slot.appendChild(downloadLink(data));
      return named(text.ready, data.reference);
    }
    return "";
  }

  function check(row) {
    return fetch(row.dataset.statusUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        // Gone, or signed out (sent to the login page): stop asking for this row.
        if (response.status === 404 || response.redirected) {
          row.dataset.pollStopped = "true";
          return "";
        }
        if (!response.ok) {
          return "";
        }
        return response.json().then(function (data) {
          return update(row, data);
        });
      })
      .catch(function () {
        return ""; // a network hiccup: ask again next time
      });
  }

  function poll() {
    var rows = pendingRows();
    if (!rows.length) {
      return;
    }
    Promise.all(rows.map(check)).then(function (announcements) {
      var said = announcements.filter(Boolean).join(" ");
      if (said && announcer) {
        announcer.textContent = said;
      }
      if (pendingRows().length) {
        window.setTimeout(poll, INTERVAL_MS);
      }
    });
  }

  if (pendingRows().length) {
    window.setTimeout(poll, INTERVAL_MS);
  }
})();
