/* Worksheets on the tablet: number pads, ordering, drawing, and answers that survive a lost connection.
 *
 * Every change is written at once to a queue in localStorage (one per assignment), then sent to the autosave
 * endpoint. When the network is gone the queue stays on the tablet and is sent when it comes back (the
 * "online" event, a periodic retry, and a beacon when the page is hidden). An answer leaves the queue only
 * when the server has confirmed it, and only if the child has not changed it again in the meantime.
 */
(function () {
  "use strict";

  var form = document.getElementById("worksheet-form");
  setupNumpads(document);
  setupOrdering(document);
  setupDrawings(document, form);
  if (!form) return;

  var editable = form.dataset.editable === "true";
  var url = form.dataset.autosaveUrl;
  var storageKey = "classrooms:queue:" + form.dataset.assignment;
  var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var connection = document.getElementById("connection-status");
  var sending = false;
  var retryDelay = 2000;
  var retryTimer = null;

  function readQueue() {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey) || "{}") || {};
    } catch (e) {
      return {};
    }
  }

  function writeQueue(queue) {
    try {
      if (Object.keys(queue).length) window.localStorage.setItem(storageKey, JSON.stringify(queue));
      else window.localStorage.removeItem(storageKey);
    } catch (e) {
      /* storage full or disabled: the answer is still sent now if the network is there */
    }
  }

  if (!editable) {
    writeQueue({});
    return;
  }

  function fieldset(qid) {
    return form.querySelector('[data-question="' + qid + '"]');
  }

  function setStatus(qid, text, offline) {
    var box = fieldset(qid);
    var status = box && box.querySelector("[data-status]");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("question__status--offline", !!offline);
  }

  function valueOf(box) {
    var kind = box.dataset.kind;
    var qid = box.dataset.question;
    if (kind === "choice") {
      var checked = box.querySelector("input[type=radio]:checked");
      return checked ? parseInt(checked.value, 10) : null;
    }
    var input = box.querySelector('[name="q-' + qid + '"]');
    if (!input) return null;
    if (kind === "ordering") {
      return input.value ? input.value.split(",").map(function (n) { return parseInt(n, 10); }) : null;
    }
    return input.value;
  }

  function enqueue(box) {
    var qid = box.dataset.question;
    var queue = readQueue();
    queue[qid] = { kind: box.dataset.kind, value: valueOf(box), at: Date.now() };
    writeQueue(queue);
    setStatus(qid, form.dataset.msgSaving, false);
    flushSoon(400);
  }

  function flushSoon(delay) {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(flush, delay);
  }

  function payloadFrom(queue) {
    var data = { answers: {}, drawings: {}, saved_at: {} };
    Object.keys(queue).forEach(function (qid) {
      var item = queue[qid];
      if (item.kind === "drawing") {
        if (item.value) data.drawings[qid] = item.value;
        else return;
      } else {
        data.answers[qid] = item.value === "" ? null : item.value;
      }
      data.saved_at[qid] = item.at;
    });
    return data;
  }

  function showOffline() {
    var queue = readQueue();
    Object.keys(queue).forEach(function (qid) { setStatus(qid, form.dataset.msgOffline, true); });
    if (connection && Object.keys(queue).length) connection.textContent = form.dataset.msgOffline;
  }

  function confirm(sent, reply) {
    var queue = readQueue();
    (reply.saved || []).forEach(function (item) {
      var qid = item.question;
      if (queue[qid] && sent[qid] && queue[qid].at === sent[qid].at) delete queue[qid];
      var time = new Date(item.received_at);
      var label = item.late ? form.dataset.msgLate : form.dataset.msgSaved;
      setStatus(qid, label + " " + time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), false);
    });
    writeQueue(queue);
    if (connection) connection.textContent = "";
  }

  function flush() {
    var queue = readQueue();
    if (sending || !Object.keys(queue).length) return;
    if (navigator.onLine === false) {
      showOffline();
      return;
    }
    sending = true;
    var sent = JSON.parse(JSON.stringify(queue));
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": tokenInput.value },
      body: JSON.stringify(payloadFrom(sent)),
    })
      .then(function (response) {
        if (response.ok) {
          return response.json().then(function (reply) {
            confirm(sent, reply);
            retryDelay = 2000;
          });
        }
        if (response.status === 400 || response.status === 409) {
          // The server will never take these: tell the child, keep the page's value, stop resending.
          var q = readQueue();
          Object.keys(sent).forEach(function (qid) {
            if (q[qid] && q[qid].at === sent[qid].at) delete q[qid];
            setStatus(qid, form.dataset.msgError, true);
          });
          writeQueue(q);
          return null;
        }
        throw new Error("server " + response.status);
      })
      .catch(function () {
        showOffline();
        retryDelay = Math.min(retryDelay * 2, 30000);
        flushSoon(retryDelay);
      })
      .then(function () {
        sending = false;
        if (Object.keys(readQueue()).length && retryDelay === 2000) flushSoon(1000);
      });
  }

  function beacon() {
    var queue = readQueue();
    if (!Object.keys(queue).length || !navigator.sendBeacon) return;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", tokenInput.value);
    data.append("payload", JSON.stringify(payloadFrom(queue)));
    navigator.sendBeacon(url, data);
  }

  function applyValue(box, kind, value) {
    var qid = box.dataset.question;
    if (kind === "choice") {
      var radio = box.querySelector('input[type=radio][value="' + value + '"]');
      if (radio) radio.checked = true;
    } else if (kind === "short_answer" || kind === "number") {
      var input = box.querySelector('[name="q-' + qid + '"]');
      if (input) input.value = value == null ? "" : value;
    } else if (kind === "ordering" && Array.isArray(value)) {
      var list = box.querySelector("[data-ordering-for]");
      var hidden = box.querySelector('[name="q-' + qid + '"]');
      value.forEach(function (index) {
        var item = list && list.querySelector('[data-index="' + index + '"]');
        if (item) list.appendChild(item);
      });
      if (hidden) hidden.value = value.join(",");
    }
  }

  // Answers still queued from before (the page was reloaded while offline): show them, then send them.
  (function restore() {
    var queue = readQueue();
    Object.keys(queue).forEach(function (qid) {
      var box = fieldset(qid);
      var item = queue[qid];
      if (!box) return;
      if (item.kind === "drawing") {
        if (item.value) box.dispatchEvent(new CustomEvent("drawing:restore", { detail: item.value }));
      } else {
        applyValue(box, item.kind, item.value);
      }
      setStatus(qid, form.dataset.msgOffline, true);
    });
    flushSoon(200);
  })();

  form.addEventListener("change", function (event) {
    var box = event.target.closest("[data-question]");
    if (box) enqueue(box);
  });
  var typingTimers = {};
  form.addEventListener("input", function (event) {
    var box = event.target.closest("[data-question]");
    if (!box || box.dataset.kind === "choice") return;
    var qid = box.dataset.question;
    window.clearTimeout(typingTimers[qid]);
    typingTimers[qid] = window.setTimeout(function () { enqueue(box); }, 600);
  });
  form.addEventListener("answer:changed", function (event) {
    var box = event.target.closest("[data-question]");
    if (box) enqueue(box);
  });
  form.addEventListener("submit", function (event) {
    if (navigator.onLine === false) {
      event.preventDefault();
      showOffline();
    }
  });
  window.addEventListener("online", function () { retryDelay = 2000; flushSoon(100); });
  window.addEventListener("offline", showOffline);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") beacon();
  });
  window.setInterval(function () { if (Object.keys(readQueue()).length) flush(); }, 15000);

  // --- the input helpers --------------------------------------------------------------------------------

  function setupNumpads(root) {
    root.querySelectorAll("[data-numpad-for]").forEach(function (pad) {
      var input = document.getElementById(pad.dataset.numpadFor);
      pad.addEventListener("click", function (event) {
        var key = event.target.closest("[data-key]");
        if (!key || !input || input.disabled) return;
        var k = key.dataset.key;
        if (k === "back") input.value = input.value.slice(0, -1);
        else if (k === "-") input.value = input.value.charAt(0) === "-" ? input.value.slice(1) : "-" + input.value;
        else if (k === "." && input.value.indexOf(".") !== -1) return;
        else if (input.value.length < 20) input.value += k;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  }

  function setupOrdering(root) {
    root.querySelectorAll("[data-ordering-for]").forEach(function (list) {
      var input = document.getElementById(list.dataset.orderingFor);
      list.addEventListener("click", function (event) {
        var button = event.target.closest("[data-move]");
        if (!button) return;
        var item = button.closest("li");
        if (button.dataset.move === "up" && item.previousElementSibling) {
          list.insertBefore(item, item.previousElementSibling);
        } else if (button.dataset.move === "down" && item.nextElementSibling) {
          list.insertBefore(item.nextElementSibling, item);
        } else {
          return;
        }
        input.value = Array.prototype.map.call(list.children, function (li) { return li.dataset.index; }).join(",");
        button.focus();
        list.dispatchEvent(new Event("answer:changed", { bubbles: true }));
      });
    });
  }

  function setupDrawings(root, worksheetForm) {
    var canEdit = worksheetForm && worksheetForm.dataset.editable === "true";
    root.querySelectorAll(".drawing").forEach(function (wrap) {
      var canvas = wrap.querySelector("canvas");
      var input = wrap.querySelector("input[type=hidden]");
      var ctx = canvas.getContext("2d");
      var drawing = false;
      var last = null;

      function paintBackground(then) {
        ctx.fillStyle = "#ffffff";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        var src = wrap.dataset.existing || wrap.dataset.background;
        if (!src) { if (then) then(); return; }
        var img = new Image();
        img.onload = function () { ctx.drawImage(img, 0, 0, canvas.width, canvas.height); if (then) then(); };
        img.onerror = function () { if (then) then(); };
        img.src = src;
      }
      paintBackground();

      var box = wrap.closest("[data-question]");
      box.addEventListener("drawing:restore", function (event) {
        wrap.dataset.existing = event.detail;
        input.value = event.detail;
        paintBackground();
      });

      if (!canEdit) return;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";

      function point(event) {
        var rect = canvas.getBoundingClientRect();
        return {
          x: (event.clientX - rect.left) * (canvas.width / rect.width),
          y: (event.clientY - rect.top) * (canvas.height / rect.height),
        };
      }
      canvas.addEventListener("pointerdown", function (event) {
        drawing = true;
        last = point(event);
        canvas.setPointerCapture(event.pointerId);
        event.preventDefault();
      });
      canvas.addEventListener("pointermove", function (event) {
        if (!drawing) return;
        var p = point(event);
        ctx.strokeStyle = "#1a1a1a";
        ctx.lineWidth = event.pressure && event.pointerType === "pen" ? 2 + 6 * event.pressure : 5;
        ctx.beginPath();
        ctx.moveTo(last.x, last.y);
        ctx.lineTo(p.x, p.y);
        ctx.stroke();
        last = p;
        event.preventDefault();
      });
      function end() {
        if (!drawing) return;
        drawing = false;
        input.value = canvas.toDataURL("image/png");
        canvas.dispatchEvent(new Event("answer:changed", { bubbles: true }));
      }
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
      var clear = wrap.querySelector("[data-drawing-clear]");
      if (clear) {
        clear.addEventListener("click", function () {
          delete wrap.dataset.existing;
          paintBackground(function () {
            input.value = canvas.toDataURL("image/png");
            canvas.dispatchEvent(new Event("answer:changed", { bubbles: true }));
          });
        });
      }
    });
  }
})();
