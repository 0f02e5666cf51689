"""Builders of Blockly JSON programs and of challenge worlds, for the tests, the demo city and the benchmark
(never imported when the portal starts)."""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass
from typing import Any

_ids = itertools.count(1)


def block(kind: str, fields: dict | None = None, inputs: dict | None = None, **extra: Any) -> dict:
    """One block; ``inputs`` maps names to a block (a value) or a list of blocks (a statement stack)."""
    data: dict[str, Any] = {"type": kind, "id": f"b{next(_ids)}"}
    if fields:
        data["fields"] = fields
    if inputs:
        data["inputs"] = {
            name: {"block": stack(value) if isinstance(value, list) else value} for name, value in inputs.items()
        }
    data.update(extra)
    return data


def stack(blocks: list[dict]) -> dict | None:
    """Link blocks by ``next`` (iteratively: a chain of thousands is fine)."""
    head = None
    for item in reversed(blocks):
        if head is not None:
            item["next"] = {"block": head}
        head = item
    return head


def num(value: float) -> dict:
    return block("math_number", {"NUM": value})


def text(value: str) -> dict:
    return block("text", {"TEXT": value})


def fwd() -> dict:
    return block("maze_move_forward")


def turn(right: bool = True) -> dict:
    return block("maze_turn", {"DIR": "turnRight" if right else "turnLeft"})


def repeat(times: float, body: list[dict]) -> dict:
    return block("controls_repeat_ext", inputs={"TIMES": num(times), "DO": body})


def move(distance: float) -> dict:
    return block("turtle_move", {"DIR": "moveForward"}, {"VALUE": num(distance)})


def tturn(angle: float) -> dict:
    return block("turtle_turn", {"DIR": "turnRight"}, {"VALUE": num(angle)})


def say(value: dict) -> dict:
    return block("text_print", inputs={"TEXT": value})


def define(name: str, body: list[dict]) -> dict:
    return block("procedures_defnoreturn", {"NAME": name}, {"STACK": body} if body else None, x=300, y=20)


def call(name: str) -> dict:
    return block("procedures_callnoreturn", extraState={"name": name})


def program(statements: list[dict], *, tops: list[dict] | None = None, variables: list | None = None) -> dict:
    start = block("coding_start", x=20, y=20)
    following = stack(statements)
    if following is not None:
        start["next"] = {"block": following}
    data: dict[str, Any] = {"blocks": {"languageVersion": 0, "blocks": [start, *(tops or [])]}}
    if variables:
        data["variables"] = [{"name": name, "id": name} for name in variables]
    return data


def dumps(data: Any) -> str:
    """JSON text of a program, however deep (the json module recurses: its limit is raised for the call)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 40_000))
    try:
        return json.dumps(data, ensure_ascii=False)
    finally:
        sys.setrecursionlimit(limit)


def polygon(sides: int, length: float = 80) -> dict:
    """The 正多角形 lesson's program: repeat n times (move, turn 360/n)."""
    return program([repeat(sides, [move(length), tturn(360 / sides)])])


@dataclass
class LabWorld:
    challenge: Any
    course: Any
    project: Any
    city_challenge: Any = None
    showcase: Any = None


def lab_world(world: Any) -> LabWorld:
    """A maze challenge of the world's school in a course, and the world's child's project on it (test data).
    Built once per world (the matrix shares one world per module and rolls each test back: rebuilt when gone)."""
    from .models import Challenge, Course, CourseChallenge, Project, Showcase
    from .services import project_open

    cached = world.extra.get("coding_lab")
    if cached is not None and Project.objects.filter(pk=cached.project.pk).exists():
        return cached

    challenge = Challenge.objects.create(
        school=world.school,
        title="Two steps",
        stage_type="maze",
        maze="#####\n#S.G#\n#####",
        start_direction=1,
        toolbox=["maze_move_forward", "maze_turn", "controls_repeat_ext"],
    )
    course = Course.objects.create(school=world.school, title="Maze course")
    CourseChallenge.objects.create(course=course, challenge=challenge, sort_order=0)
    project = project_open(student=world.child, challenge=challenge)
    city_challenge = Challenge.objects.create(title="City maze", stage_type="maze", maze="#S.G#")
    showcase = Showcase.objects.create(class_group=world.class_group, challenge=challenge, project=project)
    built = LabWorld(challenge, course, project, city_challenge, showcase)
    world.extra["coding_lab"] = built
    return built
