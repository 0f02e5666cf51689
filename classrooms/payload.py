"""What a tablet may send: JSON capped in size and depth, drawings as size-capped PNG checked by Pillow.

Every refusal is a ``BadPayload`` with a translated message a child or a teacher can read. Whatever a hostile
body holds (a number of thousands of digits, a PNG whose text chunk inflates without end), it ends here as a
``BadPayload``, never as an exception the view did not expect.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 4
MAX_ANSWERS = 200
MAX_DRAWING_BYTES = 400 * 1024
MAX_DRAWING_PIXELS = 2400 * 2400
MAX_INTEGER_DIGITS = 30  # an answer, a choice, a tablet's clock in ms: far fewer digits than Python's 4,300
PNG_PREFIX = "data:image/png;base64,"

TOO_LARGE = _("The answers sent are too large.")
TOO_DEEP = _("The answers are nested too deeply.")
NOT_JSON = _("The answers could not be read.")
NOT_AN_OBJECT = _("The answers must be sent as an object.")
TOO_MANY = _("Too many answers at once.")
NUMBER_TOO_LONG = _("A number in the answers is too long.")
DRAWING_NOT_PNG = _("A drawing must be a PNG picture.")
DRAWING_TOO_LARGE = _("This drawing is too large.")
DRAWING_INVALID = _("This drawing is not a valid picture.")


class BadPayload(ValueError):
    pass


def _too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests dicts and lists deeper than ``limit`` (iterative; stops at the first excess)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if level > limit:
            return True
        if isinstance(current, dict):
            stack.extend((v, level + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, level + 1) for v in current)
    return False


def _bounded_int(text: str) -> int:
    """JSON's integers, refused beyond a sane length before Python converts them (a quadratic conversion, and a
    ValueError past ``sys.get_int_max_str_digits``)."""
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BadPayload(NUMBER_TOO_LONG)
    return int(text)


def parse_json(body: bytes) -> dict:
    """The request's JSON object, refused when too big, too deep or not an object."""
    if len(body) > MAX_BODY_BYTES:
        raise BadPayload(TOO_LARGE)
    try:
        data = json.loads(body.decode("utf-8"), parse_int=_bounded_int)
    except BadPayload:
        raise
    except RecursionError as exc:  # the parser itself gives up on very deep nesting
        raise BadPayload(TOO_DEEP) from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, and any number the parser cannot take
        raise BadPayload(NOT_JSON) from exc
    if not isinstance(data, dict):
        raise BadPayload(NOT_AN_OBJECT)
    if _too_deep(data):
        raise BadPayload(TOO_DEEP)
    return data


def drawing_png(data_url: str) -> bytes:
    """The PNG bytes of a canvas data URL, refused unless it is a real, reasonably sized PNG."""
    if not isinstance(data_url, str) or not data_url.startswith(PNG_PREFIX):
        raise BadPayload(DRAWING_NOT_PNG)
    encoded = data_url[len(PNG_PREFIX) :]
    if len(encoded) > MAX_DRAWING_BYTES * 4 // 3 + 4:
        raise BadPayload(DRAWING_TOO_LARGE)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadPayload(DRAWING_INVALID) from exc
    if len(raw) > MAX_DRAWING_BYTES:
        raise BadPayload(DRAWING_TOO_LARGE)
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG":
                raise BadPayload(DRAWING_NOT_PNG)
            if image.width * image.height > MAX_DRAWING_PIXELS:
                raise BadPayload(DRAWING_TOO_LARGE)
            image.verify()
    except Image.DecompressionBombError as exc:
        raise BadPayload(DRAWING_TOO_LARGE) from exc
    except BadPayload:
        raise
    # Pillow raises ValueError for text chunks that inflate too far ("Decompressed Data Too Large"), OSError,
    # SyntaxError or struct.error for broken files: whatever the bytes, it is not a picture we keep.
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadPayload(DRAWING_INVALID) from exc
    return raw


@dataclass
class Answers:
    """The answers of one request, read: values by question id, drawings as PNG bytes, the tablet's times, and
    the answers refused already (a drawing that is not a picture), by question id, with the reason."""

    answers: dict[str, Any] = field(default_factory=dict)
    drawings: dict[str, bytes] = field(default_factory=dict)
    saved_at: dict[str, Any] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)


def autosave_answers(data: Mapping[str, Any]) -> Answers:
    """``{"answers": {id: value}, "drawings": {id: dataURL}, "saved_at": {id: ms}}`` read; one bad drawing is
    refused on its own, the rest of the batch is kept."""
    answers = data.get("answers") or {}
    raw_drawings = data.get("drawings") or {}
    saved_at = data.get("saved_at") or {}
    if not all(isinstance(d, dict) for d in (answers, raw_drawings, saved_at)):
        raise BadPayload(NOT_AN_OBJECT)
    if len(answers) + len(raw_drawings) > MAX_ANSWERS:
        raise BadPayload(TOO_MANY)
    read = Answers(answers=dict(answers), saved_at=dict(saved_at))
    for question_id, url in raw_drawings.items():
        try:
            read.drawings[question_id] = drawing_png(url)
        except BadPayload as exc:
            read.rejected[question_id] = str(exc)
    return read


def _form_int(raw: str) -> int | str:
    """A choice or an ordering index from a form: a short run of ASCII digits, else left as text (refused later)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= MAX_INTEGER_DIGITS else raw


def form_answers(post: Mapping[str, str], questions: list[Any]) -> Answers:
    """The worksheet posted as a plain form (no JavaScript, or the last answers with the hand-in)."""
    read = Answers()
    for question in questions:
        raw = post.get(f"q-{question.id}", "")
        if raw == "":
            continue
        if question.kind == "choice":
            read.answers[question.id] = _form_int(raw)
        elif question.kind == "ordering":
            read.answers[question.id] = [_form_int(part) for part in raw.split(",")]
        elif question.kind == "drawing":
            try:
                read.drawings[question.id] = drawing_png(raw)
            except BadPayload as exc:
                read.rejected[question.id] = str(exc)
        else:
            read.answers[question.id] = raw
    return read
