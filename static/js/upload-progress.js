// Keeps the batch progress page up to date by polling its JSON status, and
// shows the result when the batch is finished. Without JavaScript the page
// refreshes itself instead (a <meta> refresh inside <noscript>).
(function () {
  "use strict";
  var box = document.querySelector("[data-batch-status-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-batch-status-url");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-percent]");
  var rowsDone = box.querySelector("[data-rows-done]");
  var stage = box.querySelector("[data-stage]");
  var delay = 1000;

  function show(status) {
    if (bar) { bar.value = status.percent; bar.textContent = status.percent + "%"; }
    if (percent) { percent.textContent = status.percent; }
    if (rowsDone) { rowsDone.textContent = Number(status.rows_done || 0).toLocaleString("en-GB"); }
    if (stage && status.stage) { stage.textContent = status.stage; }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.assign(status.result_url);
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        // A missed poll is not fatal: try again, a little later each time.
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
