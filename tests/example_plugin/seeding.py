"""The class bell's part of the demo city: nothing to store, one line for whoever reads the logins."""

from __future__ import annotations

from typing import IO

from school_portal.core.seeding import DemoCity


def seed(demo: DemoCity, out: IO[str] | None = None) -> None:
    if out is not None:
        out.write("class_bell: a homeroom teacher rings the bell at /bell/classes/<id>/\n")
