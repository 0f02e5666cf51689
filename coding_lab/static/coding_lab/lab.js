/* The coding lab's page: Blockly, the stage, running in JS-Interpreter, autosave with an offline queue.
 *
 * The worlds below mirror the server's evaluator (coding_lab/evaluator/machine.py): the same moves, the same
 * budgets, the same grading. What the page shows after Run is a preview; the result that counts is the one the
 * server computes when the program is saved (the page saves on every Run). */
(function () {
  "use strict";

  var root = document.getElementById("coding-lab");
  if (!root || !window.Blockly || !window.JSInterpreter) return;
  var Blockly = window.Blockly;
  var cfg = JSON.parse(document.getElementById("coding-config").textContent);
  var texts = JSON.parse(document.getElementById("coding-texts").textContent);
  window.CodingBlocks.define(texts);
  var jsGen = window.javascript.javascriptGenerator;
  var pyGen = window.python.pythonGenerator;

  var STEP_BUDGET = 3000000, ACTION_BUDGET = 10000, PRINT_BUDGET = 1000, CELL = 4;
  var START = "coding_start", DEF = "procedures_defnoreturn", CALL = "procedures_callnoreturn";
  var DELTAS = [[-1, 0], [0, 1], [1, 0], [0, -1]];

  // --- the worlds -------------------------------------------------------------------------------------------

  function Halt(how, code) { this.how = how; this.code = code; }

  function World(stage, input) {
    this.stage = stage;
    this.input = input;
    this.trace = { actions: [], segments: [], output: [] };
    this.acted = false;
    if (stage === "maze") {
      this.rows = cfg.maze || [];
      this.dir = ((cfg.startDirection || 0) % 4 + 4) % 4;
      this.pos = [0, 0];
      for (var r = 0; r < this.rows.length; r++) {
        var c = this.rows[r].indexOf("S");
        if (c >= 0) this.pos = [r, c];
      }
    } else {
      this.x = 200; this.y = 200; this.heading = 0; this.pen = true;
    }
  }
  World.prototype.act = function (name) {
    this.acted = true;
    this.trace.actions.push(name);
    if (this.trace.actions.length > ACTION_BUDGET) throw new Halt("error", "too_many_actions");
  };
  World.prototype.needMaze = function () { if (this.stage !== "maze") throw new Halt("error", "block_not_here"); };
  World.prototype.needTurtle = function () {
    if (this.stage !== "turtle" && this.stage !== "sandbox") throw new Halt("error", "block_not_here");
  };
  World.prototype.free = function (dir) {
    var d = DELTAS[((dir % 4) + 4) % 4], r = this.pos[0] + d[0], c = this.pos[1] + d[1];
    return r >= 0 && r < this.rows.length && c >= 0 && c < this.rows[r].length && this.rows[r][c] !== "#";
  };
  World.prototype.atGoal = function () { return this.rows[this.pos[0]][this.pos[1]] === "G"; };
  World.prototype.move = function () {
    this.needMaze();
    this.act("forward");
    if (!this.free(this.dir)) throw new Halt("failed", "crashed");
    var d = DELTAS[this.dir];
    this.pos = [this.pos[0] + d[0], this.pos[1] + d[1]];
    if (this.atGoal()) throw new Halt("solved", "goal");
  };
  World.prototype.turn = function (right) {
    this.needMaze();
    this.act(right ? "right" : "left");
    this.dir = (this.dir + (right ? 1 : 3)) % 4;
  };
  World.prototype.isPath = function (offset) { this.needMaze(); return this.free(this.dir + offset); };
  World.prototype.turtleMove = function (distance) {
    this.needTurtle();
    this.act("move");
    if (!isFinite(distance)) throw new Halt("error", "bad_number");
    var radians = this.heading * (Math.PI / 180);
    var x = this.x + distance * Math.sin(radians), y = this.y - distance * Math.cos(radians);
    if (this.pen && distance) this.trace.segments.push([round2(this.x), round2(this.y), round2(x), round2(y)]);
    this.x = x; this.y = y;
  };
  World.prototype.turtleTurn = function (angle) {
    this.needTurtle();
    this.act("turn");
    if (!isFinite(angle)) throw new Halt("error", "bad_number");
    this.heading = (((this.heading + angle) % 360) + 360) % 360;
  };
  World.prototype.print = function (value) {
    if (this.stage !== "text" && this.stage !== "sandbox") return;
    this.trace.output.push(String(value));
    if (this.trace.output.length > PRINT_BUDGET) throw new Halt("error", "too_much_output");
  };
  function round2(v) { return Math.round(v * 100) / 100; }

  // --- code and the interpreter --------------------------------------------------------------------------------

  function codeFor(ws, generator, highlight) {
    generator.STATEMENT_PREFIX = highlight ? "highlightBlock(%1);\n" : null;
    generator.init(ws);
    var code = "";
    ws.getTopBlocks(true).forEach(function (block) {
      if (block.type !== START && block.type !== DEF) return;
      var piece = generator.blockToCode(block);
      code += Array.isArray(piece) ? piece[0] : piece || "";
    });
    return generator.finish(code);
  }

  function interpreterFor(code, world, onHighlight) {
    return new window.JSInterpreter(code, function (interp, globals) {
      function fn(name, f) { interp.setProperty(globals, name, interp.createNativeFunction(f)); }
      fn("highlightBlock", function (id) { if (onHighlight) onHighlight(String(id)); });
      fn("moveForward", function () { world.move(); });
      fn("turnLeft", function () { world.turn(false); });
      fn("turnRight", function () { world.turn(true); });
      fn("isPath", function (offset) { return world.isPath(Number(offset)); });
      fn("notDone", function () { world.needMaze(); return !world.atGoal(); });
      fn("turtleMove", function (value, backward) { var d = Number(value); world.turtleMove(backward ? -d : d); });
      fn("turtleTurn", function (value, left) { var a = Number(value); world.turtleTurn(left ? -a : a); });
      fn("penDown", function (down) { world.pen = !!down; });
      fn("print", function (value) { world.print(value); });
      fn("getInput", function () { return world.input; });
    });
  }

  /* An error the program's own JavaScript threw: a call to a function that does not exist, or else a stack
   * that grew without end. */
  function scriptError(e) {
    var text = String(e && e.message || e);
    return /not defined|not a function/.test(text) ? "unknown_function" : "runaway_recursion";
  }

  /* Run to the end (or a budget): {how: finished|solved|failed|error, code, trace}. */
  function runToEnd(code, stage, input) {
    var world = new World(stage, input);
    try {
      var interp = interpreterFor(code, world, null);
      var steps = 0;
      while (interp.step()) {
        if (++steps > STEP_BUDGET) throw new Halt("error", "too_many_steps");
      }
    } catch (e) {
      if (e instanceof Halt) return { how: e.how, code: e.code, trace: world.trace, world: world };
      return { how: "error", code: scriptError(e), trace: world.trace, world: world };
    }
    return { how: "finished", code: "finished", trace: world.trace, world: world };
  }

  // --- grading (the same as coding_lab/evaluator/__init__.py) -------------------------------------------------

  function cells(segments) {
    var out = {};
    segments.forEach(function (s) {
      var length = Math.hypot(s[2] - s[0], s[3] - s[1]);
      var n = Math.max(1, Math.floor(length / (CELL / 2)));
      for (var i = 0; i <= n; i++) {
        var t = i / n;
        out[Math.floor((s[0] + (s[2] - s[0]) * t) / CELL) + "," + Math.floor((s[1] + (s[3] - s[1]) * t) / CELL)] = true;
      }
    });
    return out;
  }
  function near(a, b) {
    return Object.keys(a).every(function (key) {
      var p = key.split(",").map(Number);
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) if (b[(p[0] + dx) + "," + (p[1] + dy)]) return true;
      return false;
    });
  }
  function turtleMatches(drawn, target) {
    var mine = cells(drawn), theirs = cells(target);
    if (!Object.keys(theirs).length) return !Object.keys(mine).length;
    return near(mine, theirs) && near(theirs, mine);
  }
  function lines(text) {
    var out = String(text).replace(/\r\n/g, "\n").split("\n").map(function (l) { return l.replace(/\s+$/, ""); });
    while (out.length && !out[out.length - 1]) out.pop();
    return out;
  }
  function caseInput(text) {
    var n = Number(text);
    return String(text).trim() && isFinite(n) ? n : String(text);
  }

  function census(ws) {
    var count = 0, types = {};
    ws.getTopBlocks(false).forEach(function (top) {
      if (top.type !== START && top.type !== DEF) return;
      top.getDescendants(false).forEach(function (b) {
        if (b.isShadow() || b.type === START) return;
        count++;
        types[b.type] = true;
      });
    });
    return { count: count, types: types };
  }

  function reached(code) {
    var stage = cfg.stage, r;
    if (stage === "maze") {
      r = runToEnd(code, "maze");
      if (r.how === "finished") return ["failed", "not_at_goal", r];
      return [r.how, r.code, r];
    }
    if (stage === "turtle") {
      r = runToEnd(code, "turtle");
      if (r.how === "error") return ["error", r.code, r];
      return turtleMatches(r.trace.segments, cfg.target || []) ? ["solved", "picture", r] : ["failed", "wrong_picture", r];
    }
    if (stage === "text" && (cfg.textCases || []).length) {
      var first = null;
      for (var i = 0; i < cfg.textCases.length; i++) {
        var c = cfg.textCases[i];
        r = runToEnd(code, "text", caseInput(c.input == null ? "" : c.input));
        first = first || r;
        if (r.how === "error") return ["error", r.code, r];
        if (lines(r.trace.output.join("\n")).join("\n") !== lines(c.output == null ? "" : c.output).join("\n")) {
          return ["failed", "wrong_output", r];
        }
      }
      return ["solved", "output", first];
    }
    r = runToEnd(code, stage === "text" ? "text" : "sandbox");
    return [r.how === "error" ? "error" : "solved", r.code, r];
  }

  /* Grade the program in a workspace: {result, code, blocks, trace}. */
  function grade(ws) {
    var info = census(ws);
    var allowed = {};
    (cfg.toolbox || []).forEach(function (t) { allowed[t] = true; });
    allowed.math_number = true;
    if (allowed[DEF]) allowed[CALL] = true;
    var unknown = Object.keys(info.types).filter(function (t) { return !allowed[t]; });
    if (unknown.length && cfg.stage !== "sandbox") return { result: "error", code: "block_not_allowed", blocks: info.count, trace: null };
    var out = reached(codeFor(ws, jsGen, false));
    var result = out[0], code = out[1];
    if (result === "solved") {
      var missing = (cfg.required || []).filter(function (t) { return !info.types[t]; });
      if (missing.length) { result = "missing_block"; code = "missing_block"; }
      else if (cfg.budget != null && info.count > cfg.budget) { result = "over_budget"; code = "over_budget"; }
    }
    return { result: result, code: code, blocks: info.count, trace: out[2].trace };
  }

  // --- the workspace -------------------------------------------------------------------------------------------

  var SHADOW = function (type, field, value) {
    var fields = {}; fields[field] = value;
    return { shadow: { type: type, fields: fields } };
  };
  var EXTRAS = {
    controls_repeat_ext: { inputs: { TIMES: SHADOW("math_number", "NUM", 4) } },
    turtle_move: { inputs: { VALUE: SHADOW("math_number", "NUM", 100) } },
    turtle_turn: { inputs: { VALUE: SHADOW("math_number", "NUM", 90) } },
    text_print: { inputs: { TEXT: SHADOW("text", "TEXT", "") } },
    math_arithmetic: { inputs: { A: SHADOW("math_number", "NUM", 1), B: SHADOW("math_number", "NUM", 1) } },
    math_modulo: { inputs: { DIVIDEND: SHADOW("math_number", "NUM", 7), DIVISOR: SHADOW("math_number", "NUM", 2) } },
    controls_for: {
      fields: { VAR: { name: "i" } },
      inputs: { FROM: SHADOW("math_number", "NUM", 1), TO: SHADOW("math_number", "NUM", 10), BY: SHADOW("math_number", "NUM", 1) },
    },
    variables_set: { fields: { VAR: { name: "x" } } },
    variables_get: { fields: { VAR: { name: "x" } } },
    math_change: { fields: { VAR: { name: "x" } }, inputs: { DELTA: SHADOW("math_number", "NUM", 1) } },
  };

  function toolboxFor(ws) {
    var contents = [];
    (cfg.toolbox || []).forEach(function (type) {
      if (type === CALL) return;
      var entry = { kind: "block", type: type };
      Object.keys(EXTRAS[type] || {}).forEach(function (k) { entry[k] = EXTRAS[type][k]; });
      contents.push(entry);
      if (type === DEF && ws) {
        ws.getTopBlocks(false).forEach(function (b) {
          if (b.type === DEF) contents.push({ kind: "block", type: CALL, extraState: { name: b.getFieldValue("NAME") } });
        });
      }
    });
    return { kind: "flyoutToolbox", contents: contents };
  }

  /* The portal's Content-Security-Policy allows no inline <style>; Blockly adds its CSS (and its renderer's) as
   * <style> elements in <head>. Those are taken as they are added and applied as constructed style sheets of
   * this script instead (the same CSS, shipped in Blockly's own file from our static files). */
  function adopt(node) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(node.textContent);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  }
  function isBlocklyStyle(node) { return !!node && node.tagName === "STYLE"; }
  ["prepend", "appendChild", "append", "insertBefore"].forEach(function (name) {
    var original = document.head[name];
    document.head[name] = function (node) {
      if (isBlocklyStyle(node)) { adopt(node); return node; }
      return original.apply(this, arguments);
    };
  });

  var blocksDiv = document.getElementById("coding-blocks");
  var ws = Blockly.inject(blocksDiv, {
    toolbox: cfg.readOnly ? null : toolboxFor(null),
    readOnly: !!cfg.readOnly,
    renderer: "zelos",
    media: root.getAttribute("data-media"),
    trashcan: !cfg.readOnly,
    sounds: false,
    move: { scrollbars: true, drag: false, wheel: false },
    zoom: { controls: true, wheel: false, pinch: true, startScale: 0.9, maxScale: 2, minScale: 0.5 },
  });

  /* Blockly 13 puts the toolbox's blocks ("option"s) in a "listbox" whose SVG groups are "figure"s, which ARIA does
   * not allow inside a listbox (axe: aria-required-children): those groups are only drawing, so they are marked
   * presentational and the options stay the listbox's own (aria-owns). */
  function fixListboxes() {
    blocksDiv.querySelectorAll('[role="listbox"] [role="figure"]').forEach(function (group) {
      group.setAttribute("role", "presentation");
      group.removeAttribute("aria-roledescription");
      group.removeAttribute("aria-label");
    });
  }
  /* Also Blockly 13's: aria-owns naming ids that are not in the page, and aria-expanded on an "option". */
  function fixAria() {
    fixListboxes();
    blocksDiv.querySelectorAll("[aria-owns]").forEach(function (el) {
      var kept = el.getAttribute("aria-owns").split(/\s+/).filter(function (id) {
        return id && /^[\w-]+$/.test(id) && document.getElementById(id);
      });
      var value = kept.join(" ");
      if (!kept.length) el.removeAttribute("aria-owns");
      else if (value !== el.getAttribute("aria-owns")) el.setAttribute("aria-owns", value);
    });
    blocksDiv.querySelectorAll('[role="option"][aria-expanded]').forEach(function (el) { el.removeAttribute("aria-expanded"); });
  }
  new MutationObserver(fixAria).observe(blocksDiv, { attributes: true, attributeFilter: ["role", "aria-owns", "aria-expanded"], subtree: true, childList: true });
  fixAria();

  function loadSource(text) {
    ws.clear();
    if (text) {
      try {
        Blockly.serialization.workspaces.load(JSON.parse(text), ws);
      } catch (e) {
        ws.clear();
      }
    }
    var hasStart = ws.getTopBlocks(false).some(function (b) { return b.type === START; });
    if (!hasStart && !cfg.readOnly) {
      var start = ws.newBlock(START);
      start.initSvg(); start.render(); start.moveBy(20, 20);
    }
  }
  function sourceOf(workspace) { return JSON.stringify(Blockly.serialization.workspaces.save(workspace)); }

  // --- the stage -------------------------------------------------------------------------------------------------

  var canvas = document.getElementById("coding-stage");
  var ctx = canvas.getContext("2d");
  var outputEl = document.getElementById("coding-output");
  var statusEl = document.getElementById("coding-status");

  function draw(world) {
    ctx.clearRect(0, 0, 400, 400);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, 400, 400);
    if (cfg.stage === "maze") {
      var rows = cfg.maze || [], n = Math.max(rows.length, Math.max.apply(null, rows.map(function (r) { return r.length; }).concat([1])));
      var size = 400 / n;
      rows.forEach(function (row, r) {
        for (var c = 0; c < row.length; c++) {
          ctx.fillStyle = row[c] === "#" ? "#35506b" : row[c] === "G" ? "#c7f0c2" : "#f4f1e8";
          ctx.fillRect(c * size, r * size, size, size);
        }
      });
      var pos = world ? world.pos : null, dir = world ? world.dir : cfg.startDirection || 0;
      if (!pos) rows.forEach(function (row, r) { var c = row.indexOf("S"); if (c >= 0) pos = [r, c]; });
      if (pos) {
        var cx = (pos[1] + 0.5) * size, cy = (pos[0] + 0.5) * size;
        ctx.save(); ctx.translate(cx, cy); ctx.rotate(dir * Math.PI / 2);
        ctx.fillStyle = "#d9480f";
        ctx.beginPath(); ctx.moveTo(0, -size * 0.35); ctx.lineTo(size * 0.3, size * 0.3); ctx.lineTo(-size * 0.3, size * 0.3); ctx.closePath(); ctx.fill();
        ctx.restore();
      }
      return;
    }
    if (cfg.stage === "text") return;
    ctx.lineCap = "round";
    ctx.strokeStyle = "rgba(120,120,120,0.35)"; ctx.lineWidth = 8;
    (cfg.target || []).forEach(function (s) { ctx.beginPath(); ctx.moveTo(s[0], s[1]); ctx.lineTo(s[2], s[3]); ctx.stroke(); });
    ctx.strokeStyle = "#1864ab"; ctx.lineWidth = 3;
    (world ? world.trace.segments : []).forEach(function (s) { ctx.beginPath(); ctx.moveTo(s[0], s[1]); ctx.lineTo(s[2], s[3]); ctx.stroke(); });
    var tx = world ? world.x : 200, ty = world ? world.y : 200, th = world ? world.heading : 0;
    ctx.save(); ctx.translate(tx, ty); ctx.rotate(th * Math.PI / 180);
    ctx.fillStyle = "#2b8a3e"; ctx.beginPath(); ctx.moveTo(0, -10); ctx.lineTo(7, 7); ctx.lineTo(-7, 7); ctx.closePath(); ctx.fill();
    ctx.restore();
  }

  function say(message) { statusEl.textContent = message; }
  function outcomeText(code) { return texts.outcomes[code] || code; }

  // --- running on the page: Run, Step, speed ----------------------------------------------------------------

  var speed = root.querySelector("[data-speed]");
  var running = null;

  function stop() {
    if (running && running.timer) clearTimeout(running.timer);
    running = null;
    ws.highlightBlock(null);
  }

  function start(stepMode) {
    stop();
    var world = new World(cfg.stage === "text" ? "text" : cfg.stage,
      cfg.textCases && cfg.textCases.length ? caseInput(cfg.textCases[0].input) : undefined);
    var state = { world: world, steps: 0, paused: false, stepMode: stepMode, highlighted: false };
    state.interp = interpreterFor(codeFor(ws, jsGen, true), world, function (id) { ws.highlightBlock(id); state.highlighted = true; });
    running = state;
    outputEl.textContent = "";
    say(texts.ui.running);
    draw(world);
    return state;
  }

  function finish(state, how, code) {
    running = null;
    ws.highlightBlock(null);
    draw(state.world);
    outputEl.textContent = state.world.trace.output.join("\n");
    var graded = grade(ws);
    say(outcomeText(how === "error" || how === "failed" ? code : graded.code));
    saver.flushNow();
  }

  function advance(state) {
    if (running !== state) return;
    var delay = (11 - Number(speed.value || 5)) * 40;
    try {
      for (var i = 0; i < 20000; i++) {
        state.world.acted = false;
        state.highlighted = false;
        if (!state.interp.step()) { finish(state, "finished", "finished"); return; }
        if (++state.steps > STEP_BUDGET) throw new Halt("error", "too_many_steps");
        if (state.world.acted || (state.stepMode && state.highlighted)) break;
      }
    } catch (e) {
      if (e instanceof Halt) { finish(state, e.how, e.code); return; }
      finish(state, "error", scriptError(e));
      return;
    }
    draw(state.world);
    outputEl.textContent = state.world.trace.output.join("\n");
    if (!state.stepMode) state.timer = setTimeout(function () { advance(state); }, delay);
  }

  root.querySelector('[data-action="run"]').addEventListener("click", function () {
    var state = start(false);
    advance(state);
  });
  root.querySelector('[data-action="step"]').addEventListener("click", function () {
    var state = running && running.stepMode ? running : start(true);
    advance(state);
  });
  root.querySelector('[data-action="reset"]').addEventListener("click", function () {
    stop(); outputEl.textContent = ""; say(""); draw(null);
  });

  // --- the text view ----------------------------------------------------------------------------------------------

  var textToggle = root.querySelector('[data-action="text"]');
  var textBox = document.getElementById("coding-text");
  function showText() {
    if (textBox.hidden) return;
    document.getElementById("coding-js").textContent = codeFor(ws, jsGen, false);
    document.getElementById("coding-py").textContent = codeFor(ws, pyGen, false);
  }
  textToggle.addEventListener("click", function () {
    textBox.hidden = !textBox.hidden;
    textToggle.setAttribute("aria-expanded", String(!textBox.hidden));
    showText();
  });

  // --- saving: debounced, queued on the tablet, sent when the connection allows ------------------------------
  //
  // A program the school has saved (or restored) stays on the tablet, marked with the revision the school gave
  // it (never sent again): a child who reloads the lab while its last save is on its way gets a page the server
  // drew before that save committed, and the old page may see the save confirmed just before it goes. The new
  // page shows that program where the page's revision is older (see "start"), so the child's last blocks are
  // there. It is dropped when the project's lab opens again, or, a minute on, when any lab opens.
  // What the school already has is not sent again (``atSchool``): Blockly reports a program's loading after it,
  // as changes, and those sent the page's program back, an older one after such a reload.
  var SAVED_PREFIX = "coding-lab:project:";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  var saveEl = document.getElementById("coding-save");

  var saver = {
    key: SAVED_PREFIX + cfg.projectId,
    timer: null, inflight: false, backoff: 1000,
    read: function () { return DeviceStore.read(this.key); },
    // Full storage: the older copy stored goes (it would be sent, and shown on a reload).
    store: function (item) { if (!DeviceStore.store(this.key, item)) DeviceStore.store(this.key, null); },
    write: function (item) {
      this.store(item);
      this.memory = item; // sent from here if the storage refused it
    },
    atSchool: null,
    revision: cfg.revision || 0, // of ``atSchool``: a save's late answer (after a restore, another tablet's save) is older
    // The school has ``source`` as ``revision`` (restored, or saved while nothing newer waits): kept, marked.
    keep: function (source, revision) {
      this.store({ source: source, at: Date.now(), confirmed: Date.now(), revision: revision });
      if (this.memory && this.memory.source === source) this.memory = null;
    },
    // The school saved ``source`` as ``revision``: kept, marked, unless the child has changed it since.
    saved: function (source, revision) {
      var item = this.read();
      if (item && item.source === source && !item.confirmed) this.keep(source, revision);
      if (this.memory && this.memory.source === source) this.memory = null;
      if (revision >= this.revision) {
        this.atSchool = source;
        this.revision = revision;
      }
    },
    // What is still to send: the queued program unless the school has it, else one kept in memory (storage full).
    pending: function () {
      var item = this.read();
      return item && !item.confirmed ? item : this.memory;
    },
    queue: function (source) {
      if (!cfg.saveUrl) return;
      this.write({ source: source, at: Date.now() });
      clearTimeout(this.timer);
      var self = this;
      this.timer = setTimeout(function () { self.flush(); }, 2000);
    },
    flushNow: function () {
      if (!cfg.saveUrl) return;
      this.write({ source: sourceOf(ws), at: Date.now() });
      clearTimeout(this.timer);
      this.flush();
    },
    retry: function (ms) {
      var self = this;
      clearTimeout(this.timer);
      this.timer = setTimeout(function () { self.flush(); }, ms);
    },
    flush: function () {
      var self = this;
      var item = this.pending();
      if (!item || this.inflight || !cfg.saveUrl) return;
      this.inflight = true;
      saveEl.textContent = texts.ui.saving;
      fetch(cfg.saveUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ source: item.source }),
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return [response.status, data]; });
      }).then(function (answer) {
        self.inflight = false;
        var status = answer[0], data = answer[1];
        if (status === 200) {
          self.saved(item.source, data.revision);
          self.backoff = 1000;
          saveEl.textContent = texts.ui.saved + " (" + data.blocks + " " + texts.ui.blocks + ")";
          if (!running) say(data.message);
          root.setAttribute("data-result", data.result);
          root.setAttribute("data-revision", data.revision);
          if (self.pending()) self.retry(2000);
        } else if (status === 409 || status === 429 || status >= 500) {
          saveEl.textContent = data.error || texts.ui.offline;
          self.retry(Math.min(self.backoff *= 2, 30000));
        } else {
          saveEl.textContent = texts.ui.refused + " " + (data.error || status);
          root.setAttribute("data-refused", String(status));
        }
      }).catch(function () {
        self.inflight = false;
        saveEl.textContent = texts.ui.offline;
        self.retry(Math.min(self.backoff *= 2, 30000));
      });
    },
  };
  window.addEventListener("online", function () { saver.backoff = 1000; saver.flush(); });

  // --- versions ---------------------------------------------------------------------------------------------------

  var versionsButton = root.querySelector('[data-action="versions"]');
  if (versionsButton) {
    versionsButton.addEventListener("click", function () {
      var box = document.getElementById("coding-versions"), list = document.getElementById("coding-version-list");
      box.hidden = false;
      fetch(cfg.versionsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          list.textContent = "";
          if (!data.versions || !data.versions.length) { list.textContent = texts.ui.noVersions; return; }
          data.versions.forEach(function (v) {
            var li = document.createElement("li");
            li.textContent = "#" + v.revision + " · " + new Date(v.saved_at).toLocaleString() + " · " + (texts.outcomes[v.result] || v.result) + " ";
            var button = document.createElement("button");
            button.type = "button"; button.className = "button button--small button--secondary";
            button.textContent = texts.ui.restore + " #" + v.revision;
            button.addEventListener("click", function () {
              fetch(v.restore_url, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrf() } })
                .then(function (r) { return r.json(); })
                .then(function (d) {
                  if (d.error) { saveEl.textContent = d.error; return; }
                  loading = true; loadSource(d.source); loading = false;
                  saver.memory = null;
                  saver.keep(d.source, d.revision);
                  saver.atSchool = sourceOf(ws);
                  saver.revision = d.revision;
                  // A save on its way may land after the restore, over it: the restored program goes after it.
                  if (saver.inflight) saver.queue(saver.atSchool);
                  say(texts.ui.restored);
                });
            });
            li.appendChild(button);
            list.appendChild(li);
          });
        });
    });
  }

  // --- start -------------------------------------------------------------------------------------------------------

  // The program to show: one queued on the tablet and not yet saved (the lab was left offline), else one the
  // school saved at a revision newer than this page's (the page was drawn while that save was on its way), else
  // the page's own. Then programs the school saved more than a minute ago are dropped from the tablet, whichever
  // project's (what is still to send stays).
  function startingSource() {
    var queued = saver.read();
    if (!queued || !queued.source) return { source: cfg.source, atSchool: true };
    if (!queued.confirmed) return { source: queued.source, atSchool: false };
    DeviceStore.store(saver.key, null);
    if (!(queued.revision > saver.revision)) return { source: cfg.source, atSchool: true };
    saver.revision = queued.revision;
    return { source: queued.source, atSchool: true };
  }

  function dropOldSaved() {
    var now = Date.now();
    DeviceStore.each(SAVED_PREFIX, function (key, item) {
      if (DeviceStore.aged(item, now)) DeviceStore.store(key, null);
    });
  }

  var loading = true;
  var starting = startingSource();
  loadSource(starting.source);
  loading = false;
  if (starting.atSchool) saver.atSchool = sourceOf(ws);
  dropOldSaved();
  if (saver.pending()) saver.flush();
  draw(null);
  ws.addChangeListener(function (event) {
    if (loading || event.isUiEvent || cfg.readOnly) return;
    var source = sourceOf(ws);
    // Unless a change not yet sent waits (this one then replaces it), what the school has is not sent again.
    if (source !== saver.atSchool || saver.pending()) saver.queue(source);
    if (event.type === Blockly.Events.BLOCK_CREATE || event.type === Blockly.Events.BLOCK_DELETE || event.type === Blockly.Events.BLOCK_CHANGE) {
      if ((cfg.toolbox || []).indexOf(DEF) >= 0) ws.updateToolbox(toolboxFor(ws));
    }
    showText();
  });

  /* For the tests: grade a program the way this page does, without showing it. */
  window.codingLab = {
    workspace: ws,
    check: function (sourceText) {
      var headless = new Blockly.Workspace();
      Blockly.serialization.workspaces.load(JSON.parse(sourceText), headless);
      var graded = grade(headless);
      headless.dispose();
      return graded;
    },
    source: function () { return sourceOf(ws); },
    load: function (text) { loadSource(text); },
  };
  root.setAttribute("data-ready", "true");
})();
