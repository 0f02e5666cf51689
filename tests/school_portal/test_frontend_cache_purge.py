"""A caching proxy in front is purged when a page changes: a real HTTP server stands in for nginx or Varnish and
receives the PURGE requests Wagtail's frontend cache sends (``FRONTEND_CACHE_URL``, core/page_cache.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import override_settings

from school_portal.core.models import StandardPage

ROOT = Path(__file__).resolve().parents[2]


class _Proxy(BaseHTTPRequestHandler):
    purged: list[tuple[str, str]]

    def do_PURGE(self) -> None:  # noqa: N802 - the HTTP method's name
        self.server.purged.append((self.headers["Host"], self.path))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    server.purged = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    location = f"http://127.0.0.1:{server.server_address[1]}"
    backend = {"default": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend", "LOCATION": location}}
    with override_settings(WAGTAILFRONTENDCACHE=backend):
        yield server
    server.shutdown()
    server.server_close()


def _host(site) -> str:
    return site.hostname if site.port in (80, 443) else f"{site.hostname}:{site.port}"


def test_a_publish_purges_the_page_and_the_school_home_above_it_on_the_proxy(world, proxy):
    home = world.school.home_page
    page = home.add_child(instance=StandardPage(title="運動会", slug="sports-day"))
    proxy.purged.clear()
    page.title = "運動会は延期"
    page.save_revision().publish()
    host = _host(world.school.site)
    assert {(host, "/sports-day/"), (host, "/")} <= set(proxy.purged)


def test_an_unpublish_and_a_move_purge_the_old_address_s_listing(world, proxy):
    home = world.school.home_page
    news = home.add_child(instance=StandardPage(title="お知らせ", slug="news"))
    page = home.add_child(instance=StandardPage(title="遠足", slug="outing"))
    proxy.purged.clear()
    page.move(news, pos="last-child")
    host = _host(world.school.site)
    assert {(host, "/news/outing/"), (host, "/news/"), (host, "/")} <= set(proxy.purged)
    proxy.purged.clear()
    page.refresh_from_db()
    page.unpublish()
    assert {(host, "/news/outing/"), (host, "/news/")} <= set(proxy.purged)


def _frontend_cache_setting(**extra: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k != "FRONTEND_CACHE_URL"},
        "DJANGO_SETTINGS_MODULE": "school_portal.settings.test",
        **extra,
    }
    show = (
        "import django; django.setup(); from django.conf import settings; "
        "print(getattr(settings, 'WAGTAILFRONTENDCACHE', None))"
    )
    done = subprocess.run([sys.executable, "-c", show], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_the_proxy_is_named_by_the_environment_and_none_is_purged_by_default():
    assert _frontend_cache_setting() == "None"
    named = _frontend_cache_setting(FRONTEND_CACHE_URL="http://127.0.0.1:6081")
    assert "HTTPBackend" in named and "http://127.0.0.1:6081" in named


def test_only_the_pages_the_portal_shares_tell_the_proxy_to_keep_them(world, proxy, client_as):
    from django.test import Client

    site = world.school.site

    def get(client: Client):
        return client.get("/", HTTP_HOST=site.hostname, SERVER_PORT=str(site.port))

    rendered, copy = get(Client()), get(Client())
    assert rendered["X-Accel-Expires"] == copy["X-Accel-Expires"] == "60"
    assert "X-Accel-Expires" not in get(client_as("homeroom_teacher"))
    with override_settings(WAGTAILFRONTENDCACHE=None):
        assert "X-Accel-Expires" not in get(Client())
