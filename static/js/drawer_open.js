// The drawer-open page: adds up the float as the clerk counts, row by row and in total.
// Whole cents only (each count times its denomination in cents), so no floating-point drift.
// Only a help while typing: the server adds the counts up again and opens the drawer with that.
(function () {
  "use strict";
  const form = document.querySelector("form.drawer-open");
  if (!form) return;
  const total = document.getElementById("float-total");
  const inputs = Array.from(form.querySelectorAll("input[data-cents]"));
  const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

  function count(input) {
    const text = input.value.trim();
    // Anything but a whole number counts as nothing here; the server says what is wrong.
    return /^\d{1,6}$/.test(text) ? Number(text) : 0;
  }

  function show(cents) {
    return dollars.format(cents / 100);
  }

  function update() {
    let sum = 0;
    for (const input of inputs) {
      const cents = count(input) * Number(input.dataset.cents);
      sum += cents;
      const amount = form.querySelector(`[data-amount-of="${input.id}"]`);
      if (amount) amount.textContent = show(cents);
    }
    total.textContent = show(sum);
  }

  form.addEventListener("input", update);
  update();
})();
