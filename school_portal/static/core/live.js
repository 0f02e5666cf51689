/*
 * Live notifications: when <body data-live-url="/ws/notifications/"> is present, keep a WebSocket open to it
 * and show each event's (already translated) message in a polite aria-live region, newest first.
 *
 * The region is the element marked [data-live-region] if the page has one, else one added at the top of
 * <main>. Reconnects with exponential backoff (1 s doubling to 60 s, with jitter); gives up on close code 4401
 * (not signed in, or signed out in another tab). No inline script or style: CSP is script-src 'self'.
 */
(function () {
  "use strict";

  var body = document.body;
  var path = body && body.getAttribute("data-live-url");
  if (!path || !("WebSocket" in window)) {
    return;
  }

  var CLOSE_UNAUTHENTICATED = 4401;
  var MAX_SHOWN = 5;
  var delay = 1000;
  var maxDelay = 60000;

  function region() {
    var found = document.querySelector("[data-live-region]");
    if (found) {
      return found;
    }
    var created = document.createElement("div");
    created.className = "live-notifications";
    created.setAttribute("data-live-region", "");
    created.setAttribute("role", "status");
    created.setAttribute("aria-live", "polite");
    var main = document.querySelector("main") || body;
    main.insertBefore(created, main.firstChild);
    return created;
  }

  function safeUrl(url) {
    // Only links within this site: a path, not a scheme or a protocol-relative "//host".
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  function show(event) {
    if (!event || typeof event.message !== "string" || !event.message) {
      return;
    }
    var target = region();
    var item = document.createElement("p");
    item.className = "live-notifications__item";
    if (safeUrl(event.url)) {
      var link = document.createElement("a");
      link.href = event.url;
      link.textContent = event.message;
      item.appendChild(link);
    } else {
      item.textContent = event.message;
    }
    target.insertBefore(item, target.firstChild);
    while (target.children.length > MAX_SHOWN) {
      target.removeChild(target.lastChild);
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);

    socket.addEventListener("open", function () {
      delay = 1000;
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
      }
    });
    socket.addEventListener("close", function (closed) {
      if (closed.code === CLOSE_UNAUTHENTICATED) {
        return;
      }
      var wait = delay / 2 + Math.random() * (delay / 2);
      delay = Math.min(delay * 2, maxDelay);
      window.setTimeout(connect, wait);
    });
  }

  connect();
})();
