"""The server's evaluator: each block, each result, each bad program of the issue (no database needed)."""

from __future__ import annotations

import json

import pytest

from coding_lab.evaluator import Goal, check
from coding_lab.evaluator.machine import js_string
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

CORRIDOR = Goal("maze", maze=["#####", "#S.G#", "#####"], start_direction=1)
L_MAZE = Goal("maze", maze=["#####", "#S..#", "###.#", "###G#", "#####"], start_direction=1)


def run_text(statements, variables=None, **goal):
    outcome = check(dumps(program(statements, variables=variables)), Goal("text", **goal))
    return outcome


def printed(statements, variables=None) -> list[str]:
    outcome = run_text(statements, variables)
    assert outcome.result == "solved", outcome
    return outcome.trace.output


# --- the maze ------------------------------------------------------------------------------------------------


def test_moving_forward_to_the_goal_solves_the_maze():
    outcome = check(dumps(program([fwd(), fwd()])), CORRIDOR)
    assert (outcome.result, outcome.code, outcome.block_count) == ("solved", "goal", 2)
    assert outcome.trace.actions == ["forward", "forward"]


def test_stopping_short_of_the_goal_fails_and_bumping_a_wall_fails():
    assert check(dumps(program([fwd()])), CORRIDOR).code == "not_at_goal"
    crashed = check(dumps(program([turn(), fwd()])), CORRIDOR)
    assert (crashed.result, crashed.code) == ("failed", "crashed")


def test_turning_then_moving_follows_the_corner():
    outcome = check(dumps(program([fwd(), fwd(), turn(True), fwd(), fwd()])), L_MAZE)
    assert outcome.result == "solved"
    assert outcome.trace.actions == ["forward", "forward", "right", "forward", "forward"]


def test_repeat_until_the_goal_with_path_checks_solves_a_winding_maze():
    winding = Goal("maze", maze=["#######", "#S..#.#", "###.#.#", "#G..#.#", "#######"], start_direction=1)
    body = [
        block(
            "maze_ifElse",
            {"DIR": "isPathForward"},
            {
                "DO": [fwd()],
                "ELSE": [
                    block("maze_if", {"DIR": "isPathRight"}, {"DO": [turn(True)]}),
                    block("maze_if", {"DIR": "isPathLeft"}, {"DO": [turn(False)]}),
                ],
            },
        ),
    ]
    outcome = check(dumps(program([block("maze_forever", inputs={"DO": body})])), winding)
    assert outcome.result == "solved", outcome


def test_a_loop_that_only_turns_is_stopped_as_endless():
    outcome = check(dumps(program([block("maze_forever", inputs={"DO": [turn()]})])), CORRIDOR)
    assert (outcome.result, outcome.code) == ("error", "too_many_actions")


def test_an_empty_forever_loop_is_stopped_by_the_step_budget():
    outcome = check(dumps(program([block("maze_forever")])), CORRIDOR)
    assert (outcome.result, outcome.code) == ("error", "too_many_steps")


# --- the turtle ----------------------------------------------------------------------------------------------


def _turtle_goal(target_program) -> Goal:
    drawn = check(dumps(target_program), Goal("turtle")).trace.segments
    return Goal("turtle", target_segments=drawn)


def test_a_square_drawn_with_a_loop_matches_the_target_square():
    goal = _turtle_goal(polygon(4, 80))
    outcome = check(dumps(polygon(4, 80)), goal)
    assert (outcome.result, outcome.code) == ("solved", "picture")
    unrolled = program([b for _ in range(4) for b in (move(80), tturn(90))])
    assert check(dumps(unrolled), goal).result == "solved"


def test_the_picture_is_compared_within_a_tolerance():
    goal = _turtle_goal(polygon(4, 80))
    assert check(dumps(polygon(4, 81)), goal).result == "solved"
    assert check(dumps(polygon(4, 100)), goal).code == "wrong_picture"
    assert check(dumps(polygon(3, 80)), goal).code == "wrong_picture"


def test_pen_up_moves_without_drawing_and_backward_and_left_are_negative():
    pen_up = block("turtle_pen", {"PEN": "penUp"})
    pen_down = block("turtle_pen", {"PEN": "penDown"})
    back = block("turtle_move", {"DIR": "moveBackward"}, {"VALUE": num(50)})
    left = block("turtle_turn", {"DIR": "turnLeft"}, {"VALUE": num(90)})
    outcome = check(dumps(program([pen_up, move(10), pen_down, back, left, move(10)])), Goal("turtle"))
    assert outcome.trace.segments == [(200.0, 190.0, 200.0, 240.0), (200.0, 240.0, 190.0, 240.0)]


def test_the_regular_polygon_lesson_draws_a_closed_hexagon():
    outcome = check(dumps(polygon(6, 50)), Goal("turtle"))
    segments = outcome.trace.segments
    assert len(segments) == 6
    assert abs(segments[-1][2] - 200) < 0.05 and abs(segments[-1][3] - 200) < 0.05


# --- text output and the general blocks ---------------------------------------------------------------------


def _arith(op, a, b):
    return block("math_arithmetic", {"OP": op}, {"A": a, "B": b})


def test_print_and_arithmetic_write_numbers_as_javascript_does():
    assert printed(
        [
            say(_arith("ADD", num(1), num(2))),
            say(_arith("MINUS", num(1), num(2.5))),
            say(_arith("MULTIPLY", num(3), num(4))),
            say(_arith("DIVIDE", num(1), num(3))),
            say(_arith("DIVIDE", num(1), num(0))),
            say(_arith("POWER", num(2), num(10))),
            say(_arith("ADD", text("a"), num(1))),
            say(block("math_modulo", inputs={"DIVIDEND": num(-7), "DIVISOR": num(3)})),
        ]
    ) == ["3", "-1.5", "12", "0.3333333333333333", "Infinity", "1024", "a1", "-1"]


def test_javascript_number_text():
    assert [js_string(v) for v in (1e21, 1e-7, 0.1 + 0.2, float("nan"), -0.0, None, True)] == [
        "1e+21",
        "1e-7",
        "0.30000000000000004",
        "NaN",
        "0",
        "undefined",
        "true",
    ]


def test_logic_blocks():
    compare = block("logic_compare", {"OP": "LT"}, {"A": num(1), "B": num(2)})
    both = block("logic_operation", {"OP": "AND"}, {"A": compare, "B": block("logic_boolean", {"BOOL": "FALSE"})})
    either = block("logic_operation", {"OP": "OR"}, {"A": block("logic_boolean", {"BOOL": "FALSE"}), "B": num(5)})
    negate = block("logic_negate", inputs={"BOOL": num(0)})
    equal_text = block("logic_compare", {"OP": "EQ"}, {"A": text("2"), "B": num(2)})
    assert printed([say(compare), say(both), say(either), say(negate), say(equal_text)]) == [
        "true",
        "false",
        "5",
        "true",
        "true",
    ]


def _var(name):
    return {"VAR": {"id": name}}


def test_variables_change_and_counting_loops():
    statements = [
        block("variables_set", _var("x"), {"VALUE": num(5)}),
        block("math_change", _var("x"), {"DELTA": num(2)}),
        say(block("variables_get", _var("x"))),
        block(
            "controls_for",
            _var("i"),
            {"FROM": num(3), "TO": num(1), "BY": num(1), "DO": [say(block("variables_get", _var("i")))]},
        ),
        say(block("variables_get", _var("unset"))),
    ]
    assert printed(statements, variables=["x", "i", "unset"]) == ["7", "3", "2", "1", "undefined"]


def test_while_until_and_if_else_if_else():
    count = block("variables_get", _var("n"))
    loop = block(
        "controls_whileUntil",
        {"MODE": "UNTIL"},
        {
            "BOOL": block("logic_compare", {"OP": "GTE"}, {"A": count, "B": num(3)}),
            "DO": [block("math_change", _var("n"), {"DELTA": num(1)})],
        },
    )

    def branch(value):
        return block(
            "controls_if",
            inputs={
                "IF0": block("logic_compare", {"OP": "EQ"}, {"A": num(value), "B": num(1)}),
                "DO0": [say(text("one"))],
                "IF1": block("logic_compare", {"OP": "EQ"}, {"A": num(value), "B": num(2)}),
                "DO1": [say(text("two"))],
                "ELSE": [say(text("many"))],
            },
            extraState={"elseIfCount": 1, "hasElse": True},
        )

    statements = [
        block("variables_set", _var("n"), {"VALUE": num(0)}),
        loop,
        say(count),
        branch(1),
        branch(2),
        branch(7),
    ]
    assert printed(statements, variables=["n"]) == ["3", "one", "two", "many"]


def test_expected_output_for_each_input():
    count_to_input = [
        block(
            "controls_for",
            _var("i"),
            {"FROM": num(1), "TO": block("coding_input"), "BY": num(1), "DO": [say(block("variables_get", _var("i")))]},
        ),
    ]
    cases = [{"input": "3", "output": "1\n2\n3\n"}, {"input": "1", "output": "1"}]
    assert run_text(count_to_input, variables=["i"], text_cases=cases).result == "solved"
    wrong = [{"input": "2", "output": "1\n2\n3"}]
    assert run_text(count_to_input, variables=["i"], text_cases=wrong).code == "wrong_output"


def test_functions_run_their_stack_and_an_unknown_or_endless_call_is_an_error():
    maze = program([call("two")], tops=[define("two", [fwd(), fwd()])])
    assert check(dumps(maze), CORRIDOR).result == "solved"
    assert check(dumps(program([call("missing")])), CORRIDOR).code == "unknown_function"
    recursion = program([call("again")], tops=[define("again", [call("again")])])
    assert check(dumps(recursion), CORRIDOR).code == "runaway_recursion"


def test_disabled_blocks_are_skipped_and_shadows_are_not_counted():
    skipped = fwd()
    skipped["disabledReasons"] = ["MANUALLY_DISABLED"]
    outcome = check(dumps(program([fwd(), skipped, fwd()])), CORRIDOR)
    assert outcome.result == "solved" and outcome.trace.actions == ["forward", "forward"]
    shadowed = block("controls_repeat_ext")
    shadowed["inputs"] = {
        "TIMES": {"shadow": {"type": "math_number", "id": "s", "fields": {"NUM": 2}}},
        "DO": {"block": fwd()},
    }
    outcome = check(dumps(program([shadowed])), CORRIDOR)
    assert (outcome.result, outcome.block_count) == ("solved", 2)


# --- the results ------------------------------------------------------------------------------------------------


def test_results_missing_block_over_budget_and_solved():
    loop = program([repeat(2, [fwd()])])
    unrolled = program([fwd(), fwd()])
    goal = Goal("maze", maze=CORRIDOR.maze, start_direction=1, required_blocks=["controls_repeat_ext"], block_budget=3)
    assert check(dumps(unrolled), goal).result == "missing_block"
    assert check(dumps(loop), goal).result == "solved"
    goal.block_budget = 2  # repeat, its number and the move are three
    assert check(dumps(loop), goal).result == "over_budget"


def test_a_block_outside_the_toolbox_is_refused():
    goal = Goal("maze", maze=CORRIDOR.maze, start_direction=1, allowed_blocks={"maze_move_forward"})
    assert check(dumps(program([repeat(2, [fwd()])])), goal).code == "block_not_allowed"
    assert check(dumps(program([fwd(), fwd()])), goal).result == "solved"


def test_a_turtle_block_on_the_maze_is_an_error_not_a_crash():
    assert check(dumps(program([move(10)])), CORRIDOR).code == "block_not_here"


# --- bad programs --------------------------------------------------------------------------------------------


def test_a_real_program_of_2000_blocks_in_one_chain_is_accepted_and_checked():
    source = dumps(program([turn() for _ in range(1996)] + [fwd(), fwd()]))  # 1996 right turns: facing east again
    with pytest.raises(RecursionError):
        json.loads(source)  # deeper than Python's own JSON reader goes
    outcome = check(source, CORRIDOR)
    assert (outcome.result, outcome.block_count) == ("solved", 1998)


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ('{"blocks": {"blocks": []}, "pad": "' + "x" * 10_000_000 + '"}', "too_large"),
        ("[" * 10_000 + "]" * 10_000, "too_deep"),
        ("<xml><block type='maze_move_forward'/></xml>", "xml"),
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "xml"),
        ("{not json", "not_json"),
        ("[1, 2, 3]", "not_program"),
        ('{"blocks": {"blocks": [{"type": "rm_rf"}]}}', "unknown_block"),
        ('{"blocks": {"blocks": [{"type": "coding_start"}, {"type": "coding_start"}]}}', "two_starts"),
    ],
)
def test_bad_programs_are_refused_with_a_reason(source, code):
    outcome = check(source, CORRIDOR)
    assert (outcome.result, outcome.code) == ("error", code)


def test_a_program_of_100000_blocks_is_refused_and_so_is_one_past_the_block_cap():
    many = {"blocks": {"blocks": [{"type": "maze_move_forward", "id": str(i)} for i in range(100_000)]}}
    assert check(json.dumps(many), CORRIDOR).code in ("too_large", "too_many_blocks")
    compact = {"blocks": {"blocks": [{"type": "maze_move_forward"} for i in range(3_001)]}}
    assert check(json.dumps(compact), CORRIDOR).code == "too_many_blocks"


def test_nesting_10000_deep_through_blocks_is_refused():
    source = dumps(program([turn() for _ in range(5_000)]))  # 5,000 blocks in a chain: 10,000 levels
    assert check(source, CORRIDOR).code in ("too_deep", "too_many_blocks")


def test_a_forged_result_in_the_program_changes_nothing():
    forged = program([])
    forged["result"] = "solved"
    forged["blocks"]["blocks"][0]["solved"] = True
    assert check(dumps(forged), CORRIDOR).result == "failed"


def test_runaway_text_output_and_endless_while_are_stopped():
    endless = block(
        "controls_whileUntil",
        {"MODE": "WHILE"},
        {"BOOL": block("logic_boolean", {"BOOL": "TRUE"}), "DO": [say(num(1))]},
    )
    assert run_text([endless]).code == "too_much_output"
    silent = block("controls_whileUntil", {"MODE": "WHILE"}, {"BOOL": block("logic_boolean", {"BOOL": "TRUE"})})
    assert run_text([silent]).code == "too_many_steps"
