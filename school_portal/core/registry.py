"""The plug-in registries of the core.

The core never names a plug-in. A plug-in that wants to appear somewhere registers itself here from its
``AppConfig.ready()``: its StreamField blocks, its dashboard panels, its websocket routes, its demo-data
seeder and its navigation links. Removing a plug-in from ``INSTALLED_APPS`` therefore removes everything it
registered and nothing else. (Its rows of the permission matrix are test code: they live in its
``permission_cases.py``, which only the tests import; see ``school_portal.core.testing.matrix``.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    # Only for the type checker: importing these at run time would be a cycle (models, seeding) or would
    # load test code in production (the test world).
    from typing import IO

    from django.http import HttpRequest, HttpResponse
    from django.urls import URLPattern
    from django.utils.functional import Promise
    from wagtail.blocks import Block

    from .seeding import DemoCity
    from .testing.world import World

    Label = str | Promise
    SeedFunction = Callable[[DemoCity, IO[str] | None], None]

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered, name-keyed collection that plug-ins fill at start-up."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        # Re-registering the same name replaces it, so ready() may run twice (as in tests) without duplicates.
        self._items[name] = item
        return item

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class DashboardPanel:
    """A panel on the dashboard.

    It appears on the dashboard of whoever ``policy.can(capability)``; ``context`` is a selector
    ``(request) -> dict`` whose queries must not grow with the number of children, classes or schools; the panel
    renders ``template`` with it.
    """

    title: Label
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    capability: str
    order: int = 100


@dataclass(frozen=True)
class NavLink:
    """A header link, shown to whoever ``policy.can(capability)`` (the capability its page asks too)."""

    label: Label
    url_name: str
    capability: str
    order: int = 100


# The roles of the permission matrix; ``core.testing.world`` builds one user of each. The rows are collected
# from each app's ``permission_cases.py`` by ``core.testing.matrix``.
ROLES = (
    "anonymous",
    "student",
    "classmate",
    "guardian",
    "other_guardian",
    "homeroom_teacher",
    "other_teacher",
    "other_school_teacher",
    "school_admin",
    "other_school_admin",
    "centre_staff",
    "librarian",
    "partner_teacher",
)


@dataclass(frozen=True)
class PermissionCase:
    """One endpoint of the permission matrix.

    ``build(world)`` returns the URL to request for the objects of the shared test world;
    ``allowed`` is the set of role names that must get a 200; every other role must be refused
    (a redirect to sign-in when anonymous, 403 or 404 when signed in).
    """

    name: str
    build: Callable[[World], str]
    allowed: frozenset[str]
    method: str = "get"
    data: Callable[[World], dict[str, Any]] | None = None
    ok_status: tuple[int, ...] = (200,)


@dataclass(frozen=True)
class DemoSeeder:
    """A plug-in's part of the demo city.

    ``seed`` is the dotted path of a function ``seed(demo, out)``, imported only when ``seed_demo`` runs (demo
    builders are test-grade code with heavy imports: they never load when the portal starts). The function
    receives the core's :class:`~school_portal.core.seeding.DemoCity` (schools, classes, demo users), may
    append to ``demo.logins``, and must be idempotent.
    """

    seed: str
    order: int = 100

    def resolve(self) -> SeedFunction:
        return import_string(self.seed)


@dataclass(frozen=True)
class RetentionRule:
    """Personal data kept no longer than :attr:`days` days.

    ``default_days`` is the plug-in's own limit; ``settings.RETENTION_DAYS[setting_key]``, where present,
    overrides it (``RETENTION_<KEY>_DAYS`` in the environment). ``prune(days) -> int`` deletes what is older
    and returns how many records it removed.
    """

    setting_key: str
    prune: Callable[[int], int]
    default_days: int

    @property
    def days(self) -> int:
        return int(getattr(settings, "RETENTION_DAYS", {}).get(self.setting_key, self.default_days))


@dataclass(frozen=True)
class InterfaceLanguages:
    """Pages under ``prefix`` whose interface a plug-in has translated into more languages than the portal's own
    (``PORTAL_UI_LANGUAGES``): a browser or the switch may choose them there (the libraries' Wi-Fi pages speak
    Chinese and Korean to visitors; the rest of the portal answers them in Japanese). Each must be in ``LANGUAGES``.
    """

    prefix: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class GuardianFastPath:
    """A path a plug-in serves to signed-in guardians before the middleware (``core/guardian_fast_paths.py``):
    ``pattern`` must match the whole path; ``serve`` (a dotted path) is called as ``serve(request, user,
    **groups)`` with the pattern's named groups, and answers an ``HttpResponse`` or ``None`` (then the request
    takes the full stack)."""

    pattern: str
    serve: str
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.pattern))

    def match(self, path: str) -> re.Match[str] | None:
        return self._regex.fullmatch(path)

    def resolve(self) -> Callable[..., HttpResponse | None]:
        return import_string(self.serve)


stream_blocks: Registry[tuple[Block, dict[str, Any]]] = Registry("StreamField blocks")
dashboard_panels: Registry[DashboardPanel] = Registry("dashboard panels")
websocket_routes: Registry[list[URLPattern]] = Registry("websocket routes")
demo_seeders: Registry[DemoSeeder] = Registry("demo seeders")
nav_links: Registry[NavLink] = Registry("navigation links")
url_modules: Registry[tuple[str, str]] = Registry("URL modules")
retention_rules: Registry[RetentionRule] = Registry("retention rules")
interface_languages: Registry[InterfaceLanguages] = Registry("interface languages")
# Paths served to signed-in guardians before the middleware (``guardian_fast_paths``: the storm morning).
guardian_fast_paths: Registry[GuardianFastPath] = Registry("guardian fast paths")


def register_stream_block(name: str, block: Block, *, contexts: tuple[str, ...] = ("page", "lesson")) -> None:
    """Offer a StreamField block to the pages that accept plug-in blocks (``contexts`` says which)."""
    stream_blocks.register(name, (block, {"contexts": contexts}))


def blocks_for(context: str) -> list[tuple[str, Block]]:
    """The registered blocks that accept ``context``, as ``(name, block)`` pairs for a StreamField."""
    return [(name, block) for name, (block, meta) in stream_blocks.items() if context in meta["contexts"]]


def register_urls(app_label: str, module: str, prefix: str) -> None:
    """Mount ``module``'s urlpatterns under ``prefix/`` with the namespace ``app_label``."""
    url_modules.register(app_label, (module, prefix))


def register_plugin_home(app_label: str, *, prefix: str, label: Label, capability: str, order: int = 50) -> None:
    """The usual entry of a plug-in: its URLs under ``prefix/`` and a header link to ``<app_label>:index``, shown
    to whoever has ``capability`` (the index page asks the same one: ``capability_required``)."""
    register_urls(app_label, f"{app_label}.urls", prefix)
    nav_links.register(f"{app_label}.index", NavLink(label, f"{app_label}:index", capability, order=order))


def all_registries() -> list[Registry]:
    return [
        stream_blocks,
        dashboard_panels,
        websocket_routes,
        demo_seeders,
        nav_links,
        url_modules,
        retention_rules,
        interface_languages,
        guardian_fast_paths,
    ]
