/* The teacher's live class grid: a WebSocket to the class's group; each child's save updates their cell.
 * After a lost connection it reconnects with backoff and reloads the grid (nothing is missed: the page is
 * rendered from the database). */
(function () {
  "use strict";
  var status = document.getElementById("coding-grid-live");
  if (!status || !("WebSocket" in window)) return;
  var labels = JSON.parse(document.getElementById("coding-grid-labels").textContent);
  var delay = 1000, wasOpen = false;

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("coding-grid");
      var old = document.getElementById("coding-grid");
      if (fresh && old) old.replaceWith(fresh);
    });
  }

  function update(event) {
    var cell = document.querySelector('[data-cell="' + event.student + "-" + event.challenge + '"]');
    if (!cell) return;
    var link = cell.querySelector("a");
    if (!link) {
      cell.textContent = "";
      link = document.createElement("a");
      if (typeof event.url !== "string" || event.url.charAt(0) !== "/" || event.url.charAt(1) === "/") return;
      link.href = event.url;
      cell.appendChild(link);
    }
    link.textContent = labels[event.result] || event.result;
    cell.classList.toggle("cell--solved", !!event.solved);
    cell.setAttribute("data-updated", String(Date.now()));
    document.body.setAttribute("data-grid-updates", String(Number(document.body.getAttribute("data-grid-updates") || 0) + 1));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + status.getAttribute("data-ws"));
    status.setAttribute("data-state", "connecting");
    socket.onopen = function () {
      status.setAttribute("data-state", "open");
      if (wasOpen) refresh();
      wasOpen = true;
      delay = 1000;
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data && data.type === "event" && data.event && data.event.kind === "coding_lab.progress") update(data.event);
    };
    socket.onclose = function (event) {
      status.setAttribute("data-state", "closed");
      if (event.code === 4401 || event.code === 4403) return;
      setTimeout(connect, Math.random() * delay);
      delay = Math.min(delay * 2, 60000);
    };
  }
  connect();
})();
