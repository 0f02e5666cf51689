"""The server's check of a child's program: the result is decided here, from the program alone.

``check(source, goal)`` reads the Blockly JSON (``program.read_program``: size, depth and block limits, no
recursion), runs it on the goal's stage (``machine``: the same semantics as the generated JavaScript in the
browser's JS-Interpreter, with budgets of steps, actions, output and call depth) and grades it:

- ``error``: the program cannot be read or stopped by a budget (an endless loop, runaway recursion);
- ``failed``: it ran, but did not reach the goal / draw the picture / print the expected output;
- ``missing_block``: it reached the goal without a block the challenge requires;
- ``over_budget``: it reached the goal with more blocks than the challenge's budget;
- ``solved``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .machine import Halt, Machine, MazeStage, SandboxStage, Stage, TextStage, Trace, TurtleStage
from .program import Program, ProgramError, read_program

__all__ = ["Goal", "Outcome", "ProgramError", "check", "read_program", "run", "turtle_matches"]

SOLVED, OVER_BUDGET, MISSING_BLOCK, FAILED, ERROR = "solved", "over_budget", "missing_block", "failed", "error"
ALWAYS_ALLOWED = frozenset({"math_number"})  # the toolbox's number fields (shadows) and typed numbers
CELL = 4.0  # the turtle's drawings are compared on a grid of 4-pixel cells, one cell of tolerance


@dataclass
class Goal:
    """What a challenge asks, independent of the database (``models.Challenge.goal()`` builds it)."""

    stage: str  # maze / turtle / text / sandbox
    maze: list[str] = field(default_factory=list)
    start_direction: int = 1
    target_segments: list[tuple[float, float, float, float]] | None = None
    text_cases: list[dict[str, str]] = field(default_factory=list)
    required_blocks: list[str] = field(default_factory=list)
    block_budget: int | None = None
    allowed_blocks: set[str] | None = None  # the toolbox (None: any block of the lab)


@dataclass
class Outcome:
    result: str
    code: str
    block_count: int = 0
    trace: Trace = field(default_factory=Trace)
    missing: list[str] = field(default_factory=list)


def _stage(goal: Goal) -> Stage:
    if goal.stage == "maze":
        return MazeStage(goal.maze, goal.start_direction)
    if goal.stage == "turtle":
        return TurtleStage()
    if goal.stage == "text":
        return TextStage()
    return SandboxStage()


def run(program: Program, goal: Goal, case_input: Any = None) -> tuple[str, str, Trace]:
    """Run once: ("finished" | "solved" | "failed" | "error", code, trace)."""
    stage = _stage(goal)
    stage.input = case_input
    try:
        Machine(program, stage).run()
    except Halt as halt:
        return halt.how, halt.code, stage.trace
    return "finished", "finished", stage.trace


def _cells(segments: list[tuple[float, float, float, float]]) -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    add = cells.add
    half = CELL / 2
    for x1, y1, x2, y2 in segments:
        dx, dy = x2 - x1, y2 - y1
        samples = max(1, int(math.hypot(dx, dy) / half))
        for i in range(samples + 1):
            t = i / samples
            add((int((x1 + dx * t) // CELL), int((y1 + dy * t) // CELL)))
    return cells


_NEIGHBOURS = tuple((dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1))


def _around(cells: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Every cell within one cell of ``cells`` (the tolerance)."""
    return {(x + dx, y + dy) for x, y in cells for dx, dy in _NEIGHBOURS}


@lru_cache(maxsize=256)
def _target(target: tuple[tuple[float, float, float, float], ...]) -> tuple[frozenset, frozenset]:
    """A challenge's picture as cells and the cells around them (the same picture for every child's check)."""
    cells = _cells(list(target))
    return frozenset(cells), frozenset(_around(cells))


def turtle_matches(drawn: list, target: list) -> bool:
    """Does the drawing look like the target: every drawn cell near a target cell and the other way round."""
    if len(drawn) > 20_000:
        return False
    target = [tuple(segment) for segment in target]
    if drawn == target:
        return True  # the very picture (a right answer usually draws the target's own lines, rounded alike)
    theirs, near_theirs = _target(tuple(target))
    mine = _cells(drawn)
    if not theirs:
        return not mine
    return mine <= near_theirs and theirs <= _around(mine)


def _case_input(text: str) -> Any:
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) and text.strip() else text


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _reached(program: Program, goal: Goal) -> tuple[str, str, Trace]:
    if goal.stage == "maze":
        how, code, trace = run(program, goal)
        if how == "finished":
            return FAILED, "not_at_goal", trace
        return (SOLVED if how == "solved" else how), code, trace
    if goal.stage == "turtle":
        how, code, trace = run(program, goal)
        if how == "error":
            return ERROR, code, trace
        if goal.target_segments is None:
            return SOLVED, "finished", trace
        if turtle_matches(trace.segments, goal.target_segments):
            return SOLVED, "picture", trace
        return FAILED, "wrong_picture", trace
    if goal.stage == "text" and goal.text_cases:
        first: Trace | None = None
        for case in goal.text_cases:
            how, code, trace = run(program, goal, _case_input(str(case.get("input", ""))))
            first = first or trace
            if how == "error":
                return ERROR, code, trace
            if _lines("\n".join(trace.output)) != _lines(str(case.get("output", ""))):
                return FAILED, "wrong_output", trace
        return SOLVED, "output", first or Trace()
    how, code, trace = run(program, goal)  # the sandbox, or a text stage with no cases
    return (ERROR if how == "error" else SOLVED), code, trace


def check(source: str | bytes, goal: Goal) -> Outcome:
    """Read, run and grade a program against a goal (never trusting anything but the program)."""
    try:
        program = read_program(source)
    except ProgramError as error:
        return Outcome(ERROR, error.code)
    if goal.allowed_blocks is not None:
        allowed = goal.allowed_blocks | ALWAYS_ALLOWED
        if "procedures_defnoreturn" in allowed:
            allowed = allowed | {"procedures_callnoreturn"}
        if program.types_used - allowed:
            return Outcome(ERROR, "block_not_allowed", program.block_count)
    result, code, trace = _reached(program, goal)
    outcome = Outcome(result, code, program.block_count, trace)
    if result != SOLVED:
        return outcome
    outcome.missing = [name for name in goal.required_blocks if name not in program.types_used]
    if outcome.missing:
        outcome.result, outcome.code = MISSING_BLOCK, "missing_block"
    elif goal.block_budget is not None and program.block_count > goal.block_budget:
        outcome.result, outcome.code = OVER_BUDGET, "over_budget"
    return outcome
