"""The storm morning: an emergency notice opened by every family of the city within minutes.

What a guardian's request for an emergency notice costs, beyond the portal's sign-in and access check:

- the notice's article (title, body, corrections, in the family's language) is rendered once per notice and
  language and kept in the cache (and for ``LOCAL_SECONDS`` in the process, to spare the cache's round trip);
  it holds nothing of any family: it is rendered without a request, so no user, no CSRF token, no child. On the
  full stack (staff, and a guardian whose request is not answered early) the per-person part is the page's frame
  (the signed-in header) and nothing else;
- the read receipt is queued, and written with the others of the last tenth of a second by a thread of the process
  (:mod:`parent_notices.receipts`: one statement a batch, the families' inboxes drawn afresh in one trip to the
  cache, the board's live tally told at most once per ``receipts.TICK_SECONDS`` by each process); a family
  opening it again costs nothing (the process remembers the receipts it queued);
- a signed-in guardian's request is answered before the middleware (``core/guardian_fast_paths.py``,
  :func:`guardian_fast_page`): the whole page is cached per notice and language, with a frame that holds nothing
  of anyone (links to the notices and the account, no form); staff and anything unusual take the full stack;

A correction, or a translation published or withdrawn, forgets the cached articles and pages (:func:`page_forget`:
the notice's cache token is replaced); other processes may show their local copy for up to ``LOCAL_SECONDS``
more. Articles and pages are drawn from the primary database, never a lagging replica: they are kept for
``PAGE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override

from school_portal.core.access import policy
from school_portal.core.cache_tokens import token, token_replace
from school_portal.core.models import User

from . import receipts, selectors
from .models import Category, Notice

PAGE_SECONDS = 600
LOCAL_SECONDS = 1.0
HOT_LIMIT = 10_000

_local: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()
_hot: dict[int, tuple[float, Notice | None]] = {}


def hot_notice(pk: int) -> Notice | None:
    """The original (default-locale) emergency notice ``pk`` when its page is served the storm's way, else None;
    kept ``LOCAL_SECONDS`` in the process (one query per notice per second, not per request). The caller still
    asks the access policy whether the person may see it."""
    now = time.monotonic()
    known = _hot.get(pk)
    if known is not None and known[0] > now:
        return known[1]
    notice = (
        Notice.objects.filter(pk=pk, category=Category.EMERGENCY, locale__language_code=settings.LANGUAGE_CODE)
        .select_related("locale")
        .first()
    )
    found = notice if notice is not None and serves(notice) else None
    if len(_hot) > HOT_LIMIT:  # ids asked for once (a normal notice, one that never existed) are not kept forever
        _hot.clear()
    if found is None or found.live:  # a proposal not yet sent is read afresh: it goes live at any moment
        _hot[pk] = (now + LOCAL_SECONDS, found)
    return found


def serves(notice: Notice) -> bool:
    """Whether the notice's page is served this way: an emergency without reply forms (nothing per child)."""
    return notice.is_emergency and not any(block.get("type") == "reply_form" for block in notice.body.raw_data)


def _token_key(notice_id: int) -> str:
    return f"parent_notices:storm:{notice_id}:token"


def _key(notice_id: int, language: str) -> str:
    """The cache key of a notice's article or page in ``language``, under the notice's token (``cache_tokens``)
    that :func:`page_forget` replaces: a page drawn from data read before a correction committed is never read
    again. The token is kept ``LOCAL_SECONDS`` in the process, like the copies."""
    key = _token_key(notice_id)
    now = time.monotonic()
    local = _local.get(key)
    if local is None or local[0] <= now:
        local = _local[key] = (now + LOCAL_SECONDS, token(key))
    return f"parent_notices:storm:{notice_id}:{local[1]}:{language}"


def _cached(key: str, draw: Callable[[], str]) -> SafeString:
    """``draw()``'s HTML under ``key``: from this process for ``LOCAL_SECONDS``, else from the cache."""
    now = time.monotonic()
    local = _local.get(key)
    if local is not None and local[0] > now:
        return mark_safe(local[1])  # noqa: S308 - our own template's output, rendered without a request
    html = cache.get(key)
    if html is None:
        html = draw()
        cache.set(key, html, PAGE_SECONDS)
    _local[key] = (now + LOCAL_SECONDS, html)
    return mark_safe(html)  # noqa: S308 - as above


def article(*, notice: Notice, shown: Notice, language: str, interface_language: str) -> SafeString:
    """The notice's article for ``language`` (content) in ``interface_language`` (labels), from the cache."""

    def draw() -> str:
        with override(interface_language):
            return render_to_string(
                "parent_notices/emergency/article.html",
                {
                    "notice": notice,
                    "shown": shown,
                    "language": language,
                    "missing_translation": shown.pk == notice.pk and language != notice.locale.language_code,
                    "corrections": list(notice.corrections.using(DEFAULT_DB_ALIAS)),  # kept: not a lagging replica
                },
            )

    return _cached(f"{_key(notice.pk, language)}:{interface_language}", draw)


def guardian_page(*, notice: Notice, language: str, interface_language: str) -> SafeString:
    """The whole page a guardian gets (the article in a frame with no per-person part), from the cache."""

    def draw() -> str:
        shown = selectors.notice_in_language(notice, language, using=DEFAULT_DB_ALIAS) or notice
        with override(interface_language):
            return render_to_string(
                "parent_notices/emergency/guardian_page.html",
                {
                    "notice": notice,
                    "shown": shown,
                    "article": article(
                        notice=notice, shown=shown, language=language, interface_language=interface_language
                    ),
                },
            )

    return _cached(f"{_key(notice.pk, language)}:{interface_language}:page", draw)


def guardian_fast_page(request: HttpRequest, user: User, pk: str) -> HttpResponse | None:
    """``/notices/<pk>/`` for a signed-in guardian before the middleware (``core/guardian_fast_paths.py``): the
    emergency notice's cached page, the read receipt written; ``None`` (the full stack decides) for any other
    notice or anyone the access policy does not let see it."""
    notice = hot_notice(int(pk))
    if notice is None:
        return None
    actor = policy.actor(user)
    if actor.guardian_id is None or not policy.allows(actor, "view", notice):
        return None
    receipts.read_record(notice_id=notice.pk, guardian_id=actor.guardian_id)
    language = selectors.family_language(user)
    return HttpResponse(guardian_page(notice=notice, language=language, interface_language=get_language()))


def page_forget(notice_id: int) -> None:
    """Forget the cached articles and pages of a notice (it was sent or corrected, or a translation of it was
    published or withdrawn): its token is replaced, now and once the change is committed."""
    token_replace(_token_key(notice_id))
    prefix = f"parent_notices:storm:{notice_id}:"
    with _lock:
        for key in [key for key in list(_local) if key.startswith(prefix)]:
            _local.pop(key, None)
        _hot.pop(notice_id, None)


def on_notice_published(sender: type, instance: Notice, **_: object) -> None:
    """Wagtail's ``published`` and ``unpublished``: an emergency notice or a translation of one changed."""
    if instance.category != Category.EMERGENCY:
        return
    originals = Notice.objects.filter(
        translation_key=instance.translation_key, locale__language_code=settings.LANGUAGE_CODE
    ).values_list("pk", flat=True)
    for notice_id in originals:
        page_forget(notice_id)


def ticks_reset() -> None:
    """Forget when the tally was last told, and the receipts and pages kept in the process (tests)."""
    receipts.receipts_reset()
    _local.clear()
    _hot.clear()
