/* A [data-print] button prints the page (in place of an inline onclick="window.print()"). */
(() => {
  "use strict";
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
