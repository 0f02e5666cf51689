"""The guardian's inbox list, rendered once and kept until something in it changes (issue 12: the inbox of a family
with 3 children in 2 schools and 500 notices, for 100 guardians at once).

Most of an inbox's cost was the access policy's scope over the notices and drawing 50 rows; both depend only on
what the key below holds, so the rendered ``<ul>`` is stored under:

- the guardian, the language they read notices in and the page's language (the row labels);
- their children (a child added or moved to another class changes the set or the class, below);
- the notices token, replaced when any notice is saved or deleted (publishing, unpublishing, scheduled publishing
  and expiry all save it), its classes or chosen children change, or an enrolment or guardian link changes;
- the family's reads token, replaced when this guardian's read receipt is written (``reads_changed``, called by
  the two places that write one: ``services`` and ``receipts``).

A list is kept at most until the first ``expire_at`` of a notice in it: a notice leaves the inbox when it expires,
which saves nothing.

The tokens are the core's (``core/cache_tokens.py``: random, replaced again once the change is committed, so a
request that read the data before the commit cannot store an old list under the new token). With Redis away the
cache misses and the list is drawn each time, as before.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation

from school_portal.core.access import policy
from school_portal.core.cache_tokens import token_replace, tokens, tokens_replace

NOTICES_KEY = "parent-notices:inbox:notices"
SECONDS = 3600  # a list nobody opened for an hour is dropped; a change makes it unreachable at once anyway


def _reads_key(guardian_id: int) -> str:
    return f"parent-notices:inbox:reads:{guardian_id}"


def notices_changed(**_: Any) -> None:
    """Every family's list is drawn afresh: a notice, its audience, or who is whose child changed."""
    token_replace(NOTICES_KEY)


def reads_changed(*guardian_ids: int) -> None:
    """These guardians' lists are drawn afresh: they read a notice (one trip to the cache for all of them)."""
    tokens_replace([_reads_key(guardian_id) for guardian_id in guardian_ids])


def _tokens(guardian_id: int) -> tuple[str, str]:
    notices, reads = tokens([NOTICES_KEY, _reads_key(guardian_id)])
    return notices, reads


def inbox_html(
    user: Any, *, guardian_id: int, language: str, draw: Callable[[], tuple[str, datetime.datetime | None]]
) -> str:
    """The family's inbox list as HTML: the stored copy, or the one ``draw()`` returns, stored until the first
    expiry of a notice in it (it leaves the list then, with nothing saved)."""
    actor = policy.actor(user)
    children = ",".join(str(pk) for pk in sorted(actor.children_ids))
    notices, reads = _tokens(guardian_id)
    key = f"parent-notices:inbox:{guardian_id}:{language}:{translation.get_language()}:{children}:{notices}:{reads}"
    html = cache.get(key)
    if html is None:
        html, first_expiry = draw()
        seconds = SECONDS
        if first_expiry is not None:
            seconds = min(seconds, int((first_expiry - timezone.now()).total_seconds()))
        if seconds > 0:
            cache.set(key, html, timeout=seconds)
    return html


def connect() -> None:
    """From the AppConfig: the changes that alter what a family's list holds."""
    from school_portal.core.models import Enrollment, GuardianLink

    from .models import Notice

    for model in (Notice, Enrollment, GuardianLink):
        name = model.__name__
        post_save.connect(notices_changed, sender=model, dispatch_uid=f"parent_notices.inbox.{name}.save")
        post_delete.connect(notices_changed, sender=model, dispatch_uid=f"parent_notices.inbox.{name}.delete")
    for through in (Notice.class_groups.through, Notice.children.through):
        m2m_changed.connect(notices_changed, sender=through, dispatch_uid=f"parent_notices.inbox.{through.__name__}")
