// The mail batch screen, keyboard-first: a scanner types the stub's scanline and Enter, so
// Enter in the scanline box moves on to the amount, Enter in the amount to the check number,
// and Enter there (or in the payer or postmark) adds the check. After each check the focus
// is back in the scanline box for the next stub. Without this script each Enter submits the
// form, and the page says which field is missing. F8 goes to the confirmation to post.
(function () {
  "use strict";
  const NEXT = { id_scanline: "id_amount", id_amount: "id_check_number" };

  document.addEventListener("keydown", (event) => {
    if (event.key === "F8") { // as at the counter: F8 posts (here, to the confirmation)
      const button = document.getElementById("post-button");
      event.preventDefault();
      if (button && !button.disabled) { button.click(); }
      return;
    }
    const field = event.target;
    if (event.key !== "Enter" || !field || !NEXT[field.id] || !field.closest("#item-form")) {
      return;
    }
    if (!field.value.trim()) { return; } // an empty box: let the form say what is missing
    event.preventDefault();
    const next = document.getElementById(NEXT[field.id]);
    if (next) { next.focus(); next.select(); }
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (!document.getElementById("item-form")) { return; }
    // A field the server refused keeps the focus; otherwise the next stub is scanned.
    const invalid = document.querySelector("#item-form .is-invalid");
    const box = invalid || document.getElementById("id_scanline");
    if (box) { box.focus(); if (box.select) { box.select(); } }
  });
})();
