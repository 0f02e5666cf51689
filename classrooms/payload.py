"""What a tablet may send: JSON capped in size and depth, drawings as size-capped PNG checked by Pillow."""

from __future__ import annotations

import base64
import binascii
import io
import json
from typing import Any

from PIL import Image, UnidentifiedImageError

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 4
MAX_ANSWERS = 200
MAX_DRAWING_BYTES = 400 * 1024
MAX_DRAWING_PIXELS = 2400 * 2400
PNG_PREFIX = "data:image/png;base64,"
TOO_DEEP = "the answers are nested too deeply"


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


def parse_json(body: bytes) -> dict:
    """The request's JSON object, refused when too big, too deep or not an object."""
    if len(body) > MAX_BODY_BYTES:
        raise BadPayload("too large")
    try:
        data = json.loads(body.decode("utf-8"))
    except RecursionError as exc:  # the parser itself gives up on very deep nesting
        raise BadPayload(TOO_DEEP) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload("not JSON") from exc
    if not isinstance(data, dict):
        raise BadPayload("not an answer object")
    if _too_deep(data):
        raise BadPayload(TOO_DEEP)
    return data


def drawing_png(data_url: str) -> bytes:
    """The PNG bytes of a canvas data URL, refused unless it is a real, reasonably sized PNG."""
    if not isinstance(data_url, str) or not data_url.startswith(PNG_PREFIX):
        raise BadPayload("a drawing must be a PNG data URL")
    encoded = data_url[len(PNG_PREFIX) :]
    if len(encoded) > MAX_DRAWING_BYTES * 4 // 3 + 4:
        raise BadPayload("drawing too large")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadPayload("drawing is not base64") from exc
    if len(raw) > MAX_DRAWING_BYTES:
        raise BadPayload("drawing too large")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG":
                raise BadPayload("a drawing must be a PNG")
            if image.width * image.height > MAX_DRAWING_PIXELS:
                raise BadPayload("drawing too large")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise BadPayload("drawing is not a valid picture") from exc
    return raw
