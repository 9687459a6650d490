// Keeps the force report's waiting page up to date by polling the report's state,
// and goes to the PDF once it is made. Without JavaScript the page reloads itself
// instead (a <meta> refresh inside <noscript>).
(function () {
  "use strict";
  var box = document.querySelector("[data-report-state-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-report-state-url");
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-done]");
  var total = box.querySelector("[data-total]");
  var delay = 1000;

  function show(state) {
    if (bar) { bar.value = state.percent; bar.textContent = state.percent + "%"; }
    if (done) { done.textContent = state.done; }
    if (total) { total.textContent = state.total; }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.ready || !state.queued) {
          // Made, or no longer under way (the cache let it go): the PDF's own address
          // serves it or starts it again.
          window.location.assign(state.pdf_url);
        } else {
          delay = 1000;
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
