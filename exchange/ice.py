"""The STUN/TURN servers a call's browsers use, from the settings, with coturn's time-limited credentials.

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
import time
from typing import Any

from django.conf import settings


def turn_credentials(*, user_id: int, secret: str, ttl: int, now: float | None = None) -> tuple[str, str]:
    username = f"{int((now or time.time()) + ttl)}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(*, user_id: int) -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    stun = list(getattr(settings, "EXCHANGE_STUN_URLS", []))
    if stun:
        servers.append({"urls": stun})
    turn, secret = list(getattr(settings, "EXCHANGE_TURN_URLS", [])), getattr(settings, "EXCHANGE_TURN_SECRET", "")
    if turn and secret:
        username, credential = turn_credentials(
            user_id=user_id, secret=secret, ttl=int(getattr(settings, "EXCHANGE_TURN_TTL", 4 * 3600))
        )
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers
