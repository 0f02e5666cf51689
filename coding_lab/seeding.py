"""The coding lab's part of the demo city: a city-wide course of maze and turtle challenges in Japanese (with the
5th-grade 正多角形 lesson of the national guide to elementary programming education), a short text course, and
progress for さくら小学校 5年1組 (imported only by seed_demo)."""

from __future__ import annotations

from typing import IO

from django.db import transaction

from school_portal.core.models import ClassGroup, Student
from school_portal.core.seeding import DemoCity

from .models import Challenge, Course, CourseChallenge, Project
from .services import project_save
from .testing import dumps, fwd, move, polygon, program, repeat, turn

MAZE_TOOLBOX = ["maze_move_forward", "maze_turn", "controls_repeat_ext"]
MAZE_PLUS = [*MAZE_TOOLBOX, "maze_forever", "maze_if", "maze_ifElse"]
TURTLE_TOOLBOX = ["turtle_move", "turtle_turn", "turtle_pen", "controls_repeat_ext", "math_number", "math_arithmetic"]

# (title, instructions, maze rows, start direction, toolbox, budget, required, the model solution)
MAZES = [
    (
        "めいろ1 まっすぐ",
        "ゴールまで すすもう。",
        "#######\n#S...G#\n#######",
        1,
        MAZE_TOOLBOX,
        4,
        [],
        [fwd() for _ in range(4)],
    ),
    (
        "めいろ2 まがりかど",
        "まがりかどで むきを かえよう。",
        "#####\n#S..#\n###.#\n###G#\n#####",
        1,
        MAZE_TOOLBOX,
        5,
        [],
        [fwd(), fwd(), turn(), fwd(), fwd()],
    ),
    (
        "めいろ3 くりかえし",
        "「くりかえす」ブロックで みじかく しよう。",
        "##########\n#S......G#\n##########",
        1,
        MAZE_TOOLBOX,
        3,
        ["controls_repeat_ext"],
        [repeat(7, [fwd()])],
    ),
    (
        "めいろ4 かいだん",
        "おなじ うごきを くりかえそう。",
        "######\n#S.###\n##..##\n###..#\n####G#\n######",
        1,
        MAZE_TOOLBOX,
        6,
        ["controls_repeat_ext"],
        [],
    ),
    (
        "めいろ5 ゴールまで くりかえす",
        "「ゴールまで くりかえす」と「もし みちが あれば」を つかおう。",
        "#######\n#S..#.#\n###.#.#\n#G..#.#\n#######",
        1,
        MAZE_PLUS,
        6,
        ["maze_forever"],
        [],
    ),
    (
        "めいろ6 ながい みち",
        "どんな みちでも ゴールできる プログラムを つくろう。",
        "########\n#S.....#\n######.#\n#G.....#\n########",
        1,
        MAZE_PLUS,
        6,
        ["maze_forever", "maze_ifElse"],
        [],
    ),
]
TURTLES = [
    ("タートル1 せん を ひこう", "100 すすんで 線を ひこう。", None, [move(100)]),
    ("タートル2 正方形", "正方形を かこう（4つの辺と 4つの角は すべて同じ）。", 4, None),
    ("正多角形1 正三角形", "正三角形を かこう。まわる角度は 360÷3 です。", 3, None),
    ("正多角形2 正六角形", "「くりかえす」を つかって 正六角形を かこう。", 6, None),
    ("正多角形3 正八角形", "正八角形を かこう。何回 くりかえし、何度 まわれば よいかな。", 8, None),
    ("正多角形4 正十二角形", "辺の数を ふやすと どんな形に 近づくかな。", 12, None),
]


def _maze_solution(rows: list[str], direction: int) -> list:
    """Follow the corridor (every demo maze is one path): forward while possible, else turn toward the path."""
    deltas = ((-1, 0), (0, 1), (1, 0), (0, -1))
    pos = next((r, row.index("S")) for r, row in enumerate(rows) if "S" in row)
    seen = {pos}
    moves: list = []
    while rows[pos[0]][pos[1]] != "G" and len(moves) < 200:
        for turn_by, blocks in ((0, []), (1, [turn(True)]), (3, [turn(False)])):
            d = (direction + turn_by) % 4
            nxt = (pos[0] + deltas[d][0], pos[1] + deltas[d][1])
            if rows[nxt[0]][nxt[1]] != "#" and nxt not in seen:
                moves += [*blocks, fwd()]
                direction, pos = d, nxt
                seen.add(pos)
                break
        else:
            break
    return moves


@transaction.atomic
def seed(demo: DemoCity, out: IO[str] | None = None) -> None:
    course, _ = Course.objects.get_or_create(
        school=None,
        title="プログラミングの たび（めいろと タートル）",
        defaults={"grade": 5, "description": "めいろで じゅんじょと くりかえしを、タートルで 正多角形を かきます。"},
    )
    challenges: list[Challenge] = []
    for title, instructions, maze, direction, toolbox, budget, required, _solution in MAZES:
        rows = [row for row in maze.splitlines() if row]
        solution = program(_maze_solution(rows, direction))
        challenge, _ = Challenge.objects.update_or_create(
            school=None,
            title=title,
            defaults={
                "instructions": instructions,
                "stage_type": "maze",
                "maze": "\n".join(rows),
                "start_direction": direction,
                "toolbox": toolbox,
                "block_budget": budget,
                "required_blocks": required,
                "solution": dumps(solution),
                "grade": 3 if len(challenges) < 3 else 5,
            },
        )
        challenges.append(challenge)
    for title, instructions, sides, solution_blocks in TURTLES:
        solution = polygon(sides, 400 // (sides + 2) + 20) if sides else program(solution_blocks)
        challenge, _ = Challenge.objects.update_or_create(
            school=None,
            title=title,
            defaults={
                "instructions": instructions,
                "stage_type": "turtle",
                "toolbox": TURTLE_TOOLBOX,
                "block_budget": 4 if sides else 2,
                "required_blocks": ["controls_repeat_ext"] if sides and sides > 4 else [],
                "solution": dumps(solution),
                "hints": f"{sides}回 くりかえそう。\n1回に まわる角度は 360÷{sides} 度。" if sides else "",
                "grade": 5,
            },
        )
        challenges.append(challenge)
    for order, challenge in enumerate(challenges):
        CourseChallenge.objects.update_or_create(course=course, sort_order=order, defaults={"challenge": challenge})
    CourseChallenge.objects.filter(course=course, sort_order__gte=len(challenges)).delete()

    text_challenge, _ = Challenge.objects.update_or_create(
        school=None,
        title="ことばを かこう",
        defaults={
            "stage_type": "text",
            "instructions": "「こんにちは」と かこう。",
            "toolbox": ["text_print", "text", "controls_repeat_ext"],
            "text_cases": [{"input": "", "output": "こんにちは"}],
            "grade": 3,
        },
    )
    text_course, _ = Course.objects.get_or_create(school=None, title="ことばの プログラム", defaults={"grade": 3})
    CourseChallenge.objects.update_or_create(course=text_course, sort_order=0, defaults={"challenge": text_challenge})

    _progress(demo, challenges)
    if out is not None:
        out.write(f"coding_lab: course 「{course.title}」 ({len(challenges)} challenges) at /coding/\n")


def _progress(demo: DemoCity, challenges: list[Challenge]) -> None:
    """さくら小学校 5年1組: the first children have solved the first challenges, more for the first ones."""
    class_group = ClassGroup.objects.filter(school__slug="sakura", grade=5, school_year=demo.school_year).first()
    if class_group is None:
        return
    students = list(Student.objects.filter(enrollments__class_group=class_group).order_by("sourced_id")[:6])
    for index, student in enumerate(students[:-1]):  # the last child starts fresh (the journeys use them)
        for challenge in challenges[: max(0, 4 - index)]:
            project = Project.objects.filter(student=student, challenge=challenge).first()
            if project is not None and project.revision:
                continue
            project = project or Project.objects.create(student=student, challenge=challenge)
            project_save(project=project, source=challenge.solution, by=student.user)
