"""The public side's rule in the core's access policy: ``read_public`` on a Notice, registered ``public`` (it
answers visitors who are not signed in too), true exactly for the notices ``selectors.public_q`` lists."""

from __future__ import annotations

from school_portal.core.access import Actor, policy

from ..models import Notice
from .selectors import is_public


def _reads_public(actor: Actor, notice: Notice) -> bool:
    return is_public(notice)


def register() -> None:
    policy.register(Notice, "read_public", check=_reads_public, public=True)
