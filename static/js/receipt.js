// The receipt page: P prints the receipt (opens its PDF), one key after the post. Keys typed
// into a field (a void's reason, a Supervisor's password) are the field's, never a shortcut.
(function () {
  "use strict";
  document.addEventListener("keydown", (event) => {
    if (event.key !== "p" && event.key !== "P") { return; }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    const el = event.target;
    if (el && el.closest && el.closest("input, textarea, select, [contenteditable]")) { return; }
    const print = document.querySelector("[data-print-receipt]");
    if (print) { event.preventDefault(); print.click(); }
  });
})();
