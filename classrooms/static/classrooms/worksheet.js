/* Worksheets on the tablet: number pads, ordering, drawing, and answers that survive a lost connection.
 *
 * Every change is written at once to a queue in localStorage (one per assignment and child), then sent to the autosave
 * endpoint, in batches that stay under the server's body cap (a large drawing goes on its own). When the network
 * is gone the queue stays on the tablet and is sent when it comes back (the "online" event, a periodic retry,
 * and a beacon when the page is hidden). An answer is done with only when the server has confirmed it, and only
 * if the child has not changed it again in the meantime. An answer the server refuses stays on the tablet,
 * marked with the server's reason by its question, and is not sent again until the child changes it.
 *
 * A confirmed answer stays in the queue for a minute more, marked confirmed (never sent again): a child who
 * reloads the sheet while its last save is on its way gets a page the server drew before that save committed,
 * and the old page may see the save confirmed just before it goes. The new page compares each question's
 * answer as drawn (``data-written-at``: when the tablet wrote the answer the server holds; ``data-received-at``:
 * when the server got it) with the confirmed one, and shows the confirmed one where the page is older.
 * Confirmed answers past their minute are dropped whenever the queue is written, and by the next worksheet page
 * opened on the tablet, whichever child's and sheet's they are; they go first when the tablet's storage is full.
 *
 * Handing in without a connection is queued too: the sheet is handed in after the answers, as soon as the
 * connection is back, and until then the page says plainly that it has not been handed in yet.
 * Every error of the server comes as JSON with a message (classrooms/json_endpoints.py), shown here.
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
  // Per assignment and per child: a class shares its tablets, and one child's queued answers or hand-in must
  // never be sent as the next child's.
  var owner = form.dataset.assignment + ":" + form.dataset.student;
  var QUEUE_PREFIX = "classrooms:queue:";
  var storageKey = QUEUE_PREFIX + owner;
  var handInKey = "classrooms:hand-in:" + owner;
  var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var connection = document.getElementById("connection-status");
  var BATCH_CHARS = 900 * 1024; // under the server's 1 MiB body cap, with room for the JSON around the answers
  var BEACON_CHARS = 60 * 1024; // browsers refuse beacons over 64 KiB
  var sending = false;
  var unstored = null; // the queue when the tablet's storage refused it (see writeQueue)
  var handInUnstored = false; // likewise, an offline hand-in
  var retryDelay = 2000;
  var retryTimer = null;

  function readQueue(key) {
    if (!key && unstored) return unstored;
    return DeviceStore.read(key || storageKey) || {};
  }

  function stored(queue, key) {
    return DeviceStore.store(key, Object.keys(queue).length ? queue : null);
  }

  function only(queue, keep) {
    var out = {};
    Object.keys(queue).forEach(function (qid) {
      if (keep(queue[qid])) out[qid] = queue[qid];
    });
    return out;
  }

  // Confirmed answers past their minute leave; if the tablet's storage is full, every confirmed answer leaves
  // (it is only a reload's safety net), and if it still refuses, the queue is kept in this page's memory: what
  // is not stored is still sent while the page is open. The storage then keeps the queue without its drawings
  // (small), or nothing: never an older copy, which a reload would show and send.
  function writeQueue(queue, key) {
    var target = key || storageKey;
    var now = Date.now();
    var current = only(queue, function (item) { return !DeviceStore.aged(item, now); });
    var unconfirmed = only(current, function (item) { return !item.confirmed; });
    if (stored(current, target) || stored(unconfirmed, target)) {
      if (!key) unstored = null;
      return;
    }
    if (!stored(only(unconfirmed, function (item) { return item.kind !== "drawing"; }), target)) {
      DeviceStore.store(target, null);
    }
    if (!key) unstored = unconfirmed;
  }

  // Confirmed answers kept past their minute, in every child's queue on this tablet (not this sheet's: its own
  // are settled when the page is restored below). Only confirmed answers go: what is still to send stays.
  function dropOldConfirmed() {
    var now = Date.now();
    DeviceStore.each(QUEUE_PREFIX, function (key, queue) {
      if (key === storageKey) return;
      var old = Object.keys(queue).some(function (qid) { return DeviceStore.aged(queue[qid], now); });
      if (old) writeQueue(queue, key);
    });
  }

  function handInPending() {
    return handInUnstored || DeviceStore.read(handInKey) === 1;
  }

  function setHandInPending(pending) {
    // Without storage the hand-in waits only as long as this page stays open.
    handInUnstored = !DeviceStore.store(handInKey, pending ? 1 : null) && pending;
  }

  if (!editable) {
    writeQueue({});
    setHandInPending(false);
    return;
  }

  function fieldset(qid) {
    return form.querySelector('[data-question="' + qid + '"]');
  }

  function setStatus(qid, text, problem) {
    var box = fieldset(qid);
    var status = box && box.querySelector("[data-status]");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("question__status--offline", !!problem);
  }

  function say(text) {
    if (connection) connection.textContent = text || "";
  }

  // What is still to send: neither refused (until the child changes it), nor confirmed, nor an empty drawing.
  function sendable(queue) {
    return Object.keys(queue).filter(function (qid) {
      var item = queue[qid];
      return !item.rejected && !item.confirmed && !(item.kind === "drawing" && !item.value);
    });
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

  // The next batch to send: answers in the order they were written, as many as fit under ``limit`` characters
  // (always at least one, so that a single large drawing still goes, alone).
  function nextBatch(queue, limit) {
    var data = { answers: {}, drawings: {}, saved_at: {} };
    var sent = {};
    var size = 64;
    sendable(queue)
      .sort(function (a, b) { return queue[a].at - queue[b].at; })
      .forEach(function (qid) {
        var item = queue[qid];
        var cost = JSON.stringify(item.value).length + qid.length * 2 + 48;
        if (Object.keys(sent).length && size + cost > limit) return;
        size += cost;
        if (item.kind === "drawing") data.drawings[qid] = item.value;
        else data.answers[qid] = item.value === "" ? null : item.value;
        data.saved_at[qid] = item.at;
        sent[qid] = item;
      });
    return { data: data, sent: sent };
  }

  function showOffline() {
    var queue = readQueue();
    sendable(queue).forEach(function (qid) { setStatus(qid, form.dataset.msgOffline, true); });
    if (handInPending()) say(form.dataset.msgHandInQueued);
    else if (sendable(queue).length) say(form.dataset.msgOffline);
  }

  function showProblem(message) {
    var queue = readQueue();
    sendable(queue).forEach(function (qid) { setStatus(qid, message, true); });
    say(handInPending() ? message + " " + form.dataset.msgHandInQueued : message);
  }

  function timeOf(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function savedLabel(late, receivedAt) {
    return (late ? form.dataset.msgLate : form.dataset.msgSaved) + " " + timeOf(receivedAt);
  }

  // The server's answer, question by question: saved ones are marked confirmed (see above), refused ones stay,
  // marked with the reason.
  function confirm(sent, reply) {
    var queue = readQueue();
    var answered = 0;
    (reply.saved || []).concat(reply.rejected || []).forEach(function (item) {
      if (sent[item.question]) answered += 1;
    });
    (reply.saved || []).forEach(function (item) {
      var qid = item.question;
      if (queue[qid] && sent[qid] && queue[qid].at === sent[qid].at) {
        queue[qid].confirmed = Date.now();
        queue[qid].received_at = item.received_at;
        queue[qid].late = !!item.late;
      }
      setStatus(qid, savedLabel(item.late, item.received_at), false);
    });
    (reply.rejected || []).forEach(function (item) {
      var qid = item.question;
      if (queue[qid] && sent[qid] && queue[qid].at === sent[qid].at) queue[qid].rejected = item.error;
      setStatus(qid, item.error || form.dataset.msgError, true);
    });
    writeQueue(queue);
    if (!handInPending()) say("");
    return answered;
  }

  // Refused as a whole (the body could not be read): keep every answer of it on the tablet, marked.
  function rejectAll(sent, message) {
    var queue = readQueue();
    Object.keys(sent).forEach(function (qid) {
      if (queue[qid] && queue[qid].at === sent[qid].at) queue[qid].rejected = message;
      setStatus(qid, message, true);
    });
    writeQueue(queue);
  }

  // The sheet cannot take answers any more (handed in on another tablet): nothing to resend.
  function dropAll(sent, message) {
    var queue = readQueue();
    Object.keys(sent).forEach(function (qid) {
      if (queue[qid] && queue[qid].at === sent[qid].at) delete queue[qid];
      setStatus(qid, message, true);
    });
    writeQueue(queue);
    setHandInPending(false);
    say(message);
  }

  function replyOf(response) {
    return response.json().catch(function () { return {}; });
  }

  function retryLater(message) {
    if (message) showProblem(message);
    else showOffline();
    retryDelay = Math.min(retryDelay * 2, 30000);
    flushSoon(retryDelay);
  }

  function post(target, body, contentType) {
    var headers = { "X-CSRFToken": tokenInput.value, Accept: "application/json" };
    if (contentType) headers["Content-Type"] = contentType;
    return fetch(target, { method: "POST", credentials: "same-origin", headers: headers, body: body });
  }

  function flush() {
    var queue = readQueue();
    if (sending) return;
    if (!sendable(queue).length) {
      if (handInPending()) handIn();
      return;
    }
    if (navigator.onLine === false) {
      showOffline();
      return;
    }
    sending = true;
    var batch = nextBatch(queue, BATCH_CHARS);
    var more = false;
    post(url, JSON.stringify(batch.data), "application/json")
      .then(function (response) {
        return replyOf(response).then(function (reply) {
          if (response.ok || (response.status === 400 && reply.rejected && reply.rejected.length)) {
            // Each answer of the batch is either kept or refused; a reply that settles none is retried later.
            if (confirm(batch.sent, reply)) {
              retryDelay = 2000;
              more = true;
            } else {
              retryLater(reply.error);
            }
          } else if (response.status === 400 || response.status === 413) {
            rejectAll(batch.sent, reply.error || form.dataset.msgError);
            more = true;
          } else if (response.status === 409 || response.status === 404) {
            dropAll(batch.sent, reply.error || form.dataset.msgError);
          } else {
            retryLater(reply.error);
          }
        });
      })
      .catch(function () { retryLater(null); })
      .then(function () {
        sending = false;
        if (more) flushSoon(sendable(readQueue()).length ? 50 : 10);
      });
  }

  // The hand-in the child asked for while offline, sent once every answer has reached the school.
  function handIn() {
    if (sending) return;
    if (navigator.onLine === false) {
      showOffline();
      return;
    }
    sending = true;
    say(form.dataset.msgHandingIn);
    post(form.action, new FormData(form), null)
      .then(function (response) {
        return replyOf(response).then(function (reply) {
          if (response.ok && reply.url) {
            setHandInPending(false);
            writeQueue({});
            say(reply.message || "");
            window.location.assign(reply.url);
          } else if (response.status >= 500) {
            retryLater(reply.error);
          } else {
            setHandInPending(false);
            (reply.rejected || []).forEach(function (item) { setStatus(item.question, item.error, true); });
            say(reply.error || form.dataset.msgError);
          }
        });
      })
      .catch(function () { retryLater(null); })
      .then(function () { sending = false; });
  }

  function beacon() {
    var queue = readQueue();
    if (!sendable(queue).length || !navigator.sendBeacon) return;
    var batch = nextBatch(queue, BEACON_CHARS);
    var data = new FormData();
    data.append("csrfmiddlewaretoken", tokenInput.value);
    data.append("payload", JSON.stringify(batch.data));
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

  function show(box, item) {
    if (item.kind === "drawing") {
      if (item.value) box.dispatchEvent(new CustomEvent("drawing:restore", { detail: item.value }));
    } else {
      applyValue(box, item.kind, item.value);
    }
  }

  // Whether the server drew this page before it held ``item`` (its save was on its way): the question shows no
  // answer, or one the tablet wrote earlier (the tablets' own times, by which the school keeps the latest), or,
  // for an answer held without a tablet's time (a hand-in's form), one the school received earlier.
  function drawnBefore(box, item) {
    var status = box.querySelector("[data-status]");
    var written = status && status.getAttribute("data-written-at");
    if (written === null || written === undefined) return false;
    if (written === "") return true;
    if (written !== "0") return Number(written) < item.at;
    var received = Number(status.getAttribute("data-received-at"));
    return !!item.received_at && received < Date.parse(item.received_at);
  }

  // Answers still queued from before (the page was reloaded while offline, or refused): show them, then send.
  // Confirmed ones are shown only where the page was drawn before they were saved, then dropped.
  (function restore() {
    var queue = readQueue();
    Object.keys(queue).forEach(function (qid) {
      var box = fieldset(qid);
      var item = queue[qid];
      if (item.confirmed) {
        if (box && !DeviceStore.aged(item, Date.now()) && drawnBefore(box, item)) {
          show(box, item);
          setStatus(qid, savedLabel(item.late, item.received_at), false);
        }
        delete queue[qid];
        return;
      }
      if (!box) return;
      show(box, item);
      setStatus(qid, item.rejected || form.dataset.msgOffline, true);
    });
    writeQueue(queue);
    dropOldConfirmed();
    if (handInPending()) say(form.dataset.msgHandInQueued);
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
    typingTimers[qid] = window.setTimeout(function () { delete typingTimers[qid]; enqueue(box); }, 600);
  });
  form.addEventListener("answer:changed", function (event) {
    var box = event.target.closest("[data-question]");
    if (box) enqueue(box);
  });
  form.addEventListener("submit", function (event) {
    if (navigator.onLine !== false) return; // online: the form is posted as it is, answers and all
    event.preventDefault();
    Object.keys(typingTimers).forEach(function (qid) {
      window.clearTimeout(typingTimers[qid]);
      delete typingTimers[qid];
      var box = fieldset(qid);
      if (box) enqueue(box);
    });
    setHandInPending(true);
    showOffline();
  });
  window.addEventListener("online", function () { retryDelay = 2000; flushSoon(100); });
  window.addEventListener("offline", showOffline);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") beacon();
  });
  window.setInterval(function () { if (sendable(readQueue()).length || handInPending()) flush(); }, 15000);

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
