"""Live notifications: a signed-in user's open dashboards receive the events the plug-ins push to them.

A plug-in calls :func:`notify_user` (a plain sync service, safe from views, services and background tasks);
every socket the user has open at ``ws/notifications/`` receives the event, in whichever Daphne process it
is held: with ``REDIS_URL`` set the channel layer is Redis, so one worker may notify a user connected to
another.

The socket is the browser's to read, not to talk on: the client may only send a small ``{"type": "ping"}``.
Its defences, each with its own close code the browser's script understands:

- not signed in: closed with :data:`CLOSE_UNAUTHENTICATED` (4401) straight after the handshake;
- a message over ``REALTIME_MAX_MESSAGE_BYTES``: closed with 1009 (the standard "message too big");
- more than ``REALTIME_MAX_MESSAGES_PER_SECOND`` messages within one second: closed with
  :data:`CLOSE_FLOOD` (4429). Each socket counts its own messages, so a flood closes only the flooding socket;
- signing out (of this browser session) closes the sockets opened with that session, with 4401;
- the channel layer unreachable (Redis down): closed with :data:`CLOSE_TRY_AGAIN` (1013, "try again later"),
  never a failed handshake. The browser reconnects with backoff, so live updates pause and resume once Redis
  answers again, with the socket's groups joined afresh (a restarted Redis has forgotten them).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.urls import path

from .access import policy
from .cache import OUTAGE_ERRORS

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FLOOD = 4429
CLOSE_TOO_BIG = 1009
CLOSE_UNSUPPORTED = 1003
CLOSE_TRY_AGAIN = 1013

logger = logging.getLogger(__name__)

EVENT_MESSAGE_TYPE = "portal.event"
SESSION_END_MESSAGE_TYPE = "portal.session_end"


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's open sockets."""
    return f"portal.user.{int(user_id)}"


def session_group(session_key: str) -> str:
    """The channel-layer group of the sockets opened with one browser session."""
    return f"portal.session.{session_key}"


def notify_user(*, user_id: int, event: dict[str, Any]) -> None:
    """Push ``event`` to every socket ``user_id`` has open (none open: nothing happens, nothing is kept).

    ``event`` is a JSON-serialisable dict; by convention ``{"kind": "...", "message": "<translated text>",
    "url": "/optional/link/"}``: the browser shows ``message`` and links to ``url``. Call it from sync code
    (views, services, tasks); from async code use :func:`anotify_user`. Best effort: the event must also be
    stored by the plug-in (a notice, a reminder), as an unreachable channel layer only logs a warning.
    """
    async_to_sync(anotify_user)(user_id=user_id, event=event)


async def anotify_user(*, user_id: int, event: dict[str, Any]) -> None:
    """The async form of :func:`notify_user`, for consumers and other async code."""
    if not isinstance(event, dict):
        raise TypeError("event must be a dict")
    json.dumps(event)  # fail here, in the caller, rather than in every consumer
    await _send(user_group(user_id), {"type": EVENT_MESSAGE_TYPE, "event": event})


def end_user_sockets(*, user_id: int) -> None:
    """Close every live socket of ``user_id`` (their sign-in was revoked, e.g. a student's badge was reset)."""
    async_to_sync(_send)(user_group(user_id), {"type": SESSION_END_MESSAGE_TYPE})


async def _send(group: str, message: dict[str, Any]) -> None:
    """Best effort: a live notification is a convenience on top of what is stored, so an unreachable channel
    layer (Redis restarting) is logged and never fails the publishing, signing-out or task that sent it."""
    try:
        await get_channel_layer().group_send(group, message)
    except Exception:
        logger.warning("live notification to %s not sent: channel layer unreachable", group, exc_info=True)


def max_message_bytes() -> int:
    return settings.REALTIME_MAX_MESSAGE_BYTES


def max_messages_per_second() -> int:
    return settings.REALTIME_MAX_MESSAGES_PER_SECOND


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """One browser tab's live notifications."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        # The consumer also listens on the channel layer: with Redis down that listening fails, at the handshake
        # or later. Close (before the handshake: refuse) rather than crash into a 500 or a bare 1011.
        try:
            await super().__call__(scope, receive, send)
        except OUTAGE_ERRORS:
            logger.warning("live socket closed: channel layer unreachable", exc_info=True)
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})

    async def connect(self) -> None:
        self.joined: list[str] = []
        self.window_start = time.monotonic()
        self.window_count = 0
        # Accept first, so the browser is told why (4401) and its script stops reconnecting.
        await self.accept()
        actor = policy.actor(self.scope.get("user"))
        if not actor.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.joined.append(user_group(actor.user.pk))
        session = self.scope.get("session")
        session_key = getattr(session, "session_key", None)
        if session_key:
            self.joined.append(session_group(session_key))
        try:
            for group in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
        except OUTAGE_ERRORS:
            logger.warning("live socket closed: channel layer unreachable", exc_info=True)
            await self._close(CLOSE_TRY_AGAIN)

    async def disconnect(self, code: int) -> None:
        try:
            for group in getattr(self, "joined", []):
                await self.channel_layer.group_discard(group, self.channel_name)
        except OUTAGE_ERRORS:
            pass  # the memberships expire in Redis on their own (group_expiry)
        self.joined = []

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if self._flooding():
            await self._close(CLOSE_FLOOD)
            return
        size = len(bytes_data) if bytes_data is not None else len((text_data or "").encode("utf-8"))
        if size > max_message_bytes():
            await self._close(CLOSE_TOO_BIG)
            return
        if text_data is None:
            await self._close(CLOSE_UNSUPPORTED)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._close(CLOSE_UNSUPPORTED)
            return
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "error": "unsupported"})

    async def portal_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "event", "event": message["event"]})

    async def portal_session_end(self, message: dict[str, Any]) -> None:
        await self._close(CLOSE_UNAUTHENTICATED)

    def _flooding(self) -> bool:
        now = time.monotonic()
        if now - self.window_start >= 1.0:
            self.window_start, self.window_count = now, 0
        self.window_count += 1
        return self.window_count > max_messages_per_second()

    async def _close(self, code: int) -> None:
        await self.disconnect(code)
        await self.close(code=code)


@receiver(user_logged_out, dispatch_uid="core.realtime.close_on_logout")
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing out closes the live sockets of that browser session (a shared classroom PC stops receiving)."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        async_to_sync(_send)(session_group(session_key), {"type": SESSION_END_MESSAGE_TYPE})


websocket_urlpatterns = [path("ws/notifications/", NotificationConsumer.as_asgi(), name="notifications")]
