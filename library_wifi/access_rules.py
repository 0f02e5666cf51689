"""The library_wifi plug-in's rules in the core's access policy (registered from its AppConfig.ready()).

``library_wifi.manage``: who may open the plug-in at all (its index page and its header link ask it).
Patrons use the Wi-Fi without signing in here; these pages (statistics, settings) are for the
librarians and the education centre's staff who run it.
"""

from __future__ import annotations

from school_portal.core.access import Actor, policy
from school_portal.core.models import Role


def _manages_library_wifi(actor: Actor) -> bool:
    return actor.has_role(Role.LIBRARIAN) or actor.is_centre_staff


def register() -> None:
    policy.register_capability("library_wifi.manage", check=_manages_library_wifi)
