// Search results by keyboard, shared by the counter and the look-up page: Down from the search
// box (#id_q) goes into the results (#results), Up and Down move between the results' marked
// links and buttons ([data-result-nav]), Up from the first goes back to the box, and Enter acts
// on the one in focus (it is a link or a button).
(function () {
  "use strict";
  const search = () => document.getElementById("id_q");

  function resultTargets() {
    return Array.from(document.querySelectorAll("#results [data-result-nav]"))
      .filter((el) => !el.disabled && el.closest("[hidden]") === null);
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    const targets = resultTargets();
    const box = search();
    if (event.target === box) {
      if (event.key === "ArrowDown" && targets.length) { event.preventDefault(); targets[0].focus(); }
      return;
    }
    const at = targets.indexOf(event.target);
    if (at < 0) { return; }
    event.preventDefault();
    if (event.key === "ArrowDown") {
      targets[Math.min(at + 1, targets.length - 1)].focus();
    } else if (at === 0) {
      if (box) { box.focus(); box.select(); }
    } else {
      targets[at - 1].focus();
    }
  });
})();
