"""The same programs through the browser (Chromium, the page's JS-Interpreter) and the server's evaluator: the
same result, the same block count, the same moves, lines and printed output."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coding_lab.evaluator import check
from coding_lab.models import Challenge
from coding_lab.testing import (
    block,
    call,
    define,
    dumps,
    fwd,
    move,
    num,
    polygon,
    program,
    repeat,
    say,
    text,
    tturn,
    turn,
)
from school_portal.core.models import Student
from tests.browser.harness import TABLET_LANDSCAPE, Portal, student_sign_in

pytestmark = pytest.mark.browser


def _var(name):
    return {"VAR": {"id": name}}


def _arith(op, a, b):
    return block("math_arithmetic", {"OP": op}, {"A": a, "B": b})


def maze_programs():
    body = [
        block("maze_ifElse", {"DIR": "isPathForward"}, {"DO": [fwd()], "ELSE": [
            block("maze_if", {"DIR": "isPathRight"}, {"DO": [turn(True)]}),
            block("maze_if", {"DIR": "isPathLeft"}, {"DO": [turn(False)]}),
        ]}),
    ]  # fmt: skip
    return [
        program([fwd(), fwd()]),
        program([fwd(), turn(), fwd()]),
        program([repeat(3, [fwd()])]),
        program([repeat(20, [fwd()])]),
        program([block("maze_forever", inputs={"DO": body})]),
        program([block("maze_forever", inputs={"DO": [turn()]})]),
        program([call("go")], tops=[define("go", [fwd(), call("go")])]),
        program([call("nowhere")]),
        program([move(10)]),
        program([turn() for _ in range(1996)] + [fwd() for _ in range(4)]),
    ]


def turtle_programs():
    pen_up = block("turtle_pen", {"PEN": "penUp"})
    back = block("turtle_move", {"DIR": "moveBackward"}, {"VALUE": _arith("MULTIPLY", num(5), num(4))})
    return [
        polygon(6, 50),
        polygon(6, 51),
        polygon(5, 50),
        program([pen_up, move(30), block("turtle_pen", {"PEN": "penDown"}), back, tturn(-45), move(7.5)]),
        program([repeat(3, [repeat(6, [move(50), tturn(60)]), tturn(120)])]),
        program([move(_arith("DIVIDE", num(1), num(0)))]) if False else program([tturn(33.3), move(17)]),
    ]


def text_programs():
    i = block("variables_get", _var("i"))
    compare = block("logic_compare", {"OP": "LTE"}, {"A": num(2), "B": num(2)})
    loop = block(
        "controls_for", _var("i"),
        {"FROM": num(1), "TO": block("coding_input"), "BY": num(1), "DO": [say(_arith("MULTIPLY", i, i))]},
    )  # fmt: skip
    cond = block(
        "controls_if",
        inputs={
            "IF0": block("logic_compare", {"OP": "GT"}, {"A": block("coding_input"), "B": num(2)}),
            "DO0": [say(text("big"))],
            "ELSE": [
                say(text("small")),
                say(
                    block(
                        "logic_operation", {"OP": "OR"}, {"A": block("logic_boolean", {"BOOL": "FALSE"}), "B": compare}
                    )
                ),
            ],
        },
        extraState={"hasElse": True},
    )
    endless = block("controls_whileUntil", {"MODE": "WHILE"}, {"BOOL": block("logic_boolean", {"BOOL": "TRUE"})})
    return [
        program([loop], variables=["i"]),
        program([cond]),
        program(
            [
                say(_arith("DIVIDE", num(1), num(3))),
                say(_arith("ADD", num(0.1), num(0.2))),
                say(_arith("POWER", num(2), num(0.5))),
            ]
        ),
        program(
            [
                say(block("math_modulo", inputs={"DIVIDEND": num(-7), "DIVISOR": num(3)})),
                say(block("logic_negate", inputs={"BOOL": block("logic_boolean", {"BOOL": "TRUE"})})),
            ]
        ),
        program(
            [
                block("variables_set", _var("x"), {"VALUE": num(1)}),
                block("math_change", _var("x"), {"DELTA": num(2)}),
                say(block("variables_get", _var("x"))),
                say(block("variables_get", _var("y"))),
            ],
            variables=["x", "y"],
        ),
        program([endless]),
    ]


def _same_trace(browser: dict, server) -> None:
    trace = browser["trace"]
    if trace is None:
        return
    assert trace["actions"] == server.trace.actions
    assert trace["output"] == server.trace.output
    assert len(trace["segments"]) == len(server.trace.segments)
    for mine, theirs in zip(trace["segments"], server.trace.segments, strict=True):
        assert all(abs(a - b) <= 0.011 for a, b in zip(mine, theirs, strict=True)), (mine, theirs)


def test_the_browser_and_the_server_grade_the_same_programs_the_same_way(portal: Portal, open_page) -> None:
    maze = Challenge.objects.get(title="めいろ5 ゴールまで くりかえす")
    maze.toolbox = [*maze.toolbox, "procedures_defnoreturn"]
    maze.save()
    turtle = Challenge.objects.get(title="正多角形2 正六角形")
    text_challenge = Challenge.objects.create(
        title="二乗",
        stage_type="text",
        toolbox=["text_print", "text", "math_number", "math_arithmetic", "math_modulo", "coding_input", "controls_for",
                 "controls_if", "logic_compare", "logic_operation", "logic_negate", "logic_boolean", "variables_get",
                 "variables_set", "math_change", "controls_whileUntil"],
        text_cases=[{"input": "3", "output": "1\n4\n9"}, {"input": "1", "output": "1"}],
        required_blocks=["controls_for"],
        block_budget=8,
    )  # fmt: skip
    student = Student.objects.get(sourced_id="demo-sakura-5-5")
    tablet = open_page(**TABLET_LANDSCAPE)
    student_sign_in(tablet, portal, student)
    compared = 0
    for challenge, programs in (
        (maze, maze_programs()),
        (turtle, turtle_programs()),
        (text_challenge, text_programs()),
    ):
        tablet.goto(f"{portal.url}/coding/challenge/{challenge.pk}/")
        expect(tablet.locator("#coding-lab")).to_have_attribute("data-ready", "true")
        goal = challenge.goal()
        for data in programs:
            source = dumps(data)
            server = check(source, goal)
            browser = tablet.evaluate("source => window.codingLab.check(source)", source)
            assert (browser["result"], browser["code"], browser["blocks"]) == (
                server.result, server.code, server.block_count,
            ), (challenge.title, source[:300])  # fmt: skip
            _same_trace(browser, server)
            compared += 1
    assert compared == 22
