"""An iterative JSON reader with limits on size, depth and number of values.

Python's ``json`` module reads nested arrays and objects by recursion and gives up near 1,000 levels, while a
child's 2,000-block chain in Blockly's JSON nests about 4,000 levels deep (each block's ``next`` holds the
next block). This reader keeps its own stack, so depth is a number it checks, not a crash, and it refuses a
text that is too large, too deep or has too many values before building anything big.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TOKEN = re.compile(
    r"""[ \t\r\n]*(?:
        ([\[\]{}:,])
      | ("(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*")
      | (-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
      | (true|false|null)
    )""",
    re.VERBOSE,
)
_TRAILING = re.compile(r"[ \t\r\n]*\Z")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
# Python's C reader recurses; below this depth it is safe (and about a hundred times faster than the loop below).
_SHALLOW = 500
_LITERALS = {"true": True, "false": False, "null": None}


class JSONLimitError(ValueError):
    """The text is not JSON, or passes a limit: ``kind`` says which ("syntax", "size", "depth", "nodes")."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


# What the reader expects next.
_VALUE, _VALUE_OR_CLOSE, _KEY, _KEY_OR_CLOSE, _COLON, _COMMA_OR_CLOSE, _END = range(7)


def parse(text: str, *, max_chars: int, max_depth: int, max_nodes: int) -> Any:
    """Read ``text`` as JSON without recursion; raise ``JSONLimitError`` for bad or over-limit input."""
    if len(text) > max_chars:
        raise JSONLimitError("size", f"{len(text)} > {max_chars}")
    # The fast way: counting commas and brackets in the raw text counts at least as many values as there are
    # (the strings' own commas add to it), so under the limit the program is under it too; then Python's C
    # reader, which stops with RecursionError near the interpreter's recursion limit (about 1,000 levels, far
    # under max_depth), so what it reads is within the depth limit. Any other text (over the count, too deep
    # for the C reader, not JSON) goes the careful way below, which says which limit or error it is.
    if text.count(",") + text.count("[") + text.count("{") <= max_nodes:
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass
    # A first pass without building anything: the depth and (roughly) the number of values.
    bare = _STRING.sub('""', text)
    depth = deepest = 0
    for bracket in _BRACKETS.findall(bare):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > max_depth:
        raise JSONLimitError("depth", f"deeper than {max_depth}")
    if bare.count(",") + bare.count("[") + bare.count("{") > max_nodes:
        raise JSONLimitError("nodes", f"more than {max_nodes} values")
    if deepest <= _SHALLOW:
        try:
            return json.loads(text)
        except ValueError as error:
            raise JSONLimitError("syntax", str(error)) from error
    stack: list[list[Any]] = []  # [container, pending key]
    root: Any = None
    expect = _VALUE
    nodes = 0
    pos = 0
    match = _TOKEN.match
    while True:
        if expect == _END:
            if _TRAILING.match(text, pos):
                return root
            raise JSONLimitError("syntax", f"extra data at {pos}")
        token = match(text, pos)
        if token is None:
            raise JSONLimitError("syntax", f"unexpected character at {pos}")
        pos = token.end()
        punct, string, number, literal = token.groups()
        if expect == _COLON:
            if punct != ":":
                raise JSONLimitError("syntax", f"':' expected at {pos}")
            expect = _VALUE
            continue
        if expect == _COMMA_OR_CLOSE:
            container = stack[-1][0]
            if punct == ",":
                expect = _KEY if isinstance(container, dict) else _VALUE
                continue
            if punct == ("}" if isinstance(container, dict) else "]"):
                stack.pop()
                expect = _COMMA_OR_CLOSE if stack else _END
                continue
            raise JSONLimitError("syntax", f"',' or a closing bracket expected at {pos}")
        if expect in (_KEY, _KEY_OR_CLOSE):
            if punct == "}" and expect == _KEY_OR_CLOSE:
                stack.pop()
                expect = _COMMA_OR_CLOSE if stack else _END
                continue
            if string is None:
                raise JSONLimitError("syntax", f"a key expected at {pos}")
            stack[-1][1] = string[1:-1] if "\\" not in string else json.loads(string)
            expect = _COLON
            continue
        # A value (or, after "[", the closing bracket).
        if punct == "]" and expect == _VALUE_OR_CLOSE:
            stack.pop()
            expect = _COMMA_OR_CLOSE if stack else _END
            continue
        nodes += 1
        if nodes > max_nodes:
            raise JSONLimitError("nodes", f"more than {max_nodes} values")
        opened: dict | list | None = None
        value: Any
        if punct == "{":
            value = opened = {}
        elif punct == "[":
            value = opened = []
        elif punct is not None:
            raise JSONLimitError("syntax", f"a value expected at {pos}")
        elif string is not None:
            value = string[1:-1] if "\\" not in string else json.loads(string)
        elif number is not None:
            value = float(number) if any(c in number for c in ".eE") else int(number)
        else:
            value = _LITERALS[literal]
        if stack:
            container, key = stack[-1]
            if isinstance(container, dict):
                container[key] = value
            else:
                container.append(value)
        else:
            root = value
        if opened is not None:
            if len(stack) >= max_depth:
                raise JSONLimitError("depth", f"deeper than {max_depth}")
            stack.append([opened, None])
            expect = _KEY_OR_CLOSE if punct == "{" else _VALUE_OR_CLOSE
        else:
            expect = _COMMA_OR_CLOSE if stack else _END
