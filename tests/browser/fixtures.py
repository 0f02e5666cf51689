"""The real-browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

A pytest plug-in module, loaded for the whole test tree by ``pytest_plugins`` in tests/conftest.py, so that a
browser test anywhere (tests/browser, tests/classrooms, a new plug-in's tests) asks for ``portal``, ``phone``,
``desktop``, ``open_page``, ``new_context`` or ``browser`` without importing them.

Each test gets the demo city (``seed_demo``) on a live server whose Wagtail Sites carry the server's port, so
``http://sakura.localhost:<port>/`` is さくら小学校's site (Chromium resolves ``*.localhost`` to loopback itself).
Pages come at phone size (360x740, touch), tablet size and desktop size; ``harness.axe_check(page)`` runs
axe-core's WCAG 2.x A/AA rules on the page and fails with a readable list of violations.

Chromium is required, never skipped: ``scripts/bootstrap`` installs it (Debian's ``chromium``) and CI provides
it, so a missing browser fails every browser test with the fix in the message.
"""

from __future__ import annotations

import copy
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from school_portal.core.seeding import DemoCity, seed_demo
from school_portal.core.testing.world import restore_wagtail_roots
from tests.browser.harness import (
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    Portal,
    watch_console,
)
from tests.demo_snapshot import TableSnapshot


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, alive only while a module of browser tests runs.

    It keeps an asyncio loop marked as running in this thread, so Django's async-safety check would refuse the
    tests' own database calls; ``DJANGO_ALLOW_ASYNC_UNSAFE`` is the documented switch for Playwright with
    pytest-django. It is set here rather than at import so that the rest of the suite (the websocket consumers
    above all) keeps the check, and the loop is stopped at the end of each module, so that a browser module
    elsewhere in the tree leaves no running loop behind for the tests after it.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}, and the browser tests need it: run scripts/bootstrap as root "
            "(it installs Debian's chromium), or set PORTAL_CHROMIUM to a Chromium binary.",
            pytrace=False,
        )
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run scripts/bootstrap (npm ci).", pytrace=False)
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


# The demo city of this process's live server, seeded by its first ``portal`` (its port, the city, the rows).
_seeded: tuple[int, DemoCity, TableSnapshot] | None = None


@pytest.fixture
def portal(live_server) -> Portal:
    """The demo city (``seed_demo``, every installed plug-in's part too) on the live server, its Sites on its port.

    The live server makes the test transactional: the database is emptied afterwards, Wagtail's root page and
    collection with it, so they are put back first (see ``restore_wagtail_roots``). The city is seeded once per
    process and put back from a copy of its rows for each later test (``tests/demo_snapshot.py``).
    """
    global _seeded
    port = urlsplit(live_server.url).port
    assert port is not None
    if _seeded is not None and _seeded[0] == port:
        _, demo, snapshot = _seeded
        snapshot.restore()
        return Portal(port=port, demo=copy.deepcopy(demo))
    restore_wagtail_roots()
    demo = seed_demo(port=port)
    _seeded = (port, copy.deepcopy(demo), TableSnapshot.take())
    return Portal(port=port, demo=demo)


class _RequestsInFlight:
    """The live server's threads handling a request now, from Django's own request signals.

    A page left open at the end of a test goes on asking (live.js retries its WebSocket, which the WSGI live
    server answers through Wagtail's page serving, with queries). Closing the browser stops new requests, but
    one already sent may still be running in the server's thread when pytest-django empties the database, and
    SQLite then refuses the flush ("database table is locked"). ``new_context`` waits for these to end first.
    Only the live server's Django handler is counted (its sender), not the test client's.

    Kept per thread, not as a count: a request whose client went away while the server read the rest of its body
    (a save sent as the page closed) never sends ``request_finished`` (Django's development server reads the body
    before closing the response, and the read fails). Its thread, one per connection, ends with the connection,
    so a thread that has ended holds nothing. The main thread is never the live server's: a test that calls
    Django's WSGI handler itself (test_wsgi_body_guard.py) is not counted, and one that forgot to close a response
    once kept every later browser test of its process waiting 10 s.
    """

    def __init__(self) -> None:
        self._running: dict[threading.Thread, int] = {}
        self._changed = threading.Condition()
        request_started.connect(self._started, sender=WSGIHandler, weak=False)
        request_finished.connect(self._finished, sender=WSGIHandler, weak=False)

    def _started(self, **kwargs) -> None:
        thread = threading.current_thread()
        if thread is threading.main_thread():  # a test calling the WSGI handler itself, not the live server
            return
        with self._changed:
            self._running[thread] = self._running.get(thread, 0) + 1
            self._changed.notify_all()

    def _finished(self, **kwargs) -> None:
        thread = threading.current_thread()
        with self._changed:
            if self._running.get(thread, 0) > 1:
                self._running[thread] -= 1
            else:
                self._running.pop(thread, None)
            self._changed.notify_all()

    def _busy(self) -> int:
        for thread in [thread for thread in self._running if not thread.is_alive()]:
            del self._running[thread]
        return len(self._running)

    def wait_until_idle(self, quiet: float = 0.1, timeout: float = 10.0) -> None:
        """Return once no request has run for ``quiet`` seconds (one sent just before the browser closed
        reaches Django within milliseconds), or after ``timeout`` seconds whatever is running."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while time.monotonic() < deadline:
                if not self._busy():
                    if not self._changed.wait(quiet):
                        return
                else:  # a thread's end is not signalled: look again a little later
                    self._changed.wait(min(quiet, max(deadline - time.monotonic(), 0)))
            warnings.warn(f"the live server still runs {self._busy()} requests after {timeout} s", stacklevel=2)


_live_requests = _RequestsInFlight()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """``new_context(**PHONE)``: a fresh browser profile (own cookies); all are closed after the test, and the
    live server's last requests are waited for before the test's database is emptied."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    if contexts:
        _live_requests.wait_until_idle()


@pytest.fixture
def open_page(new_context) -> Callable[..., Page]:
    """``open_page(**TABLET_PORTRAIT)`` or ``open_page(java_script_enabled=False)``: a page in a new profile."""

    def make(**options) -> Page:
        return watch_console(new_context(**options).new_page())

    return make


@pytest.fixture
def phone(open_page) -> Page:
    """A page on a phone: 360x740 CSS pixels, touch, mobile viewport."""
    return open_page(**PHONE)


@pytest.fixture
def desktop(open_page) -> Page:
    """A page on a desktop screen, 1280x800."""
    return open_page(**DESKTOP)
