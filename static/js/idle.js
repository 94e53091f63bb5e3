// The idle sign-out's warning (cashiering/idle.py). The base template gives the modal
// #idle-warning its timings and addresses in data- attributes; nothing here is inline.
// A minute before the office's idle sign-out it asks the server how long is left (another tab
// may have been used: that answer does not count as activity), shows the warning, and
// "Stay signed in" pings the server. At the end it asks again and goes to sign-in when the
// server has signed the session out.
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box || !window.bootstrap) {
    return;
  }
  var timeout = Number(box.dataset.idleTimeout);
  var lead = Number(box.dataset.idleWarning);
  var modal = window.bootstrap.Modal.getOrCreateInstance(box, {
    backdrop: "static",
    keyboard: false,
  });
  var countdown = box.querySelector("[data-idle-countdown]");
  var timers = [];
  var ticking = null;

  function clearTimers() {
    timers.forEach(window.clearTimeout);
    timers = [];
    if (ticking) {
      window.clearInterval(ticking);
      ticking = null;
    }
  }

  function signIn() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(box.dataset.idleSignin + "?next=" + encodeURIComponent(next));
  }

  function ask(method, url) {
    return window
      .fetch(url, {
        method: method,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": box.dataset.idleCsrf },
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") === -1) {
          return null;
        }
        return response.json();
      })
      .catch(function () {
        return null;
      });
  }

  function showCountdown(seconds) {
    var left = seconds;
    function draw() {
      countdown.textContent = left + (left === 1 ? " second" : " seconds");
      left = Math.max(0, left - 1);
    }
    draw();
    ticking = window.setInterval(draw, 1000);
  }

  function warn() {
    ask("GET", box.dataset.idleStatus).then(function (answer) {
      if (!answer) {
        signIn();
      } else if (answer.seconds_left > lead + 5) {
        schedule(answer.seconds_left); // used in another tab meanwhile
      } else {
        showCountdown(answer.seconds_left);
        modal.show();
      }
    });
  }

  function end() {
    ask("GET", box.dataset.idleStatus).then(function (answer) {
      if (answer && answer.seconds_left > 0) {
        modal.hide();
        schedule(answer.seconds_left);
      } else {
        signIn();
      }
    });
  }

  function schedule(seconds) {
    clearTimers();
    timers.push(window.setTimeout(warn, Math.max(0, seconds - lead) * 1000));
    // A little after the server's limit, so the server has signed the session out by then.
    timers.push(window.setTimeout(end, (seconds + 2) * 1000));
  }

  box.querySelector("[data-idle-stay]").addEventListener("click", function () {
    ask("POST", box.dataset.idlePing).then(function (answer) {
      if (!answer) {
        signIn();
        return;
      }
      modal.hide();
      schedule(answer.seconds_left);
    });
  });

  // A request a person made through htmx is activity; a page polling by itself is not.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var trigger = (event.detail.elt && event.detail.elt.getAttribute("hx-trigger")) || "";
    if (trigger.indexOf("every") === -1 && event.detail.successful) {
      schedule(timeout);
    }
  });

  schedule(timeout);
})();
