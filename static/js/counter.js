// The counter screen, keyboard-first: function keys move between the steps, and a barcode
// scanner (a very fast typist ending with Enter) works wherever the focus is.
(function () {
  "use strict";
  const search = () => document.getElementById("id_q");
  const searchForm = () => document.getElementById("counter-search");

  function focus(el) {
    if (el) { el.focus(); if (el.select) { el.select(); } }
  }

  function showTenderFields() {
    const kind = document.getElementById("id_kind");
    if (!kind) { return; }
    document.querySelectorAll("[data-tender-kind]").forEach((group) => {
      group.hidden = group.dataset.tenderKind !== kind.value;
    });
  }

  document.addEventListener("change", (event) => {
    if (event.target && event.target.id === "id_kind") { showTenderFields(); }
  });

  document.addEventListener("keydown", (event) => {
    const keys = {
      F2: () => focus(search()),
      F3: () => { const panel = document.getElementById("fee-panel"); if (panel) { panel.open = true; } focus(document.getElementById("id_fee_type")); },
      F4: () => focus(document.getElementById("id_amount")),
      F6: () => { const panel = document.getElementById("lien-panel"); if (panel) { panel.open = true; } focus(document.getElementById("id_parcel")); },
      F8: () => { const button = document.getElementById("post-button"); if (button && !button.disabled) { button.click(); } },
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });

  // A scanner types a burst of characters a few milliseconds apart, then Enter, into whatever
  // field has the focus; the detector moves such a burst to the search. A password manager
  // auto-types just as fast, so a burst never counts when it is typed into a password field or a
  // field marked data-sensitive (or inside an element so marked): what is typed there stays
  // there, and nothing is copied, cleared or restored. Nor in a select, whose type-ahead is how
  // a clerk picks a fee by keyboard. A burst is one field's keys: moving the focus (Tab) ends it.
  const SCAN_GAP_MS = 35;
  const SCAN_MIN_LENGTH = 6;
  let burst = "";
  let last = 0;
  let target = null;
  let before = "";

  function sensitive(el) {
    if (!el || !el.closest) { return false; }
    if (el.tagName === "INPUT" && el.type === "password") { return true; }
    return el.closest("[data-sensitive]") !== null;
  }

  // A field marked data-scan-here takes what is scanned into it (the lien search's parcel).
  function scannable(el) {
    const here = el && el.closest && el.closest("[data-scan-here]") !== null;
    return !sensitive(el) && !(el && el.tagName === "SELECT") && !here;
  }

  function forget() {
    burst = "";
    target = null;
    before = "";
  }

  document.addEventListener("keydown", (event) => {
    const now = performance.now();
    if (!scannable(event.target)) { forget(); return; }
    if (event.key === "Enter") {
      const fast = burst.length >= SCAN_MIN_LENGTH && now - last < SCAN_GAP_MS * 3;
      if (fast && target === event.target && target !== search()) {
        event.preventDefault();
        if (target && "value" in target) { target.value = before; }
        const box = search();
        if (box) { box.value = burst; htmx.trigger(searchForm(), "submit"); }
      }
      forget();
      return;
    }
    if (event.key.length !== 1 || event.ctrlKey || event.altKey || event.metaKey) {
      if (event.key === "Tab") { forget(); }
      return;
    }
    if (now - last > SCAN_GAP_MS || event.target !== target) {
      target = event.target;
      before = target && "value" in target ? target.value : "";
      burst = "";
    }
    burst += event.key;
    last = now;
  }, true);

  // The results' arrow keys are result_nav.js, shared with the look-up page. A bill already in
  // the cart shows "In cart" instead of its Add button.
  function billsInCart() {
    const cart = document.getElementById("cart");
    const ids = cart ? (cart.dataset.cartBills || "").split(/\s+/) : [];
    return new Set(ids.filter((id) => id !== ""));
  }

  function markInCart() {
    const inCart = billsInCart();
    document.querySelectorAll("#results [data-bill-row]").forEach((row) => {
      const added = inCart.has(row.dataset.billRow);
      const badge = row.querySelector("[data-in-cart]");
      const form = row.querySelector("[data-add]");
      if (badge) { badge.hidden = !added; }
      if (form) { form.hidden = added; }
    });
    document.querySelectorAll("#results [data-group-bills]").forEach((group) => {
      const ids = group.dataset.groupBills.split(/\s+/).filter((id) => id !== "");
      const all = ids.length > 0 && ids.every((id) => inCart.has(id));
      const badge = group.querySelector("[data-all-in-cart]");
      const form = group.querySelector("[data-add-all]");
      if (badge) { badge.hidden = !all; }
      if (form) { form.hidden = all; }
    });
  }

  document.body.addEventListener("htmx:afterSwap", (event) => {
    showTenderFields();
    markInCart();
    const id = event.detail.target && event.detail.target.id;
    if (id === "results") {
      // One customer found: their first bill's Add takes the focus, so Enter adds it. Several
      // (two residents of one name, say): the focus stays in the search box, and the clerk
      // picks one with the arrows after reading what tells them apart. A scan that added its
      // bill leaves the focus in the box for the next scan.
      const groups = event.detail.target.querySelectorAll("[data-group-bills]");
      const added = event.detail.target.querySelector("[role=status]");
      const first = event.detail.target.querySelector("[data-add]:not([hidden]) [data-result-nav]");
      if (groups.length === 1 && !added && first) { first.focus(); }
    }
    if (id === "cart") {
      const feeForm = document.getElementById("fee-form");
      const refused = event.detail.target.querySelector("[role=alert]");
      if (feeForm && !refused && event.detail.requestConfig && event.detail.requestConfig.elt === feeForm) { feeForm.reset(); }
      const post = document.getElementById("post-button");
      if (post && !post.disabled) { post.focus(); } else { focus(document.getElementById("id_amount")); }
    }
  });

  document.body.addEventListener("htmx:oobAfterSwap", markInCart);

  showTenderFields();
})();
