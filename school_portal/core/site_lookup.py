"""Wagtail's site lookups kept in each process, behind a generation in the shared cache.

Why. On every request Wagtail finds the request's ``Site`` with a query (``Site._find_for_request``), and every
page URL it builds reads the list of all sites' root paths from the cache (``Site.get_site_root_paths``). A city
has 424 sites: that list is 26 KB, unpickled from Redis on each request (1.6 ms against 0.3 ms for a few sites),
and the school home's p95 grew 1.8x from 10 to 420 schools (docs/benchmarks.md).

What. Each process keeps the list of root paths, and one ``Site`` per host and port it has been asked about
(pickled: each request gets its own copy, never an object another request may have changed). Both belong to a
generation, a random token in the shared cache (a few bytes): a request reads the token, and when it is still the
one the process holds, uses its copy. Whatever makes Wagtail clear its own list (a site saved or deleted, a site's
root page saved) replaces the token, here and, through the shared cache, in every other process; so does a page
moved (its url path changes). The token is replaced again when the change is committed: a process that read the
new token and the old rows before the commit does not keep them.

The cost of a request's site lookup is then one small cache read whatever the number of sites; a change is seen
by every process on its next request. The hosts kept are bounded (``MAX_HOSTS``): a flood of made-up Host headers
costs queries, not memory.

Installed from ``CoreConfig.ready`` over three static methods of Wagtail's ``Site`` (Wagtail has no setting for
it); ``tests/school_portal/test_site_lookup.py`` checks that they are still there to replace.
"""

from __future__ import annotations

import pickle  # noqa: S403 - only this process's own Site objects, never data from outside
import threading
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.models.sites import SiteRootPath
from wagtail.signals import post_page_move

GENERATION_KEY = "sites:generation"
MAX_HOSTS = 4096

_wagtail_find_for_request = Site._find_for_request
_wagtail_get_site_root_paths = Site.get_site_root_paths
_wagtail_clear_site_root_paths_cache = Site.clear_site_root_paths_cache


@dataclass
class _Generation:
    token: str | None
    root_paths: list[SiteRootPath] | None = None
    by_host: dict[tuple[str, int | str], bytes] = field(default_factory=dict)


_lock = threading.Lock()
_current = _Generation(token=None)


def _token() -> str:
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        # Redis unreachable: a token of our own, never seen again, so nothing is kept.
        token = cache.get(GENERATION_KEY) or uuid.uuid4().hex
    return token


def _generation() -> _Generation:
    global _current
    token = _token()
    current = _current
    if current.token != token:
        with _lock:
            if _current.token != token:
                _current = _Generation(token=token)
            current = _current
    return current


def generation_bump() -> None:
    """Every process forgets its sites on its next request; again once the change is committed."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(_bump_after_commit)


def _bump_after_commit() -> None:
    _wagtail_clear_site_root_paths_cache()
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def find_for_request(request: HttpRequest) -> Site | None:
    """Wagtail's ``Site._find_for_request``, from this process's copy when the generation has not changed."""
    generation = _generation()
    key = (split_domain_port(request._get_raw_host())[0], request.get_port())
    stored = generation.by_host.get(key)
    if stored is None:
        site = _wagtail_find_for_request(request)
        if len(generation.by_host) < MAX_HOSTS:
            generation.by_host[key] = pickle.dumps(site)
        return site
    return pickle.loads(stored)  # noqa: S301 - pickled above, by this process


def get_site_root_paths() -> list[SiteRootPath]:
    """Wagtail's ``Site.get_site_root_paths``, from this process's copy when the generation has not changed."""
    generation = _generation()
    root_paths = generation.root_paths
    if root_paths is None:
        root_paths = generation.root_paths = _wagtail_get_site_root_paths()
    return list(root_paths)


def clear_site_root_paths_cache() -> None:
    _wagtail_clear_site_root_paths_cache()
    generation_bump()


def _on_change(**kwargs) -> None:
    generation_bump()


def install() -> None:
    Site._find_for_request = staticmethod(find_for_request)
    Site.get_site_root_paths = staticmethod(get_site_root_paths)
    Site.clear_site_root_paths_cache = staticmethod(clear_site_root_paths_cache)
    post_save.connect(_on_change, sender=Site, dispatch_uid="site_lookup.site_saved")
    post_delete.connect(_on_change, sender=Site, dispatch_uid="site_lookup.site_deleted")
    post_page_move.connect(_on_change, dispatch_uid="site_lookup.page_moved")
