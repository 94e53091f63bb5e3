/* The import pages' upload progress, in place of inline hx-on handlers (the Content Security
   Policy runs no inline code). <form hx-post=... data-upload-progress="<progress element's id>">
   fills that bar as the file uploads; while the request runs, its [data-upload-poll] element
   (hx-get=... hx-trigger="upload-tick") asks the server every half second how far the import
   has got. */
(() => {
  "use strict";

  const TICK_MS = 500;
  const timers = new WeakMap();

  const uploadForm = (event) => {
    const element = (event.detail && event.detail.elt) || event.target;
    return element instanceof HTMLFormElement && element.hasAttribute("data-upload-progress")
      ? element
      : null;
  };

  const stop = (form) => {
    window.clearInterval(timers.get(form));
    timers.delete(form);
  };

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = uploadForm(event);
    if (!form || timers.has(form)) return;
    const poll = form.querySelector("[data-upload-poll]");
    if (!poll) return;
    const timer = window.setInterval(() => {
      if (!poll.isConnected) {
        stop(form); // the response replaced the page
        return;
      }
      window.htmx.trigger(poll, "upload-tick");
    }, TICK_MS);
    timers.set(form, timer);
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = uploadForm(event);
    if (form) stop(form);
  });

  document.addEventListener("htmx:xhr:progress", (event) => {
    const form = uploadForm(event);
    if (!form || !event.detail.total) return;
    const bar = document.getElementById(form.getAttribute("data-upload-progress"));
    if (bar) bar.value = (event.detail.loaded / event.detail.total) * 100;
  });
})();
