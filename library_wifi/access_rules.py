"""The library_wifi plug-in's rules in the core's access policy (registered from its AppConfig.ready()).

``library_wifi.manage``: who may open the plug-in at all (its index page and its header link ask it): librarians
(their library) and the education centre's staff (every library). ``library_wifi.disaster``: the board's switch
that opens every library's Wi-Fi without terms. Patrons use the Wi-Fi without signing in; the captive-portal pages
show no personal data.
"""

from __future__ import annotations

from django.db.models import QuerySet

from school_portal.core.access import Actor, policy
from school_portal.core.models import Library, Role


def _manages_library_wifi(actor: Actor) -> bool:
    return actor.has_role(Role.LIBRARIAN) or actor.is_centre_staff


def _switches_disaster_mode(actor: Actor) -> bool:
    return actor.is_centre_staff


def _registers_gateways(actor: Actor) -> bool:
    return actor.is_centre_staff


def _sees_use(actor: Actor, library: Library) -> bool:
    return actor.is_centre_staff or library.pk in actor.libraries_with(Role.LIBRARIAN)


def _sees_use_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(pk__in=actor.libraries_with(Role.LIBRARIAN))


def register() -> None:
    # A library's gateways and use (index, admin dashboard): its librarians; the board sees every library.
    policy.register(Library, "library_wifi.see_use", check=_sees_use, scope=_sees_use_scope, exact=True)
    policy.register_capability("library_wifi.manage", check=_manages_library_wifi)
    policy.register_capability("library_wifi.disaster", check=_switches_disaster_mode)
    policy.register_capability("library_wifi.gateways", check=_registers_gateways)
