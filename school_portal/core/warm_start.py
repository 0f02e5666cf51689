"""An app server's process, loaded before its first request and kept out of the garbage collector's full passes.

A loaded portal holds some 270,000 objects that live as long as the process (modules, models, URL patterns,
translation catalogues). CPython's collector walks all of them in every full (oldest-generation) pass:
measured under gunicorn (the layout then, 8 threads a process; granian's threads are held alike), each pass held
the process, all its threads, for 165-280 ms, several times a minute under load, and those pauses were the p99 of
every page
(docs/benchmarks.md, "Pauses of the garbage collector"). ``gc.freeze()`` moves the objects that exist at that
moment into a permanent generation the collector never walks; objects made later are collected as usual, so
nothing is leaked but what is frozen, which lives for the process anyway.

The entry points (``wsgi.py``, ``asgi.py``) call :func:`warm_start` once, after Django is set up: it loads what
the first requests would otherwise load lazily (every URL pattern and the views they import, the translation
catalogues of every language), collects what is garbage already, then freezes.
"""

from __future__ import annotations

import gc
import logging

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


def _load_lazy_parts() -> None:
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 - populates the resolver (and imports the views) per language
            translation.gettext("Japanese")  # loads the language's catalogues


def warm_start() -> None:
    """Load the lazy parts, collect, then freeze every object of the process so far (see the module)."""
    try:
        _load_lazy_parts()
    except Exception:  # a broken URLconf must still reach Django's own error page, not fail the import here
        logger.exception("warm start: the lazy parts could not be loaded before the first request")
    gc.collect()
    gc.freeze()
