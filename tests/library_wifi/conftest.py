"""A city with one library, its Wi-Fi page and terms, and a gateway of each kind; a visitor's phone (a client
that enforces CSRF as a browser does)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client

from library_wifi import testing
from library_wifi.models import Gateway, LibraryPortalPage, TermsPage
from school_portal.core.models import City, Library

BASE = "http://testserver"


@dataclass
class Wifi:
    city: City
    library: Library
    page: LibraryPortalPage
    terms: TermsPage
    opennds: Gateway
    opennds3: Gateway
    coova: Gateway
    meraki: Gateway
    unifi: Gateway


@pytest.fixture
def wifi(db) -> Wifi:
    city = City.objects.create(name="みなと市", slug="minato")
    library = Library.objects.create(
        city=city, name="北区中央図書館", name_en="Kita Central Library", slug="kita-central"
    )
    return Wifi(
        city=city,
        library=library,
        page=testing.portal_page(library),
        terms=testing.terms_page(),
        opennds=testing.gateway(library, Gateway.Kind.OPENNDS),
        opennds3=testing.gateway(
            library, Gateway.Kind.OPENNDS, opennds_level=3, allowed_hosts="", opennds_gateway_name="lib-gw-3"
        ),
        coova=testing.gateway(library, Gateway.Kind.COOVA),
        meraki=testing.gateway(library, Gateway.Kind.MERAKI),
        unifi=testing.gateway(library, Gateway.Kind.UNIFI),
    )


@pytest.fixture
def phone() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


def portal_url(gateway: Gateway) -> str:
    return f"/library-wifi/portal/{gateway.key}/"


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def accept(phone: Client, gateway: Gateway, splash_html: str, *, agree: bool = True, **extra):
    data = form_fields(splash_html)
    if agree:
        data["agree"] = "yes"
    data.update(extra)
    return phone.post(f"{portal_url(gateway)}accept/", data)


def refresh_target(html: str) -> str:
    match = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', html)
    assert match, html
    return match.group(1).replace("&amp;", "&")


class Controller(BaseHTTPRequestHandler):
    """A UniFi controller's HTTP boundary: /api/login and /api/s/<site>/cmd/stamgr."""

    calls: list = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Controller.calls.append((self.path, body, self.headers.get("Cookie", "")))
        if self.path == "/api/login":
            self.send_response(200)
            self.send_header("Set-Cookie", "unifises=s3ss10n; Path=/")
            payload = {"meta": {"rc": "ok"}, "data": []}
        elif self.path == "/api/s/default/cmd/stamgr" and "unifises=s3ss10n" in self.headers.get("Cookie", ""):
            self.send_response(500 if Controller.fail else 200)
            payload = {"meta": {"rc": "error" if Controller.fail else "ok"}, "data": []}
        else:
            self.send_response(401)
            payload = {"meta": {"rc": "error", "msg": "api.err.LoginRequired"}}
        data = json.dumps(payload).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def controller():
    Controller.calls = []
    Controller.fail = False
    server = HTTPServer(("127.0.0.1", 0), Controller)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
