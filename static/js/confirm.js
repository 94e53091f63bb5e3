/* Asks before an action that cannot be undone, in place of inline onclick/onsubmit="return
   confirm(...)" (the Content Security Policy runs no inline code).
   <button type="submit" data-confirm="Void receipt CH-2026-000123?"> asks when that button
   submits its form (by click, Enter or Space on it, or Enter in a field when it is the form's
   default button); <form data-confirm="..."> asks whichever button submits it. Another element
   (a link, an htmx button outside a form) asks on click. Cancel: nothing is sent. */
(() => {
  "use strict";

  const asked = (message, event) => {
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  };

  // The capture phase, on the document: before htmx's own submit listener on the form.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      const submitter = event.submitter;
      const message =
        (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      asked(message, event);
    },
    true,
  );

  document.addEventListener(
    "click",
    (event) => {
      const element = event.target.closest("[data-confirm]");
      if (!element || element instanceof HTMLFormElement) return;
      if (element.form && element.type === "submit") return; // the submit listener asks
      asked(element.getAttribute("data-confirm"), event);
    },
    true,
  );
})();
