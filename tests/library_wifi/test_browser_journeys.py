"""Real-browser journeys (Debian Chromium): a visitor's phone through each kind of gateway, the board's disaster
switch, a librarian editing their library's page. Every page visited passes axe; the splash page makes no
request off the portal (the visitor has no Internet yet) and weighs under 30 KB with everything it loads."""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from library_wifi import testing
from library_wifi.models import Gateway, LibraryPortalPage
from school_portal.core.models import Library
from tests.browser.harness import PHONE, Portal, axe_check, has_horizontal_scroll, sign_in

from .conftest import Controller

pytestmark = pytest.mark.browser

SPLASH_BUDGET_BYTES = 30 * 1024


class Network:
    """Every request of a browser profile: the portal's pass, a gateway's answer is played here (its HTTP
    boundary), anything else is recorded as external and refused."""

    def __init__(self, portal_host: str) -> None:
        self.portal_host = portal_host
        self.external: list[str] = []
        self.gateway_hits: list[str] = []
        self.portal_bytes = 0

    def handle(self, route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).netloc
        if host == self.portal_host:
            route.continue_()
        elif host in {"192.168.8.1:2050", "10.1.0.1:3990", "n143.network-auth.com", "example.com"}:
            self.gateway_hits.append(url)
            route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body='<!DOCTYPE html><html lang="en"><head><title>Gateway</title></head>'
                "<body><main><h1>Internet access granted</h1></main></body></html>",
            )
        else:
            self.external.append(url)
            route.abort()


def _splash_url(portal: Portal, gateway: Gateway, mac: str | None = None) -> str:
    """Where the gateway sends a client (``mac``: the same device again), with a fresh handshake."""
    base = f"{portal.url}/library-wifi/portal/{gateway.key}/"
    mac = mac or testing.random_mac()
    if gateway.kind == Gateway.Kind.OPENNDS:
        return f"{base}?{urlencode(testing.opennds_query(gateway, mac=mac))}"
    if gateway.kind == Gateway.Kind.COOVA:
        return f"{base}?{testing.coova_query(gateway, base_url=base, mac=mac)}"
    if gateway.kind == Gateway.Kind.MERAKI:
        return f"{base}?{urlencode(testing.meraki_query(client_mac=mac))}"
    return f"{base}?{urlencode(testing.unifi_query(when=time.time(), mac=mac))}"


GRANTED = {
    Gateway.Kind.OPENNDS: re.compile(r"^http://192\.168\.8\.1:2050/opennds_auth/\?tok=[0-9a-f]{64}&redir="),
    Gateway.Kind.COOVA: re.compile(r"^http://10\.1\.0\.1:3990/logon\?username=guest&password=[0-9a-f]{32}&"),
    Gateway.Kind.MERAKI: re.compile(r"^https://n143\.network-auth\.com/splash/grant\?continue_url=.*&duration=3600$"),
    Gateway.Kind.UNIFI: re.compile(r"^http://example\.com/$"),
}


def _visit(page: Page, network: Network, url: str) -> None:
    network.portal_bytes = 0

    def count(response) -> None:
        if urlsplit(response.url).netloc == network.portal_host:
            network.portal_bytes += len(response.body())

    page.on("response", count)
    page.goto(url)
    page.wait_for_load_state("load")
    page.remove_listener("response", count)


def _extend_the_session(phone: Page, portal: Portal, gateway: Gateway) -> None:
    """Later, the visitor opens the portal again (RFC 8908's user-portal-url) and extends their session."""
    phone.goto(f"{portal.url}/library-wifi/portal/{gateway.key}/")
    expect(phone.get_by_role("status")).to_contain_text("まで接続しています")
    axe_check(phone)
    phone.get_by_role("link", name=re.compile("利用時間の確認・延長")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Wi-Fiの利用時間")
    expect(phone.locator("main")).to_contain_text("残り59分")
    assert not has_horizontal_scroll(phone)
    axe_check(phone)
    phone.get_by_role("button", name="今から60分延長する").click()
    expect(phone.get_by_role("status")).to_contain_text("延長しました")
    axe_check(phone)


def _continue_the_session(phone: Page, network: Network, portal: Portal, gateway: Gateway, mac: str) -> None:
    """The gateway's own timer (set at the grant) runs out before the extended session: it sends the same device
    back to the portal, which offers to continue without the terms."""
    _visit(phone, network, _splash_url(portal, gateway, mac))
    expect(phone.get_by_role("status")).to_contain_text("Wi-Fiを続けて使えます")
    expect(phone.get_by_label("利用規約を読み、同意します")).to_have_count(0)
    assert not has_horizontal_scroll(phone)
    axe_check(phone)
    phone.get_by_role("button", name="この続きで接続する").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Internet access granted")
    assert GRANTED[gateway.kind].match(network.gateway_hits[-1]), network.gateway_hits[-1]


def test_a_visitor_connects_on_a_phone_through_each_kind_of_gateway_and_in_disaster_mode(
    portal: Portal, new_context, open_page, controller
) -> None:
    Gateway.objects.filter(kind=Gateway.Kind.UNIFI).update(controller_url=controller)
    network = Network(f"localhost:{portal.port}")
    for kind in Gateway.Kind.values:
        context = new_context(**PHONE)
        context.route("**/*", network.handle)
        phone = context.new_page()
        gateway = Gateway.objects.filter(kind=kind).first()
        mac = testing.random_mac()
        _visit(phone, network, _splash_url(portal, gateway, mac))

        expect(phone.get_by_role("heading", level=1)).to_contain_text("図書館の無料Wi-Fiへようこそ")
        expect(phone.locator("main")).to_contain_text("開館時間")
        assert network.external == [], network.external
        assert network.portal_bytes < SPLASH_BUDGET_BYTES, network.portal_bytes
        assert not has_horizontal_scroll(phone)
        axe_check(phone)

        # Without ticking the box, the browser itself asks for it (required); the visitor ticks and connects.
        phone.get_by_label("利用規約を読み、同意します").check()
        phone.get_by_role("button", name="インターネットに接続する").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Internet access granted")
        assert GRANTED[kind].match(network.gateway_hits[-1]), network.gateway_hits[-1]
        assert network.external == [], network.external
        if kind == Gateway.Kind.MERAKI:
            _extend_the_session(phone, portal, gateway)
            _continue_the_session(phone, network, portal, gateway, mac)
    assert Controller.calls[-1][1]["cmd"] == "authorize-guest"

    # A visitor switches to English: the page in English, the library's own text translated; then to Korean.
    english = new_context(**PHONE)
    english.route("**/*", network.handle)
    page = english.new_page()
    _visit(page, network, _splash_url(portal, Gateway.objects.get(library__slug="central-library")))
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the library's free Wi-Fi")
    expect(page.locator("main")).to_contain_text("stocktaking days")
    page.get_by_role("link", name="한국어").click()
    expect(page.get_by_role("button", name="인터넷에 연결")).to_be_visible()
    axe_check(page)

    # The board opens every library's Wi-Fi in one action.
    board = open_page()
    sign_in(board, portal, "centre-staff")
    board.goto(f"{portal.url}/library-wifi/")
    axe_check(board)
    board.get_by_role("button", name=re.compile("すべての図書館のWi-Fiを開放する")).click()
    expect(board.get_by_role("status")).to_contain_text("災害モード実施中")
    axe_check(board)

    context = new_context(**PHONE)
    context.route("**/*", network.handle)
    phone = context.new_page()
    _visit(phone, network, _splash_url(portal, Gateway.objects.filter(kind=Gateway.Kind.MERAKI).first()))
    expect(phone.get_by_role("status")).to_contain_text("00000JAPAN")
    expect(phone.get_by_label("利用規約を読み、同意します")).to_have_count(0)
    axe_check(phone)
    phone.get_by_role("button", name="インターネットに接続する").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Internet access granted")


def test_a_refused_handshake_is_a_clear_accessible_page(portal: Portal, open_page) -> None:
    phone = open_page(**PHONE)
    gateway = Gateway.objects.filter(kind=Gateway.Kind.MERAKI).first()
    phone.goto(f"{portal.url}/library-wifi/portal/{gateway.key}/?base_grant_url=https://evil.example/grant")
    expect(phone.get_by_role("alert")).to_contain_text("図書館のものではありません")
    axe_check(phone)


def test_a_librarian_edits_their_librarys_page_and_visitors_see_it(portal: Portal, desktop: Page) -> None:
    library = Library.objects.get(slug="central-library")
    page = LibraryPortalPage.objects.get(library=library, locale__language_code="ja")
    desktop.goto(f"{portal.url}/admin/login/")
    desktop.locator("#id_username").fill("librarian-central")
    desktop.locator("#id_password").fill(portal.password)
    desktop.locator("main form button[type=submit]").click()
    expect(desktop).to_have_url(re.compile(r"/admin/$"))

    desktop.goto(f"{portal.url}/admin/pages/{page.pk}/edit/")
    desktop.locator("#id_closing_days").fill("12月28日〜1月4日は休館します")
    desktop.locator("footer").get_by_role("button", name=re.compile("他のアクション|More actions")).click()
    desktop.locator('footer button[name="action-publish"]').click()
    expect(desktop.locator(".messages")).to_contain_text("中央図書館", timeout=15000)

    desktop.goto(f"{portal.url}/library-wifi/library/central-library/")
    expect(desktop.locator("main")).to_contain_text("12月28日〜1月4日は休館します")
    axe_check(desktop)

    other = LibraryPortalPage.objects.exclude(library=library).filter(locale__language_code="ja").first()
    desktop.goto(f"{portal.url}/admin/pages/{other.pk}/edit/")
    expect(desktop).to_have_url(re.compile(r"/admin/$"))
