/*
 * "Print this summary" buttons: shown only where a script can open the print dialog
 * (without it they would do nothing, so they start hidden).
 */
(function () {
  "use strict";
  document.querySelectorAll("[data-print-button]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
