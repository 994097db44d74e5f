// Polls an allocation run's progress and reloads the page when it has finished.
// The page works without JavaScript: it has a "Refresh" link. (External file: CSP forbids inline script.)
(function () {
  "use strict";
  var box = document.querySelector("[data-run-progress-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-run-progress-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-run-progress-message]");
  var status = box.querySelector("[data-run-progress-status]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
        if (text) { text.textContent = data.message; }
        if (status) { status.textContent = data.status_label; }
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
