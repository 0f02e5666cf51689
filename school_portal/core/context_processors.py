from __future__ import annotations

from django.http import HttpRequest

from .frame import frame_of


def portal(request: HttpRequest) -> dict:
    """``portal_frame``: what the page frame shows this person (``core/frame.py``), for ``{% frame %}``."""
    return {"portal_frame": frame_of(request)}
