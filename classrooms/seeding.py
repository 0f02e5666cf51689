"""The classrooms plug-in's part of the demo city: real-looking lessons per demo class, assigned, some answered."""

from __future__ import annotations

from typing import Any, TextIO


def seed(demo: Any, out: TextIO | None) -> None:
    from .demo_lessons import seed_lessons

    seed_lessons(demo, out)
