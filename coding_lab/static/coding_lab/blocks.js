/* The lab's blocks: definitions, their JavaScript (run in JS-Interpreter) and their Python (the text view).
 * The server's evaluator (coding_lab/evaluator/machine.py) gives each block the same meaning. */
(function () {
  "use strict";

  function define(texts) {
    var t = texts.blocks;
    var Blockly = window.Blockly;
    Object.keys(texts.blockly || {}).forEach(function (key) { Blockly.Msg[key] = texts.blockly[key]; });
    var MAZE = 210, TURTLE = 160, START = 45, TEXTC = 20;
    Blockly.defineBlocksWithJsonArray([
      { type: "coding_start", message0: t.start, nextStatement: null, colour: START, deletable: false },
      { type: "maze_move_forward", message0: t.move_forward, previousStatement: null, nextStatement: null, colour: MAZE },
      {
        type: "maze_turn", message0: "%1",
        args0: [{ type: "field_dropdown", name: "DIR", options: [[t.turn_left, "turnLeft"], [t.turn_right, "turnRight"]] }],
        previousStatement: null, nextStatement: null, colour: MAZE,
      },
      {
        type: "maze_forever", message0: t.forever + " %1 " + t.do + " %2",
        args0: [{ type: "input_dummy" }, { type: "input_statement", name: "DO" }],
        previousStatement: null, colour: 120,
      },
      {
        type: "maze_if", message0: "%1 %2 " + t.do + " %3",
        args0: [
          { type: "field_dropdown", name: "DIR", options: [[t.path_ahead, "isPathForward"], [t.path_left, "isPathLeft"], [t.path_right, "isPathRight"]] },
          { type: "input_dummy" }, { type: "input_statement", name: "DO" },
        ],
        previousStatement: null, nextStatement: null, colour: 210,
      },
      {
        type: "maze_ifElse", message0: "%1 %2 " + t.do + " %3 " + t.else + " %4",
        args0: [
          { type: "field_dropdown", name: "DIR", options: [[t.path_ahead, "isPathForward"], [t.path_left, "isPathLeft"], [t.path_right, "isPathRight"]] },
          { type: "input_dummy" }, { type: "input_statement", name: "DO" }, { type: "input_statement", name: "ELSE" },
        ],
        previousStatement: null, nextStatement: null, colour: 210,
      },
      {
        type: "turtle_move", message0: t.move,
        args0: [
          { type: "field_dropdown", name: "DIR", options: [[t.forward, "moveForward"], [t.backward, "moveBackward"]] },
          { type: "input_value", name: "VALUE", check: "Number" },
        ],
        previousStatement: null, nextStatement: null, colour: TURTLE, inputsInline: true,
      },
      {
        type: "turtle_turn", message0: t.turn,
        args0: [
          { type: "field_dropdown", name: "DIR", options: [[t.right, "turnRight"], [t.left, "turnLeft"]] },
          { type: "input_value", name: "VALUE", check: "Number" },
        ],
        previousStatement: null, nextStatement: null, colour: TURTLE, inputsInline: true,
      },
      {
        type: "turtle_pen", message0: "%1",
        args0: [{ type: "field_dropdown", name: "PEN", options: [[t.pen_up, "penUp"], [t.pen_down, "penDown"]] }],
        previousStatement: null, nextStatement: null, colour: TURTLE,
      },
      { type: "coding_input", message0: t.input, output: null, colour: TEXTC },
    ]);

    var js = window.javascript.javascriptGenerator;
    var Order = window.javascript.Order;
    js.addReservedWords("highlightBlock,moveForward,turnLeft,turnRight,isPath,notDone,turtleMove,turtleTurn,penDown,print,getInput");
    var q = function (block) { return "'" + block.id + "'"; };
    js.forBlock.coding_start = function () { return ""; };
    js.forBlock.maze_move_forward = function (b) { return "moveForward(" + q(b) + ");\n"; };
    js.forBlock.maze_turn = function (b) { return (b.getFieldValue("DIR") === "turnRight" ? "turnRight(" : "turnLeft(") + q(b) + ");\n"; };
    js.forBlock.maze_forever = function (b, g) {
      var body = g.statementToCode(b, "DO");
      return "while (notDone()) {\n" + body + "}\n";
    };
    var pathArg = function (b) { return { isPathForward: 0, isPathRight: 1, isPathLeft: 3 }[b.getFieldValue("DIR")] || 0; };
    js.forBlock.maze_if = function (b, g) {
      return "if (isPath(" + pathArg(b) + ", " + q(b) + ")) {\n" + g.statementToCode(b, "DO") + "}\n";
    };
    js.forBlock.maze_ifElse = function (b, g) {
      return "if (isPath(" + pathArg(b) + ", " + q(b) + ")) {\n" + g.statementToCode(b, "DO") + "} else {\n" + g.statementToCode(b, "ELSE") + "}\n";
    };
    js.forBlock.turtle_move = function (b, g) {
      var value = g.valueToCode(b, "VALUE", Order.NONE) || "0";
      return "turtleMove(" + value + ", " + (b.getFieldValue("DIR") === "moveBackward") + ", " + q(b) + ");\n";
    };
    js.forBlock.turtle_turn = function (b, g) {
      var value = g.valueToCode(b, "VALUE", Order.NONE) || "0";
      return "turtleTurn(" + value + ", " + (b.getFieldValue("DIR") === "turnLeft") + ", " + q(b) + ");\n";
    };
    js.forBlock.turtle_pen = function (b) { return "penDown(" + (b.getFieldValue("PEN") !== "penUp") + ", " + q(b) + ");\n"; };
    js.forBlock.coding_input = function () { return ["getInput()", Order.FUNCTION_CALL]; };
    js.forBlock.text_print = function (b, g) {
      return "print(" + (g.valueToCode(b, "TEXT", Order.NONE) || "''") + ");\n";
    };

    var py = window.python.pythonGenerator;
    var PO = window.python.Order;
    var body = function (b, g, name) { return g.statementToCode(b, name) || g.PASS; };
    py.forBlock.coding_start = function () { return ""; };
    py.forBlock.maze_move_forward = function () { return "move_forward()\n"; };
    py.forBlock.maze_turn = function (b) { return b.getFieldValue("DIR") === "turnRight" ? "turn_right()\n" : "turn_left()\n"; };
    py.forBlock.maze_forever = function (b, g) { return "while not at_goal():\n" + body(b, g, "DO"); };
    var pyPath = function (b) { return { isPathForward: "path_ahead()", isPathRight: "path_right()", isPathLeft: "path_left()" }[b.getFieldValue("DIR")]; };
    py.forBlock.maze_if = function (b, g) { return "if " + pyPath(b) + ":\n" + body(b, g, "DO"); };
    py.forBlock.maze_ifElse = function (b, g) { return "if " + pyPath(b) + ":\n" + body(b, g, "DO") + "else:\n" + body(b, g, "ELSE"); };
    py.forBlock.turtle_move = function (b, g) {
      return (b.getFieldValue("DIR") === "moveBackward" ? "backward(" : "forward(") + (g.valueToCode(b, "VALUE", PO.NONE) || "0") + ")\n";
    };
    py.forBlock.turtle_turn = function (b, g) {
      return (b.getFieldValue("DIR") === "turnLeft" ? "left(" : "right(") + (g.valueToCode(b, "VALUE", PO.NONE) || "0") + ")\n";
    };
    py.forBlock.turtle_pen = function (b) { return b.getFieldValue("PEN") === "penUp" ? "pen_up()\n" : "pen_down()\n"; };
    py.forBlock.coding_input = function () { return ["input_value()", PO.FUNCTION_CALL]; };
  }

  window.CodingBlocks = { define: define };
})();
