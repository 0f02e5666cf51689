"""What the child reads for each result and each reason a program was refused or stopped."""

from __future__ import annotations

from django.utils.translation import gettext as _


def program_error_message(code: str) -> str:
    messages = {
        "too_large": _("This program is too large to check (at most 1 MB)."),
        "too_deep": _("This program nests blocks too deeply to check."),
        "too_many_blocks": _("This program has too many blocks to check (at most 3,000)."),
        "not_json": _("This is not a program of the lab (Blockly JSON expected)."),
        "not_program": _("This is not a program of the lab (Blockly JSON expected)."),
        "xml": _("Programs in XML are not accepted: save the program from the lab."),
        "unknown_block": _("The program uses a block the lab does not know."),
        "two_starts": _("The program has two start blocks: keep one."),
        "unsupported": _("Functions with inputs are not supported yet."),
    }
    return messages.get(code, _("The program could not be checked."))


def outcome_message(result: str, code: str) -> str:
    messages = {
        "goal": _("You reached the goal!"),
        "picture": _("You drew the picture!"),
        "output": _("The output is right!"),
        "finished": _("The program ran to the end."),
        "over_budget": _("Solved! Can you do it with fewer blocks?"),
        "missing_block": _("It works, but it does not use a block this challenge asks for."),
        "not_at_goal": _("The program ended before reaching the goal."),
        "crashed": _("Bumped into a wall."),
        "wrong_picture": _("The picture is not the same as the target yet."),
        "wrong_output": _("The output is not the expected one yet."),
        "too_many_steps": _("The program ran too long: is there an endless loop?"),
        "too_many_actions": _("Too many moves: is there an endless loop?"),
        "too_much_output": _("Too many lines printed: is there an endless loop?"),
        "runaway_recursion": _("A function calls itself without end."),
        "unknown_function": _("A function is called that does not exist."),
        "bad_number": _("A number is not valid."),
        "block_not_here": _("This block does not work on this stage."),
        "block_not_allowed": _("The program uses a block that is not in this challenge's toolbox."),
    }
    if code in messages:
        return messages[code]
    return program_error_message(code)


# What the blocks say, in hiragana for grades 1-3 (the lab's own script variant of Japanese: not a translation
# catalogue entry, since Django has no "ja-Hira" language; Scratch offers the same choice).
_HIRAGANA_BLOCKS = {
    "start": "はじめ",
    "move_forward": "まえに すすむ",
    "turn_left": "ひだりを むく ↺",
    "turn_right": "みぎを むく ↻",
    "forever": "ゴールまで くりかえす",
    "do": "する",
    "else": "そうでなければ",
    "path_ahead": "まえに みちが あれば",
    "path_left": "ひだりに みちが あれば",
    "path_right": "みぎに みちが あれば",
    "move": "%1 %2 すすむ",
    "forward": "まえに",
    "backward": "うしろに",
    "turn": "%1 %2 ど まわる",
    "right": "みぎに",
    "left": "ひだりに",
    "pen_up": "ペンを あげる",
    "pen_down": "ペンを おろす",
    "input": "にゅうりょく",
    "print": "%1 を かく",
}
_HIRAGANA_BLOCKLY = {
    "CONTROLS_REPEAT_TITLE": "%1 かい くりかえす",
    "CONTROLS_REPEAT_INPUT_DO": "する",
    "CONTROLS_IF_MSG_IF": "もし",
    "CONTROLS_IF_MSG_THEN": "なら",
    "CONTROLS_IF_MSG_ELSE": "そうでなければ",
    "CONTROLS_WHILEUNTIL_OPERATOR_WHILE": "あいだ くりかえす",
    "CONTROLS_WHILEUNTIL_OPERATOR_UNTIL": "まで くりかえす",
    "PROCEDURES_DEFNORETURN_TITLE": "やくそく",
    "PROCEDURES_DEFNORETURN_PROCEDURE": "なにか する",
    "PROCEDURES_CALLNORETURN_HELPURL": "",
    "LOGIC_BOOLEAN_TRUE": "ほんとう",
    "LOGIC_BOOLEAN_FALSE": "うそ",
    # What a screen reader says in the lab (lab_accessibility_texts), in hiragana.
    "WORKSPACE_LABEL_PLAIN": "プログラムを つくる ばしょ",
    "WORKSPACE_LABEL_FLYOUT_WORKSPACE": "つかえる ブロック",
    "ARIA_LABEL_TRASH_EMPTY": "ごみばこ（から）",
    "OPEN_TRASH": "ごみばこを ひらく",
    "ANNOUNCE_MOVE_AFTER": "%1 いどうさき：%2 の あと",
    "ANNOUNCE_MOVE_BEFORE": "%1 いどうさき：%2 の まえ",
    "ANNOUNCE_MOVE_INSIDE": "%1 いどうさき：%2 の なか",
    "ANNOUNCE_MOVE_AROUND": "%1 いどうさき：%2 を かこむ",
    "ANNOUNCE_MOVE_TO": "%1 いどうさき：%2",
    "ANNOUNCE_MOVE_WORKSPACE": "%1 いどうさき：プログラムを つくる ばしょの あいている ところ",
}


def lab_accessibility_texts() -> dict[str, str]:
    """Blockly's own words that a screen reader says in the lab, where Blockly's Japanese reads wrongly here.

    Blockly 13 announces a move as "%1 after %2" and leaves %1 (the moving block) empty after the first step,
    which its Japanese ("%1 を %2 の後へ移動") turns into a sentence starting with a particle; its label for the
    flyout's blocks expects a category the lab's flyout has not; the trash's label is untranslated."""
    return {
        "WORKSPACE_LABEL_PLAIN": _("Program area"),
        "WORKSPACE_LABEL_FLYOUT_WORKSPACE": _("Blocks you can use"),
        "ARIA_LABEL_TRASH_EMPTY": _("Trash, empty"),
        "OPEN_TRASH": _("Open the trash"),
        "ANNOUNCE_MOVE_AFTER": _("Moving %1 after %2."),
        "ANNOUNCE_MOVE_BEFORE": _("Moving %1 before %2."),
        "ANNOUNCE_MOVE_INSIDE": _("Moving %1 inside %2."),
        "ANNOUNCE_MOVE_AROUND": _("Moving %1 around %2."),
        "ANNOUNCE_MOVE_TO": _("Moving %1 to %2."),
        "ANNOUNCE_MOVE_WORKSPACE": _("Moving %1 to an empty place of the program area."),
    }


def lab_texts(mode: str) -> dict[str, object]:
    """The lab's words for its script: the blocks' labels and what the page says while running and saving."""
    blocks = {
        "start": _("when run"),
        "move_forward": _("move forward"),
        "turn_left": _("turn left ↺"),
        "turn_right": _("turn right ↻"),
        "forever": _("repeat until the goal"),
        "do": _("do"),
        "else": _("else"),
        "path_ahead": _("if path ahead"),
        "path_left": _("if path to the left"),
        "path_right": _("if path to the right"),
        "move": _("move %1 by %2"),
        "forward": _("forward"),
        "backward": _("backward"),
        "turn": _("turn %1 by %2 degrees"),
        "right": _("right"),
        "left": _("left"),
        "pen_up": _("pen up"),
        "pen_down": _("pen down"),
        "input": _("the input"),
        "print": _("print %1"),
    }
    if mode == "hira":
        blocks = dict(_HIRAGANA_BLOCKS)
    codes = [
        "goal", "picture", "output", "finished", "over_budget", "missing_block", "not_at_goal", "crashed",
        "wrong_picture", "wrong_output", "too_many_steps", "too_many_actions", "too_much_output",
        "runaway_recursion", "unknown_function", "bad_number", "block_not_here", "block_not_allowed",
    ]  # fmt: skip
    return {
        "blocks": blocks,
        "blockly": {**lab_accessibility_texts(), **(_HIRAGANA_BLOCKLY if mode == "hira" else {})},
        "outcomes": {code: outcome_message("", code) for code in codes},
        "ui": {
            "running": _("Running…"),
            "saved": _("Saved."),
            "saving": _("Saving…"),
            "offline": _("Not connected: your program is kept on this tablet and saved when the connection is back."),
            "refused": _("Not saved:"),
            "restore": _("Restore"),
            "blocks": _("blocks"),
            "noVersions": _("No earlier version yet."),
            "restored": _("The earlier version is back."),
        },
    }
