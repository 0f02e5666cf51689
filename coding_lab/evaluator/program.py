"""A child's Blockly JSON, read and checked: which blocks, how many, where the program starts.

Nothing here recurses over the JSON: every walk keeps its own stack, so a chain of thousands of blocks is as
safe as a short one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..blockset import KNOWN_TYPES, START
from .jsonparse import JSONLimitError, parse

MAX_CHARS = 1_000_000  # a 2,000-block program is about 200 KB
MAX_DEPTH = 7_000  # a 2,000-block chain nests about 4,000 levels
MAX_NODES = 80_000
MAX_BLOCKS = 3_000


class ProgramError(ValueError):
    """The program cannot be checked; ``code`` names why (the page shows a translated message for it)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


Block = dict[str, Any]


@dataclass
class Program:
    start: Block | None
    procedures: dict[str, Block]
    block_count: int
    types_used: set[str] = field(default_factory=set)


def _child(block: Block, link: Any) -> Block | None:
    """The block an input or ``next`` holds: the real one, else its shadow (a toolbox default)."""
    if not isinstance(link, dict):
        return None
    target = link.get("block") or link.get("shadow")
    return target if isinstance(target, dict) else None


def input_block(block: Block, name: str) -> Block | None:
    inputs = block.get("inputs")
    return _child(block, inputs.get(name)) if isinstance(inputs, dict) else None


def next_block(block: Block) -> Block | None:
    return _child(block, block.get("next"))


def field_value(block: Block, name: str, default: Any = None) -> Any:
    fields = block.get("fields")
    if not isinstance(fields, dict):
        return default
    return fields.get(name, default)


def is_disabled(block: Block) -> bool:
    return block.get("enabled") is False or bool(block.get("disabledReasons"))


def read_program(text: str | bytes) -> Program:
    """Parse and check a program; raise ``ProgramError`` with a code the page can translate."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProgramError("not_json") from error
    stripped = text.lstrip()
    if stripped.startswith("<"):
        raise ProgramError("xml")  # Blockly's old XML: we keep JSON only (nothing of it is parsed)
    try:
        data = parse(text, max_chars=MAX_CHARS, max_depth=MAX_DEPTH, max_nodes=MAX_NODES)
    except JSONLimitError as error:
        code = {"size": "too_large", "depth": "too_deep", "nodes": "too_many_blocks"}.get(error.kind, "not_json")
        raise ProgramError(code, str(error)) from error
    if not isinstance(data, dict):
        raise ProgramError("not_program")
    blocks = data.get("blocks", {})
    if blocks in ({}, None):
        tops: list[Any] = []
    elif isinstance(blocks, dict) and isinstance(blocks.get("blocks", []), list):
        tops = blocks.get("blocks", [])
    else:
        raise ProgramError("not_program")

    start: Block | None = None
    procedures: dict[str, Block] = {}
    for top in tops:
        if not isinstance(top, dict):
            raise ProgramError("not_program")
        kind = top.get("type")
        if kind == START:
            if start is not None:
                raise ProgramError("two_starts")
            start = top
        elif kind == "procedures_defnoreturn":
            name = field_value(top, "NAME")
            if not isinstance(name, str) or not name:
                raise ProgramError("not_program", "a function without a name")
            if name in procedures:
                raise ProgramError("not_program", "two functions of one name")
            procedures[name] = top

    # Walk every block of every top stack (an explicit stack: no recursion), checking types and counting.
    count = 0
    counted = 0
    used: set[str] = set()
    pending: list[tuple[Block, bool]] = [(top, top is start or top in procedures.values()) for top in tops]
    while pending:
        block, runs = pending.pop()
        kind = block.get("type")
        if not isinstance(kind, str) or kind not in KNOWN_TYPES:
            raise ProgramError("unknown_block", str(kind)[:60])
        count += 1
        if count > MAX_BLOCKS:
            raise ProgramError("too_many_blocks", f"more than {MAX_BLOCKS}")
        shadow = bool(block.get("_shadow"))
        if runs and kind != START and not shadow:
            counted += 1
            used.add(kind)
        inputs = block.get("inputs", {})
        if not isinstance(inputs, dict):
            raise ProgramError("not_program")
        for link in inputs.values():
            if not isinstance(link, dict):
                raise ProgramError("not_program")
            real = link.get("block")
            if isinstance(real, dict):
                pending.append((real, runs))
            elif isinstance(link.get("shadow"), dict):
                # A toolbox default the child did not replace: it runs, but it is not a block they placed.
                shadow_block = dict(link["shadow"])
                shadow_block["_shadow"] = True
                link["shadow"] = shadow_block
                pending.append((shadow_block, runs))
        following = next_block(block)
        if following is not None:
            pending.append((following, runs))
        extra = block.get("extraState")
        if kind == "procedures_defnoreturn" and isinstance(extra, dict) and extra.get("params"):
            raise ProgramError("unsupported", "functions with inputs")
    return Program(start=start, procedures=procedures, block_count=counted, types_used=used)
