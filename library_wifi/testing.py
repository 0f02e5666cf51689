"""Builders of the library Wi-Fi for tests, seeding and the benchmark (never imported when the portal starts)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
from urllib.parse import quote, urlencode

from wagtail.models import Locale, Page

from school_portal.core.models import Library

from .adapters import coova_md, opennds_encrypt
from .models import Gateway, LibraryIndexPage, LibraryPortalPage, TermsPage

FASKEY = "c775e7b757ede630cd0aa1113bd102661ab38829ca52a6422ab782862f268646"
UAMSECRET = "library-uam-secret"
TERMS_JA = "<h2>利用規約</h2><p>図書館の無料Wi-Fiは、法令と公序良俗に反しない範囲でご利用ください。</p>"


def index_page() -> LibraryIndexPage:
    existing = LibraryIndexPage.objects.filter(locale=Locale.get_default()).first()
    if existing:
        return existing
    root = Page.get_first_root_node()
    page = LibraryIndexPage(title="図書館Wi-Fi", slug="library-wifi")
    root.add_child(instance=page)
    page.save_revision().publish()
    return page


def terms_page(body: str = TERMS_JA) -> TermsPage:
    parent = index_page()
    page = TermsPage.objects.child_of(parent).first()
    if page is None:
        page = TermsPage(title="利用規約", slug="terms", body=body)
        parent.add_child(instance=page)
    else:
        page.body = body
    page.save_revision().publish()
    return TermsPage.objects.get(pk=page.pk)


def portal_page(library: Library, **fields) -> LibraryPortalPage:
    parent = index_page()
    page = LibraryPortalPage.objects.filter(library=library, locale=Locale.get_default()).first()
    if page is None:
        page = LibraryPortalPage(
            title=library.name,
            slug=library.slug,
            library=library,
            address=fields.pop("address", "大阪市北区中之島1-1-1"),
            closing_days=fields.pop("closing_days", "毎週月曜日、年末年始"),
            hours=[
                ("hours", {"days": "火〜金", "opens": datetime.time(9, 30), "closes": datetime.time(20, 0)}),
                ("hours", {"days": "土・日・祝", "opens": datetime.time(9, 30), "closes": datetime.time(17, 0)}),
            ],
            **fields,
        )
        parent.add_child(instance=page)
        page.save_revision().publish()
    return LibraryPortalPage.objects.get(pk=page.pk)


def gateway(library: Library, kind: str, **fields) -> Gateway:
    defaults = {
        Gateway.Kind.OPENNDS: {"secret": FASKEY, "allowed_hosts": "192.168.8.1:2050", "opennds_gateway_name": "lib-gw"},
        Gateway.Kind.COOVA: {
            "secret": UAMSECRET,
            "allowed_hosts": "10.1.0.1:3990",
            "login_username": "guest",
            "login_password": "guest-pass",
        },
        Gateway.Kind.MERAKI: {"allowed_hosts": "*.network-auth.com"},
        Gateway.Kind.UNIFI: {
            "controller_url": "http://127.0.0.1:1",
            "login_username": "portal",
            "login_password": "controller-pass",
            "controller_site": "default",
        },
    }[kind]
    return Gateway.objects.create(library=library, kind=kind, **{"name": f"{kind} gateway", **defaults, **fields})


def random_mac() -> str:
    return ":".join(f"{b:02x}" for b in secrets.token_bytes(6))


# --- what each gateway sends (the parameters of its redirect) ----------------------------------------------


def opennds_fas_fields(gateway: Gateway, *, hid: str | None = None, mac: str | None = None, **overrides) -> str:
    fields = {
        "clientip": "192.168.8.23",
        "clientmac": mac or random_mac(),
        "client_type": "cpd_can",
        "gatewayname": gateway.opennds_gateway_name,
        "gatewayurl": quote("http://192.168.8.1:2050/"),
        "version": "10.3.0",
        "hid": hid or secrets.token_hex(32),
        "gatewayaddress": "192.168.8.1:2050",
        "gatewaymac": "0a:0b:0c:0d:0e:0f",
        "authdir": "opennds_auth",
        "originurl": quote("http://example.com/news?a=1&b=2", safe=""),
        "clientif": "br-lan",
        **overrides,
    }
    return ", ".join(f"{k}={v}" for k, v in fields.items())


def opennds_query(gateway: Gateway, **kwargs) -> dict[str, str]:
    plain = opennds_fas_fields(gateway, **kwargs)
    if gateway.opennds_level == 3:
        iv = secrets.token_hex(8)
        return {"fas": opennds_encrypt(plain, iv, gateway.secret), "iv": iv}
    return {"fas": base64.b64encode(plain.encode()).decode()}


def coova_query(
    gateway: Gateway, *, base_url: str, challenge: str | None = None, mac: str | None = None, **overrides
) -> str:
    """CoovaChilli's redirect query, signed as chilli signs it (``md`` over the URL and the uamsecret)."""
    params = {
        "res": "notyet",
        "uamip": "10.1.0.1",
        "uamport": "3990",
        "challenge": challenge or secrets.token_hex(16),
        "called": "00-11-22-33-44-55",
        "mac": (mac or random_mac()).replace(":", "-").upper(),
        "ip": "10.1.0.7",
        "nasid": "library-nas",
        "sessionid": "5f1a2b3c00000001",
        "userurl": "http://example.com/",
        **overrides,
    }
    query = urlencode(params)
    return f"{query}&md={coova_md(f'{base_url}?{query}', gateway.secret)}"


def meraki_query(**overrides) -> dict[str, str]:
    return {
        "base_grant_url": "https://n143.network-auth.com/splash/grant",
        "user_continue_url": "http://example.com/",
        "node_id": "149624921787028",
        "node_mac": "88:15:44:50:0a:94",
        "gateway_id": "149624921787028",
        "client_ip": "10.110.154.195",
        "client_mac": random_mac(),
        **overrides,
    }


def unifi_query(*, when: float, mac: str | None = None, **overrides) -> dict[str, str]:
    return {
        "id": mac or random_mac(),
        "ap": "80:2a:a8:00:00:01",
        "t": str(int(when)),
        "url": "http://example.com/",
        "ssid": "City-Library-Free",
        **overrides,
    }


def rhid(hid: str, faskey: str = FASKEY) -> str:
    return hashlib.sha256((hid + faskey).encode()).hexdigest()
