"""What an accept needs to know about a gateway, read once per process and per change, not once per visitor.

At 9:00 a library's queue of visitors accepts the terms within minutes, and every accept asked the database the
same questions: which gateway is this key, its library, the library's page (session length, renewal), the terms
revision shown in the visitor's language, whether disaster mode is on (about ten queries). Their answers change
only when someone edits a gateway, a library, a page, the terms, a locale or the disaster switch.

So each process keeps the answers in memory, keyed by gateway key and language under a *generation* token held in
the shared cache: a request reads the token (one cache round trip, no query) and finds its facts in the process's
memory, or reads them once. Any change that can alter them replaces the token, at once and again when the change
commits (a process that read the old rows between the two sees the second token): every process then reads again
on its next accept. The token is random, never a counter: one the cache lost is never taken up again. Nothing is
put in the shared cache but the token (the gateway's secrets stay in the database and the process's memory).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Locale
from wagtail.signals import page_published, page_unpublished

from school_portal.core.models import Library

from . import selectors
from .models import DisasterMode, Gateway, LibraryPortalPage, TermsPage

GENERATION_KEY = "library_wifi:portal-facts:generation"
DEFAULT_SESSION_MINUTES = 60


@dataclass(frozen=True)
class PortalFacts:
    """One gateway's facts in one language. ``gateway`` has its library and city loaded: never change it."""

    generation: str
    gateway: Gateway
    session_minutes: int
    renewable: bool
    disaster: bool
    terms_revision_id: int | None  # the live terms revision shown in this language; None: no terms to accept


_memory: dict[tuple[str, str], PortalFacts | None] = {}
_memory_generation = ""
_lock = threading.Lock()


def _generation() -> str:
    token = cache.get(GENERATION_KEY)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(GENERATION_KEY, token, None):
            token = cache.get(GENERATION_KEY) or token
    return token


def _read(key: str, language: str, generation: str) -> PortalFacts | None:
    gateway = selectors.gateway_by_key(key)
    if gateway is None:
        return None
    page = selectors.source_library_page(gateway.library)
    terms = selectors.current_terms(gateway.library.city, language)
    return PortalFacts(
        generation=generation,
        gateway=gateway,
        session_minutes=page.session_minutes if page else DEFAULT_SESSION_MINUTES,
        renewable=bool(page.renewable) if page else False,
        disaster=selectors.disaster_active(gateway.library.city),
        terms_revision_id=terms.revision.pk if terms.revision is not None else None,
    )


def portal_facts(key: str, language: str) -> PortalFacts | None:
    """The active gateway of ``key`` and what an accept in ``language`` needs; None for an unknown key."""
    global _memory_generation
    generation = _generation()
    with _lock:
        if generation != _memory_generation:
            _memory.clear()
            _memory_generation = generation
        if (key, language) in _memory:
            return _memory[(key, language)]
    facts = _read(key, language, generation)
    if facts is None or transaction.get_connection().in_atomic_block:
        # Unknown keys are not remembered (anyone can make up keys); nor what a transaction that may still roll
        # back has read.
        return facts
    with _lock:
        if generation == _memory_generation:
            _memory[(key, language)] = facts
    return facts


def renew() -> None:
    """Make every process read the facts again, now and when the current transaction commits."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, secrets.token_hex(8), None))


def _changed(sender: object, **kwargs: object) -> None:
    renew()


def connect() -> None:
    """Called from the app's ready(): every change that can alter the facts renews the generation."""
    for model in (Gateway, Library, DisasterMode, LibraryPortalPage, TermsPage, Locale):
        post_save.connect(_changed, sender=model, dispatch_uid=f"library_wifi.facts.save.{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"library_wifi.facts.delete.{model.__name__}")
    for model in (LibraryPortalPage, TermsPage):
        page_published.connect(_changed, sender=model, dispatch_uid=f"library_wifi.facts.pub.{model.__name__}")
        page_unpublished.connect(_changed, sender=model, dispatch_uid=f"library_wifi.facts.unpub.{model.__name__}")
