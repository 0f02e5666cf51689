"""Running a program on a stage, the way the browser's JS-Interpreter runs the generated JavaScript.

Each block is a small Python generator that asks for its inputs and inner stacks by yielding other generators;
one loop (``_drive``) runs them with a list as the stack, so neither a long chain nor deep nesting recurses in
Python. Every generator started is a step; the budget of steps, of actions (moves and turns) and of printed
lines stops an endless loop, and the depth of function calls stops runaway recursion.

JavaScript's values are kept: numbers are floats, ``+`` joins text, ``undefined`` is ``None``, and text is
written as JavaScript writes it (``3`` not ``3.0``, ``Infinity``, ``NaN``).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from .program import Block, Program, field_value, input_block, is_disabled, next_block

STEP_BUDGET = 100_000
ACTION_BUDGET = 10_000
PRINT_BUDGET = 1_000
CALL_DEPTH = 200

# Maze directions: north, east, south, west.
_DELTAS = ((-1, 0), (0, 1), (1, 0), (0, -1))
TURTLE_START = (200.0, 200.0)


class Halt(Exception):  # noqa: N818 - not an error: how a run stops early
    def __init__(self, how: str, code: str) -> None:
        super().__init__(code)
        self.how = how  # "solved", "failed" or "error"
        self.code = code


Gen = Generator[Any, Any, Any]


class _Ready:
    """A value known without running anything (a number, a text, a variable, an input's default): the driver
    counts it as a step, like the generator it stands for, but does not start a generator for it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_NOTHING = _Ready(None)


def _done() -> _Ready:
    return _NOTHING


def _const(value: Any) -> _Ready:
    return _Ready(value)


# --- JavaScript's values -----------------------------------------------------------------------------------


def js_number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if value is None:
        return math.nan
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(text)
        except ValueError:
            return math.nan
    return math.nan


def js_string(value: Any) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        if number.is_integer() and abs(number) < 1e21:
            return str(int(number))
        text = repr(number)
        if "e" in text:
            mantissa, exponent = text.split("e")
            sign = "-" if exponent.startswith("-") else "+"
            text = f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"
        return text
    return str(value)


def js_truthy(value: Any) -> bool:
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return bool(value)


def js_add(a: Any, b: Any) -> Any:
    if isinstance(a, str) or isinstance(b, str):
        return js_string(a) + js_string(b)
    return js_number(a) + js_number(b)


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _power(a: float, b: float) -> float:
    try:
        result = math.pow(a, b)
    except (OverflowError, ValueError):
        return math.inf if a > 0 else math.nan
    return result


def _modulo(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)


def _compare(op: str, a: Any, b: Any) -> bool:
    if op in ("EQ", "NEQ"):
        if type(a) is type(b) or (isinstance(a, int | float) and isinstance(b, int | float)):
            equal = a == b
        elif a is None or b is None:
            equal = a is None and b is None
        else:
            equal = js_number(a) == js_number(b)
        return equal if op == "EQ" else not equal
    if isinstance(a, str) and isinstance(b, str):
        x: Any = a
        y: Any = b
    else:
        x, y = js_number(a), js_number(b)
    return {"LT": x < y, "LTE": x <= y, "GT": x > y, "GTE": x >= y}.get(op, False)


# --- the stages ----------------------------------------------------------------------------------------------


@dataclass
class Trace:
    """What a run did: the maze path, the turtle's lines, the printed lines."""

    actions: list[str] = field(default_factory=list)
    segments: list[tuple[float, float, float, float]] = field(default_factory=list)
    output: list[str] = field(default_factory=list)


class Stage:
    def __init__(self) -> None:
        self.trace = Trace()
        self.input: Any = None

    def act(self, name: str) -> None:
        self.trace.actions.append(name)
        if len(self.trace.actions) > ACTION_BUDGET:
            raise Halt("error", "too_many_actions")


class MazeStage(Stage):
    def __init__(self, rows: list[str], direction: int) -> None:
        super().__init__()
        self.rows = rows
        self.direction = direction % 4
        self.position = (0, 0)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell == "S":
                    self.position = (r, c)

    def _free(self, direction: int) -> bool:
        dr, dc = _DELTAS[direction % 4]
        r, c = self.position[0] + dr, self.position[1] + dc
        return 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]) and self.rows[r][c] != "#"

    def at_goal(self) -> bool:
        r, c = self.position
        return self.rows[r][c] == "G"

    def move(self) -> None:
        self.act("forward")
        if not self._free(self.direction):
            raise Halt("failed", "crashed")
        dr, dc = _DELTAS[self.direction]
        self.position = (self.position[0] + dr, self.position[1] + dc)
        if self.at_goal():
            raise Halt("solved", "goal")

    def turn(self, right: bool) -> None:
        self.act("right" if right else "left")
        self.direction = (self.direction + (1 if right else 3)) % 4

    def is_path(self, which: str) -> bool:
        offset = {"isPathForward": 0, "isPathRight": 1, "isPathLeft": 3}.get(which, 0)
        return self._free(self.direction + offset)


class TurtleStage(Stage):
    def __init__(self) -> None:
        super().__init__()
        self.x, self.y = TURTLE_START
        self.heading = 0.0
        self.pen = True

    def move(self, distance: float) -> None:
        self.act("move")
        if not math.isfinite(distance):
            raise Halt("error", "bad_number")
        radians = math.radians(self.heading)
        x = self.x + distance * math.sin(radians)
        y = self.y - distance * math.cos(radians)
        if self.pen and distance:
            self.trace.segments.append((round(self.x, 2), round(self.y, 2), round(x, 2), round(y, 2)))
        self.x, self.y = x, y

    def turn(self, angle: float) -> None:
        self.act("turn")
        if not math.isfinite(angle):
            raise Halt("error", "bad_number")
        self.heading = (self.heading + angle) % 360

    def set_pen(self, down: bool) -> None:
        self.pen = down


class TextStage(Stage):
    def print(self, value: Any) -> None:
        self.trace.output.append(js_string(value))
        if len(self.trace.output) > PRINT_BUDGET:
            raise Halt("error", "too_much_output")


class SandboxStage(TurtleStage):
    """The free sandbox: the turtle's canvas and printed lines."""

    print = TextStage.print


# --- the machine ---------------------------------------------------------------------------------------------


class Machine:
    def __init__(self, program: Program, stage: Stage) -> None:
        self.program = program
        self.stage = stage
        self.variables: dict[str, Any] = {}
        self.steps = 0
        self.calls = 0
        self._statements: dict[str, Any] = {}  # block type -> bound handler (or None), found once per run
        self._values: dict[str, Any] = {}

    def run(self) -> None:
        if self.program.start is not None:
            self._drive(self._chain(next_block(self.program.start)))

    def _drive(self, generator: Gen) -> Any:
        stack = [generator]
        push, pop = stack.append, stack.pop
        value: Any = None
        steps = self.steps
        try:
            while stack:
                try:
                    request = stack[-1].send(value)
                except StopIteration as stop:
                    pop()
                    value = stop.value
                    continue
                steps += 1
                if steps > STEP_BUDGET:
                    raise Halt("error", "too_many_steps")
                if request.__class__ is _Ready:
                    value = request.value
                    continue
                push(request)
                value = None
        finally:
            self.steps = steps
        return value

    # Helpers the blocks yield (the lookups of program.next_block / input_block / is_disabled, inlined: they
    # run for every block executed).
    def _chain(self, block: Block | None) -> Gen:
        statement = self._statement
        while block is not None:
            if block.get("enabled") is not False and not block.get("disabledReasons"):
                yield statement(block)
            link = block.get("next")
            if not isinstance(link, dict):
                return
            block = link.get("block") or link.get("shadow")
            if not isinstance(block, dict):
                return

    def _inner(self, block: Block, name: str) -> Gen:
        return self._chain(input_block(block, name))

    def _value(self, block: Block, name: str, default: Any) -> Gen:
        target = input_block(block, name)
        if target is None or is_disabled(target):
            return _const(default)
        kind = target["type"]
        handlers = self._values
        if kind not in handlers:
            handlers[kind] = getattr(self, "v_" + kind, None)
        handler = handlers[kind]
        if handler is None:
            return _const(default)  # a statement block in a value input: Blockly generates nothing for it
        return handler(target)

    def _statement(self, block: Block) -> Gen:
        kind = block["type"]
        handlers = self._statements
        if kind not in handlers:
            handlers[kind] = getattr(self, "s_" + kind, None)
        handler = handlers[kind]
        if handler is None:
            return _done()  # a value block on its own: evaluated for nothing, like the browser
        return handler(block)

    def _variable(self, block: Block) -> str:
        var = field_value(block, "VAR")
        if isinstance(var, dict):
            return str(var.get("id") or var.get("name") or "")
        return str(var or "")

    # Statements.
    def _maze(self) -> MazeStage:
        if not isinstance(self.stage, MazeStage):
            raise Halt("error", "block_not_here")
        return self.stage

    def _turtle(self) -> TurtleStage:
        if not isinstance(self.stage, TurtleStage):
            raise Halt("error", "block_not_here")
        return self.stage

    def s_maze_move_forward(self, block: Block) -> Gen:
        self._maze().move()
        return
        yield

    def s_maze_turn(self, block: Block) -> Gen:
        self._maze().turn(field_value(block, "DIR") == "turnRight")
        return
        yield

    def s_maze_forever(self, block: Block) -> Gen:
        while not self._maze().at_goal():
            yield self._inner(block, "DO")

    def s_maze_if(self, block: Block) -> Gen:
        if self._maze().is_path(field_value(block, "DIR", "isPathForward")):
            yield self._inner(block, "DO")

    def s_maze_ifElse(self, block: Block) -> Gen:  # noqa: N802 - Blockly's block name
        if self._maze().is_path(field_value(block, "DIR", "isPathForward")):
            yield self._inner(block, "DO")
        else:
            yield self._inner(block, "ELSE")

    def s_turtle_move(self, block: Block) -> Gen:
        distance = js_number((yield self._value(block, "VALUE", 0)))
        if field_value(block, "DIR") == "moveBackward":
            distance = -distance
        self._turtle().move(distance)

    def s_turtle_turn(self, block: Block) -> Gen:
        angle = js_number((yield self._value(block, "VALUE", 0)))
        if field_value(block, "DIR") == "turnLeft":
            angle = -angle
        self._turtle().turn(angle)

    def s_turtle_pen(self, block: Block) -> Gen:
        self._turtle().set_pen(field_value(block, "PEN") != "penUp")
        return
        yield

    def s_text_print(self, block: Block) -> Gen:
        value = yield self._value(block, "TEXT", "")
        printer = getattr(self.stage, "print", None)
        if printer is not None:
            printer(value)

    def s_controls_repeat_ext(self, block: Block) -> Gen:
        times = js_number((yield self._value(block, "TIMES", 0)))
        count = 0
        while count < times:
            yield self._inner(block, "DO")
            count += 1

    def s_controls_whileUntil(self, block: Block) -> Gen:  # noqa: N802
        until = field_value(block, "MODE") == "UNTIL"
        while True:
            condition = js_truthy((yield self._value(block, "BOOL", False)))
            if condition == until:
                return
            yield self._inner(block, "DO")

    def s_controls_for(self, block: Block) -> Gen:
        name = self._variable(block)
        start = js_number((yield self._value(block, "FROM", 0)))
        end = js_number((yield self._value(block, "TO", 0)))
        step = abs(js_number((yield self._value(block, "BY", 1))))
        if start > end:
            step = -step
        self.variables[name] = start
        while True:
            current = js_number(self.variables.get(name))
            if not (current <= end if step >= 0 else current >= end):
                return
            yield self._inner(block, "DO")
            self.variables[name] = js_add(self.variables.get(name), step)

    def s_controls_if(self, block: Block) -> Gen:
        extra = block.get("extraState") if isinstance(block.get("extraState"), dict) else {}
        branches = 1 + int(js_number(extra.get("elseIfCount", 0)) or 0)
        for index in range(max(1, min(branches, 100))):
            if js_truthy((yield self._value(block, f"IF{index}", False))):
                yield self._inner(block, f"DO{index}")
                return
        if extra.get("hasElse"):
            yield self._inner(block, "ELSE")

    def s_variables_set(self, block: Block) -> Gen:
        self.variables[self._variable(block)] = yield self._value(block, "VALUE", 0)

    def s_math_change(self, block: Block) -> Gen:
        name = self._variable(block)
        delta = yield self._value(block, "DELTA", 0)
        current = self.variables.get(name)
        base = current if isinstance(current, float | int) and not isinstance(current, bool) else 0.0
        self.variables[name] = js_add(base, delta)

    def s_procedures_callnoreturn(self, block: Block) -> Gen:
        extra = block.get("extraState") if isinstance(block.get("extraState"), dict) else {}
        definition = self.program.procedures.get(str(extra.get("name", "")))
        if definition is None:
            raise Halt("error", "unknown_function")
        self.calls += 1
        if self.calls > CALL_DEPTH:
            raise Halt("error", "runaway_recursion")
        yield self._inner(definition, "STACK")
        self.calls -= 1

    # Values.
    def v_math_number(self, block: Block) -> _Ready:
        return _Ready(js_number(field_value(block, "NUM", 0)))

    def v_text(self, block: Block) -> _Ready:
        return _Ready(str(field_value(block, "TEXT", "")))

    def v_logic_boolean(self, block: Block) -> _Ready:
        return _Ready(field_value(block, "BOOL") == "TRUE")

    def v_coding_input(self, block: Block) -> _Ready:
        return _Ready(self.stage.input)

    def v_variables_get(self, block: Block) -> _Ready:
        return _Ready(self.variables.get(self._variable(block)))

    def v_math_arithmetic(self, block: Block) -> Gen:
        a = yield self._value(block, "A", 0.0)
        b = yield self._value(block, "B", 0.0)
        op = field_value(block, "OP", "ADD")
        if op == "ADD":
            return js_add(a, b)
        x, y = js_number(a), js_number(b)
        if op == "MINUS":
            return x - y
        if op == "MULTIPLY":
            return x * y
        if op == "DIVIDE":
            return _divide(x, y)
        if op == "POWER":
            return _power(x, y)
        return math.nan

    def v_math_modulo(self, block: Block) -> Gen:
        a = yield self._value(block, "DIVIDEND", 0.0)
        b = yield self._value(block, "DIVISOR", 0.0)
        return _modulo(js_number(a), js_number(b))

    def v_logic_compare(self, block: Block) -> Gen:
        a = yield self._value(block, "A", 0.0)
        b = yield self._value(block, "B", 0.0)
        return _compare(str(field_value(block, "OP", "EQ")), a, b)

    def v_logic_operation(self, block: Block) -> Gen:
        # Blockly: both missing -> false; one missing -> the value that changes nothing (true for AND).
        is_or = field_value(block, "OP") == "OR"
        both_missing = input_block(block, "A") is None and input_block(block, "B") is None
        default = False if both_missing else not is_or
        a = yield self._value(block, "A", default)
        if is_or:
            return a if js_truthy(a) else (yield self._value(block, "B", default))
        return (yield self._value(block, "B", default)) if js_truthy(a) else a

    def v_logic_negate(self, block: Block) -> Gen:
        return not js_truthy((yield self._value(block, "BOOL", True)))
