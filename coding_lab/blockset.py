"""The block set of the lab: one list shared by the admin (toolbox, required blocks), the page's toolbox and the
evaluator. The browser's definitions are in ``static/coding_lab/blocks.js`` (same type names and fields)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MAZE, TURTLE, TEXT, SANDBOX = "maze", "turtle", "text", "sandbox"

# type -> (label shown to the teacher, stages that may offer it)
BLOCKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "maze_move_forward": (_("Move forward"), (MAZE,)),
    "maze_turn": (_("Turn left / right"), (MAZE,)),
    "maze_forever": (_("Repeat until the goal"), (MAZE,)),
    "maze_if": (_("If there is a path"), (MAZE,)),
    "maze_ifElse": (_("If there is a path, else"), (MAZE,)),
    "turtle_move": (_("Move by (turtle)"), (TURTLE,)),
    "turtle_turn": (_("Turn by degrees (turtle)"), (TURTLE,)),
    "turtle_pen": (_("Pen up / down (turtle)"), (TURTLE,)),
    "controls_repeat_ext": (_("Repeat n times"), (MAZE, TURTLE, TEXT)),
    "controls_whileUntil": (_("Repeat while / until"), (TEXT, TURTLE)),
    "controls_for": (_("Count with"), (TEXT, TURTLE)),
    "controls_if": (_("If / else"), (TEXT, TURTLE)),
    "logic_compare": (_("Compare"), (TEXT, TURTLE)),
    "logic_operation": (_("And / or"), (TEXT, TURTLE)),
    "logic_negate": (_("Not"), (TEXT, TURTLE)),
    "logic_boolean": (_("True / false"), (TEXT, TURTLE)),
    "math_number": (_("Number"), (MAZE, TURTLE, TEXT)),
    "math_arithmetic": (_("Arithmetic"), (TEXT, TURTLE)),
    "math_modulo": (_("Remainder"), (TEXT, TURTLE)),
    "variables_get": (_("Variable"), (TEXT, TURTLE)),
    "variables_set": (_("Set variable"), (TEXT, TURTLE)),
    "math_change": (_("Change variable by"), (TEXT, TURTLE)),
    "text": (_("Text"), (TEXT,)),
    "text_print": (_("Print"), (TEXT,)),
    "coding_input": (_("The input"), (TEXT,)),
    "procedures_defnoreturn": (_("Make a function"), (MAZE, TURTLE, TEXT)),
    "procedures_callnoreturn": (_("Call a function"), (MAZE, TURTLE, TEXT)),
}
# Always there, never in a toolbox choice: the program starts under it.
START = "coding_start"
KNOWN_TYPES = frozenset(BLOCKS) | {START}

DEFAULT_TOOLBOX: dict[str, list[str]] = {
    MAZE: ["maze_move_forward", "maze_turn", "controls_repeat_ext", "math_number", "maze_forever", "maze_if"],
    TURTLE: ["turtle_move", "turtle_turn", "turtle_pen", "controls_repeat_ext", "math_number", "math_arithmetic"],
    TEXT: ["text_print", "text", "math_number", "math_arithmetic", "coding_input", "controls_repeat_ext"],
    SANDBOX: [t for t in BLOCKS if not t.startswith("maze_") and t != "coding_input"],
}


def block_choices() -> list[tuple[str, str]]:
    return [(name, f"{label} ({name})") for name, (label, _stages) in BLOCKS.items()]
