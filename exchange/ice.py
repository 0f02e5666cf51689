"""The STUN/TURN servers a call's browsers use, from the settings (or the environment variables of the same
names), with coturn's time-limited credentials.

- ``EXCHANGE_STUN_URLS``: e.g. ``["stun:turn.example.org:3478"]`` (none by default: no request leaves the city's
  network unless configured; two browsers on one network connect with host candidates).
- ``EXCHANGE_TURN_URLS`` and ``EXCHANGE_TURN_SECRET``: coturn with ``use-auth-secret`` / ``static-auth-secret``
  (its "TURN REST API"): the username is ``<expiry unix time>:<user id>``, the password
  ``base64(HMAC-SHA1(secret, username))``, valid ``EXCHANGE_TURN_TTL`` seconds (default 4 hours), so no long-lived
  TURN password ever reaches a browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from typing import Any

from django.conf import settings


def _setting(name: str, default: str = "") -> Any:
    """A Django setting, else the environment variable of that name (lists comma-separated)."""
    if hasattr(settings, name):
        return getattr(settings, name)
    value = os.environ.get(name, default)
    return [part.strip() for part in value.split(",") if part.strip()] if name.endswith("_URLS") else value


def turn_credentials(*, user_id: int, secret: str, ttl: int, now: float | None = None) -> tuple[str, str]:
    username = f"{int((now or time.time()) + ttl)}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(*, user_id: int) -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    stun = list(_setting("EXCHANGE_STUN_URLS"))
    if stun:
        servers.append({"urls": stun})
    turn, secret = list(_setting("EXCHANGE_TURN_URLS")), _setting("EXCHANGE_TURN_SECRET")
    if turn and secret:
        username, credential = turn_credentials(
            user_id=user_id, secret=secret, ttl=int(_setting("EXCHANGE_TURN_TTL", str(4 * 3600)))
        )
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers
