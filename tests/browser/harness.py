"""What the browser tests share besides fixtures: screen sizes, the demo city's URLs, axe-core and small checks."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from playwright.sync_api import APIResponse, ConsoleMessage, Locator, Page, Request, Response, Route, expect

from school_portal.core.models import ClassGroup, Student
from school_portal.core.seeding import DEMO_PASSWORD, DemoCity

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling home, and a closed network refuses it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
TIMEOUT_MS = 10_000

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TABLET_LANDSCAPE = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
TABLET_PORTRAIT = {"viewport": {"width": 768, "height": 1024}, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@dataclass
class Portal:
    """The demo city served by the live server: the URLs of its Sites and the people in it."""

    port: int
    demo: DemoCity
    password: str = DEMO_PASSWORD

    @property
    def url(self) -> str:
        """The city portal, the default Wagtail Site."""
        return f"http://localhost:{self.port}"

    def school_url(self, slug: str) -> str:
        """A school's own Wagtail Site."""
        return f"http://{slug}.localhost:{self.port}"


@dataclass
class ConsoleLog:
    """What the browser complained about on a page: CSP refusals, script errors, files that failed to load.

    The document itself may answer 400 (a form with mistakes) on purpose; its status is the test's business.
    A failed WebSocket handshake is not counted: the live-updates script reconnects by design.
    """

    errors: list[str] = field(default_factory=list)

    def record(self, message: ConsoleMessage) -> None:
        # A live-updates socket that cannot connect is expected here: Django's live server has no WebSockets,
        # and live.js retries with backoff by design (test_live_updates.py proves it against real Daphne).
        if message.type == "error" and not message.text.startswith(
            ("Failed to load resource", "WebSocket connection to")
        ):
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def record_response(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} for {response.url}")

    def record_uncaught(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


def watch_console(page: Page) -> Page:
    """Keep the browser's complaints about the document now shown in ``page.console_log``."""
    log = ConsoleLog()
    page.on("console", log.record)
    page.on("response", log.record_response)
    page.on("pageerror", log.record_uncaught)
    page.on("framenavigated", lambda frame: log.errors.clear() if frame == page.main_frame else None)
    page.console_log = log  # type: ignore[attr-defined]
    return page


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {' '.join(str(t) for t in node['target'])}: {node['html'][:200]}")
            summary = " / ".join((node.get("failureSummary") or "").splitlines())
            if summary:
                lines.append(f"       {summary[:400]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def axe_violations(page: Page, within: str | None = None) -> list[dict]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it is now (or in the part ``within``,
    a CSS selector, e.g. one field of the Wagtail admin's editor).

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    (``script-src 'self'``) does not govern: the pages are checked with their real CSP in force.
    """
    page.wait_for_load_state("load")  # a page a click has just opened is checked once it is there
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "([tags, within]) => axe.run(within ? {include: [within]} : document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        [AXE_TAGS, within],
    )
    return result["violations"]


def axe_check(page: Page, within: str | None = None) -> None:
    """Fail with a readable list if axe-core finds WCAG A/AA violations, or the browser logged errors."""
    violations = axe_violations(page, within)
    assert not violations, f"accessibility violations on {page.url}:\n{format_violations(violations)}"
    console: ConsoleLog | None = getattr(page, "console_log", None)
    if console is not None:
        assert not console.errors, f"browser errors on {page.url}:\n" + "\n".join(console.errors)


def has_horizontal_scroll(page: Page) -> bool:
    """True when the page is wider than the screen, so reading it means scrolling sideways.

    Compared with the layout viewport (``clientWidth``), not ``innerWidth``: a mobile browser zooms out to fit
    a page that overflows, and then ``innerWidth`` grows with the overflow and hides it. Measured once the page has
    loaded: on a loaded CI machine a picture still decoding can stretch the layout for a moment.
    """
    page.wait_for_load_state("load")  # pictures and styles in: what a person sees once the page has loaded
    return page.evaluate("document.scrollingElement.scrollWidth > document.documentElement.clientWidth")


def draw_stroke(page: Page, canvas: Locator, *, steps: int = 11) -> None:
    """A child's finger across ``canvas``: down near its top left corner, ``steps`` moves down and to the right."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 40, box["y"] + 40)
    page.mouse.down()
    for step in range(1, steps + 1):
        page.mouse.move(box["x"] + 40 + step * 20, box["y"] + 40 + step * 8)
    page.mouse.up()


class ReloadDuringSave:
    """A reload that meets a save on its way, forced step by step (the pages that keep what a child writes on
    the tablet until the school confirms it): the saves to ``save_path`` are held from the start; then
    :meth:`reload_drawn_before_save` has the server draw the reloaded page and holds it; :meth:`let_save_through`
    sends the first save and waits until the old page has recorded its answer; :meth:`new_page_arrives` gives the
    browser the page drawn before that save committed."""

    def __init__(self, page: Page, *, save_path: str, page_path: str, timeout: float = 20.0) -> None:
        self.page, self.save_path, self.page_path = page, save_path, page_path
        self.saves: list[Route] = []
        self.sent: list[Request] = []  # every save the browser sent, held or not
        self._pages: list[tuple[Route, APIResponse]] = []
        self._timeout = timeout
        page.route(f"**{save_path}", lambda route: self.saves.append(route))
        page.on("request", lambda request: self.sent.append(request) if request.url.endswith(save_path) else None)

    def _wait(self, done, what: str) -> None:
        deadline = time.monotonic() + self._timeout
        while not done() and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
        assert done(), what

    def first_save(self) -> Route:
        self._wait(lambda: self.saves, "the page sent no save")
        return self.saves[0]

    def reload_drawn_before_save(self) -> APIResponse:
        def hold(route: Route) -> None:
            if route.request.resource_type != "document":
                route.continue_()
                return
            self._pages.append((route, route.fetch()))  # the server draws it now, before the save reaches it

        self.page.route(f"**{self.page_path}", hold)
        self.page.evaluate("setTimeout(() => location.reload(), 0)")
        self._wait(lambda: self._pages, "the reload's page was never asked for")
        return self._pages[0][1]

    def let_save_through(self, recorded: str, arg: object) -> None:
        """The first save goes; waits until ``recorded`` (a JavaScript predicate of ``arg``) holds on another page
        of the same browser (the old page cannot be asked while its navigation is held; it shares the storage)."""
        self.saves[0].continue_()
        probe = self.page.context.new_page()
        try:
            origin = self.page.url.split("/", 3)
            probe.goto(f"{origin[0]}//{origin[2]}/static/core/favicon.svg")
            probe.wait_for_function(recorded, arg=arg, timeout=self._timeout * 1000)
        finally:
            probe.close()

    def new_page_arrives(self) -> None:
        """The held page is given to the browser; saves and reloads go their own way from now on."""
        self.page.unroute(f"**{self.save_path}")
        route, drawn = self._pages[0]
        with self.page.expect_navigation():
            route.fulfill(response=drawn)
        self.page.unroute(f"**{self.page_path}")


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG under var/screenshots/ (gitignored), for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, portal: Portal, username: str, *, site_url: str | None = None) -> None:
    """Sign in with a password on the portal's sign-in page, as a guardian or a staff member does."""
    page.goto(f"{site_url or portal.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(portal.password)
    page.locator("main form button[type=submit]").click()


def student_sign_in(page: Page, portal: Portal, student: Student) -> None:
    """Sign a child in on the class tablet with their class code and badge, landing on their dashboard."""
    class_group = ClassGroup.objects.get(enrollments__student=student)
    page.goto(f"{portal.url}/student/signin/")
    page.locator("#id_class_code").fill(class_group.class_code)
    page.locator("#id_badge_code").fill(student.badge_code)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{portal.url}/dashboard/")
