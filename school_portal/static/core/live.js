/*
 * Live updates on the pages a signed-in person keeps open (the dashboards, a child's lessons of the day).
 *
 * The page includes core/includes/live_updates.html: a section [data-live-url] holding a polite aria-live
 * region ([data-live-region]) and a hidden "reconnecting" note ([data-live-offline]). This script keeps a
 * WebSocket open to data-live-url and shows each event's (already translated) message in the region, newest
 * first, as a link to the event's url when it has one (a path on this site).
 *
 * Lost connection: reconnect with exponential backoff and full jitter (a random wait up to 1 s, 2 s, 4 s ...
 * at most 60 s), so that a thousand tablets do not come back in the same second after a restart. Close code
 * 4401 (signed out, here or in another tab) and 4403 (not allowed) stop it for good.
 *
 * Resync after a lost connection: nothing is stored for a socket that is away, so when it is open again (the
 * server joins its groups before the handshake completes: from then on no event is missed) the script fetches
 * this same page and replaces each element marked [data-live-refresh][id] with the fresh one. The page is
 * rendered from the database, where every event's substance is stored by the plug-in that sent it (the
 * feedback, the assignment), so this covers any number of missed events of any plug-in, with no event log
 * to keep, size, expire or protect. The section's data-live-state attribute says connecting / open / closed.
 *
 * An event with "refresh": true (a plug-in's board: a proposal made, a session booked; a new reply on a tally, a new
 * absence report) resyncs the same way at once, so a page showing a schedule follows it without reloading. A page names its own socket with
 * {% include "core/includes/live_updates.html" with live_url="/ws/..." %} (default /ws/notifications/).
 *
 * No inline script or style: CSP is script-src 'self'.
 */
(function () {
  "use strict";

  var section = document.querySelector("[data-live-url]");
  if (!section || !("WebSocket" in window)) {
    return;
  }
  var region = section.querySelector("[data-live-region]");
  var offline = section.querySelector("[data-live-offline]");
  var path = section.getAttribute("data-live-url");

  var STOP_CODES = [4401, 4403];
  var MAX_SHOWN = 5;
  var FIRST_DELAY = 1000;
  var MAX_DELAY = 60000;
  var delay = FIRST_DELAY;
  var wasOpen = false;

  function setState(state) {
    section.setAttribute("data-live-state", state);
    if (offline) {
      offline.hidden = state !== "reconnecting";
    }
  }

  function safeUrl(url) {
    // Only links within this site: a path, not a scheme or a protocol-relative "//host".
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  function show(event) {
    if (!event || typeof event.message !== "string" || !event.message) {
      return;
    }
    var item = document.createElement("p");
    item.className = "live-updates__item";
    if (safeUrl(event.url)) {
      var link = document.createElement("a");
      link.href = event.url;
      link.textContent = event.message;
      item.appendChild(link);
    } else {
      item.textContent = event.message;
    }
    region.insertBefore(item, region.firstChild);
    while (region.children.length > MAX_SHOWN) {
      region.removeChild(region.lastChild);
    }
  }

  function typing(element) {
    var active = document.activeElement;
    return active && element.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  function resync() {
    var stale = document.querySelectorAll("[data-live-refresh][id]");
    if (!stale.length || !window.fetch || !window.DOMParser) {
      return;
    }
    window
      .fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // Signed out meanwhile (redirected to the sign-in page) or an error page: leave the page as it is.
        return response.ok && !response.redirected ? response.text() : null;
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        Array.prototype.forEach.call(stale, function (element) {
          var replacement = fresh.getElementById(element.id);
          if (replacement && !typing(element)) {
            element.innerHTML = replacement.innerHTML;
          }
        });
        section.setAttribute("data-live-synced", String(Date.now()));
      })
      .catch(function () {
        /* the next reconnect tries again */
      });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);

    socket.addEventListener("open", function () {
      delay = FIRST_DELAY;
      setState("open");
      if (wasOpen) {
        resync();
      }
      wasOpen = true;
    });
    socket.addEventListener("message", function (message) {
      var data;
      try {
        data = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (data && data.type === "event") {
        show(data.event);
        if (data.event && data.event.refresh === true) {
          resync(); // the event changed what the page shows (a reply, a report): fetch its live parts again
        }
      }
    });
    socket.addEventListener("close", function (closed) {
      if (STOP_CODES.indexOf(closed.code) !== -1) {
        setState("closed");
        return;
      }
      setState(wasOpen ? "reconnecting" : "connecting");
      var wait = Math.random() * delay;
      delay = Math.min(delay * 2, MAX_DELAY);
      window.setTimeout(connect, wait);
    });
  }

  setState("connecting");
  connect();
})();
