"""The library_wifi plug-in's rows of the permission matrix (test code: only the tests import it).

The captive-portal pages (``portal``, ``accept``, ``wait``, the RFC 8908 API, the library's page) are public by
design and show no personal data: a gateway sends visitors there before anyone could sign in. The rows below are
a visitor's own session (no account reaches it) and the pages of those who run the Wi-Fi."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase
from school_portal.core.testing.world import World

MANAGERS = frozenset({"librarian", "centre_staff"})
BOARD = frozenset({"centre_staff"})


def _gateway_edit(world: World) -> str:
    return reverse("library_wifi_gateways:edit", args=[_meraki_gateway(world).pk])


def _meraki_gateway(world: World):
    from .models import Gateway

    gateway, _ = Gateway.objects.get_or_create(
        library=world.library, name="matrix gateway", defaults={"kind": Gateway.Kind.MERAKI}
    )
    return gateway


def _visitors_form(name: str, *, ok_status: tuple[int, ...]) -> PermissionCase:
    """A form of the visitor's own session, posted by each role of the matrix: nobody's account reaches it."""
    return PermissionCase(
        f"library_wifi.{name}",
        lambda w: reverse(f"library_wifi:{name}", args=[_meraki_gateway(w).key]),
        frozenset(),
        method="post",
        data=lambda w: {},
        ok_status=ok_status,
    )


def cases() -> list[PermissionCase]:
    return [
        # A visitor's own Wi-Fi session: only the browser holding its token (a cookie the portal set at the accept)
        # sees or extends it. No account reaches anyone's session: every role of the matrix is refused (404).
        PermissionCase(
            "library_wifi.session",
            lambda w: reverse("library_wifi:session", args=[_meraki_gateway(w).key]),
            frozenset(),
        ),
        _visitors_form("session_renew", ok_status=(303,)),
        _visitors_form("session_resume", ok_status=(200, 302)),
        PermissionCase("library_wifi.index", lambda w: reverse("library_wifi:index"), MANAGERS),
        PermissionCase(
            "library_wifi.disaster",
            lambda w: reverse("library_wifi:disaster"),
            BOARD,
            method="post",
            data=lambda w: {"active": "off"},
            ok_status=(302,),
        ),
        # Wagtail admin: the gateways and their secrets, for the education centre's staff only.
        PermissionCase("library_wifi.gateways", lambda w: reverse("library_wifi_gateways:index"), BOARD),
        PermissionCase("library_wifi.gateway_edit", _gateway_edit, BOARD),
        # The use dashboard: the board here; a librarian reaches the admin once their library has its Wi-Fi page
        # (its editors group, tests/library_wifi/test_dashboard.py), which the shared world does not build.
        PermissionCase("library_wifi.dashboard", lambda w: reverse("library_wifi_usage:index"), BOARD),
    ]


def exact_rule_objects(world: World) -> None:
    """A second library, with no staff of the shared world, for the proof of ``library_wifi.see_use``."""
    from school_portal.core.models import Library

    Library.objects.get_or_create(city=world.city, slug="m-north", defaults={"name": "北図書館"})
