"""Live updates: what the server pushes to the sockets of signed-in people, and the consumer every socket uses.

Sending (plain sync services, safe from views, services and background tasks; the ``a``-prefixed forms are for
async code):

- :func:`notify_user` reaches every socket one user has open, in whichever Daphne process it is held (with
  ``REDIS_URL`` set the channel layer is Redis, so one worker may notify a user connected to another);
- :func:`notify_group` reaches every socket that joined a group (:func:`notify_groups`: one event to several
  groups, sent concurrently). Name groups with :func:`group_name`
  (``group_name("exchange", session.pk)``) or the core's helpers :func:`user_group`, :func:`class_group_name`,
  :func:`school_group_name`. Nothing is kept for people who are offline: what matters is also stored by the
  plug-in (a notice, a sheet's feedback), and the socket only makes it appear at once.

Receiving: :class:`PortalConsumer` is the base of every consumer (the core's :class:`NotificationConsumer`,
a plug-in's board). It carries the guards, so that a plug-in's consumer declares only which groups a socket
joins (:meth:`PortalConsumer.groups_for`) and, if it listens at all, what it does with a message
(:meth:`PortalConsumer.receive_json`). The close codes, all in the application range that Daphne (autobahn)
accepts from an application (1000 or 3000-4999; a 1003 or 1009 would be refused and end as 1011 with a
traceback), are the browser script's to read (``static/core/live.js``):

=====  =========================  ==================================================  ====================
code   name                       when                                                the browser script
=====  =========================  ==================================================  ====================
4400   CLOSE_BAD_MESSAGE          a message that is not JSON text, or nested deeper   reconnects
                                  than ``max_json_depth``
4401   CLOSE_UNAUTHENTICATED      not signed in (straight after the handshake); or    stops
                                  signed out / badge reset while the socket is open
4403   CLOSE_FORBIDDEN            signed in, but :meth:`groups_for` refused           stops
4413   CLOSE_TOO_BIG              a message over ``REALTIME_MAX_MESSAGE_BYTES``       reconnects
4429   CLOSE_FLOOD                more than ``REALTIME_MAX_MESSAGES_PER_SECOND``      reconnects (backoff)
                                  messages within one second (per socket)
4503   CLOSE_UNAVAILABLE          the channel layer (Redis) could not be reached, to  reconnects (backoff)
                                  join the groups or while listening
=====  =========================  ==================================================  ====================

The origin check (``AllowedHostsOriginValidator``) and the session (:func:`portal_auth_stack`, Channels'
``AuthMiddlewareStack`` reading users concurrently) are the ASGI stack's, around every route
(``school_portal/asgi.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.auth import AuthMiddleware, get_user
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import close_old_connections
from django.dispatch import receiver
from django.urls import path

from .access import Actor, policy
from .cache import OUTAGE_ERRORS
from .models import ClassGroup

CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_BIG = 4413
CLOSE_FLOOD = 4429
CLOSE_UNAVAILABLE = 4503

logger = logging.getLogger(__name__)

EVENT_MESSAGE_TYPE = "portal.event"
SESSION_END_MESSAGE_TYPE = "portal.session_end"

# Channels' rule for group names: ASCII letters, digits, "-", "_", "." and shorter than 100 characters.
_GROUP_NAME = re.compile(r"^[a-zA-Z\d\-_.]{1,99}$")
_KIND = re.compile(r"^[a-z][a-z\d_]*(\.[a-z][a-z\d_]*)*$")
_KEY = re.compile(r"^[a-zA-Z\d\-_]+$")


# --- group names ------------------------------------------------------------------------------------------


def group_name(kind: str, key: int | str) -> str:
    """The channel-layer group ``portal.<kind>.<key>``, e.g. ``group_name("exchange.session", 12)``.

    ``kind`` is lower-case words joined by dots (a plug-in's own kinds start with its name: ``exchange.board``,
    ``library_wifi.library``); ``key`` an id or a short token of letters, digits, ``-`` and ``_``. The result
    obeys Channels' group-name rules (ASCII, under 100 characters), checked here, so a bad name fails in the
    caller rather than inside the channel layer.
    """
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise ValueError(f"group kind {kind!r}: lower-case words joined by dots, e.g. 'exchange.board'")
    if isinstance(key, bool) or not isinstance(key, int | str) or not _KEY.match(str(key)):
        raise ValueError(f"group key {key!r}: an id, or letters, digits, '-' and '_'")
    name = f"portal.{kind}.{key}"
    if not _GROUP_NAME.match(name):
        raise ValueError(f"group name {name!r} is longer than Channels allows (99 characters)")
    return name


def user_group(user_id: int) -> str:
    """The group of one user's open sockets (every tab, every device)."""
    return group_name("user", int(user_id))


def session_group(session_key: str) -> str:
    """The group of the sockets opened with one browser session (closed together when it signs out)."""
    return group_name("session", session_key)


def class_group_name(class_group_id: int) -> str:
    """The group of a class: the dashboards of its students and of its teachers (this school year)."""
    return group_name("class", int(class_group_id))


def school_group_name(school_id: int) -> str:
    """The group of a school: the dashboards of its teachers, school admins and students."""
    return group_name("school", int(school_id))


# --- sending ----------------------------------------------------------------------------------------------


def _run(function: Any, **kwargs: Any) -> None:
    """Run the async ``function`` to its end from sync code. A sync caller in a thread whose event loop is
    running (a sync library driven from async code, Playwright's tests, seed_demo under them) cannot block on
    that loop: the send then runs in a thread of its own, rather than failing the caller's commit hooks."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(function)(**kwargs)
        return
    with ThreadPoolExecutor(1) as pool:
        pool.submit(async_to_sync(function), **kwargs).result()


def notify_user(*, user_id: int, event: dict[str, Any]) -> None:
    """Push ``event`` to every socket ``user_id`` has open (none open: nothing happens, nothing is kept).

    ``event`` is a JSON-serialisable dict; by convention ``{"kind": "...", "message": "<translated text>",
    "url": "/optional/link/"}``: the browser shows ``message`` and links to ``url``. Call it from sync code
    (views, services, tasks); from async code use :func:`anotify_user`. Best effort: the event must also be
    stored by the plug-in (a notice, a reminder), as an unreachable channel layer only logs a warning.
    """
    _run(anotify_user, user_id=user_id, event=event)


async def anotify_user(*, user_id: int, event: dict[str, Any]) -> None:
    """The async form of :func:`notify_user`, for consumers and other async code."""
    await anotify_group(group=user_group(user_id), event=event)


def notify_group(*, group: str, event: dict[str, Any]) -> None:
    """Push ``event`` to every socket in ``group`` (a name from :func:`group_name` or its helpers).

    Same event convention and the same best effort as :func:`notify_user`. Everyone in the group sees the
    event: put in it only what every member may see (no child's name in a class-wide event).
    """
    _run(anotify_group, group=group, event=event)


async def anotify_group(*, group: str, event: dict[str, Any]) -> None:
    """The async form of :func:`notify_group`."""
    await anotify_groups(groups=[group], event=event)


def notify_groups(*, groups: Iterable[str], event: dict[str, Any]) -> None:
    """Push one ``event`` to several groups at once: the sends run concurrently, in one trip to the event loop.

    For a change several audiences watch (a booking seen by its school's staff, by the partner and by the
    city's staff): one fan-out, not one sequential :func:`notify_group` per audience, each waiting for the
    last. A socket that joined two of the groups gets the event twice: make the audiences of one event
    disjoint (a socket joins one group per board it shows). A name repeated in ``groups`` is sent once.
    """
    _run(anotify_groups, groups=list(groups), event=event)


async def anotify_groups(*, groups: Iterable[str], event: dict[str, Any]) -> None:
    """The async form of :func:`notify_groups`."""
    if not isinstance(event, dict):
        raise TypeError("event must be a dict")
    names = list(dict.fromkeys(groups))
    for group in names:
        if not isinstance(group, str) or not _GROUP_NAME.match(group):
            raise ValueError(f"not a group name: {group!r} (use group_name())")
    json.dumps(event)  # fail here, in the caller, rather than in every consumer
    message = {"type": EVENT_MESSAGE_TYPE, "event": event}
    await asyncio.gather(*(_send(group, message) for group in names))


def end_user_sockets(*, user_id: int) -> None:
    """Close every live socket of ``user_id`` (their sign-in was revoked, e.g. a student's badge was reset)."""
    _run(_send, group=user_group(user_id), message={"type": SESSION_END_MESSAGE_TYPE})


async def _send(group: str, message: dict[str, Any]) -> None:
    """Best effort: a live notification is a convenience on top of what is stored, so an unreachable channel
    layer (Redis restarting) is logged and never fails the publishing, signing-out or task that sent it."""
    try:
        await get_channel_layer().group_send(group, message)
    except Exception:
        logger.warning("live notification to %s not sent: channel layer unreachable", group, exc_info=True)


# --- receiving --------------------------------------------------------------------------------------------


def _read_in_thread(function: Any) -> Any:
    """``database_sync_to_async(function)`` in any of the executor's threads, its database connection closed
    when it returns (or kept per ``CONN_MAX_AGE``).

    Channels' own clean-up (``close_old_connections`` around the call) runs outside the context the function
    runs in, while Django keeps connections per context (asgiref's ``Local``): the connection a socket's
    handshake opened was never closed, and outlived the socket (and, in tests, the run: "database is being
    accessed by other users"). The clean-up here runs in the function's own context."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return database_sync_to_async(run, thread_sensitive=False)


class ConcurrentAuthMiddleware(AuthMiddleware):
    """Channels' ``AuthMiddleware``, reading the session's user in any of the executor's threads.

    Channels reads it "thread-sensitively", in one thread per process shared by every socket: a burst of a
    thousand handshakes (a class period starting) then queued behind each other until Daphne's handshake
    timeout dropped the late ones. The read itself is the same (``channels.auth.get_user``)."""

    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        scope["user"]._wrapped = await _read_in_thread(get_user.func)(scope)


def portal_auth_stack(inner: Any) -> Any:
    """``AuthMiddlewareStack`` (cookies, session, user) with the user read by :class:`ConcurrentAuthMiddleware`."""
    return CookieMiddleware(SessionMiddleware(ConcurrentAuthMiddleware(inner)))


class SocketForbidden(Exception):
    """Raised by :meth:`PortalConsumer.groups_for` to refuse a signed-in user (closed with 4403)."""


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON ``text`` nests arrays/objects deeper than ``limit``, found by scanning, not parsing
    (Python's parser itself would recurse, and give up with a RecursionError, on a 2,000-deep message)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class PortalConsumer(AsyncJsonWebsocketConsumer):
    """The base of every portal WebSocket consumer: who may connect, and what a socket may send.

    A subclass says which groups a socket joins (:meth:`groups_for`, plain sync code run in a thread, where the
    ORM and the access policy may be used) and, if the socket listens, what a message does (:meth:`receive_json`,
    given decoded JSON only). The base class:

    - closes a socket that is not signed in with 4401, one refused by :meth:`groups_for` with 4403;
    - joins the groups *before* completing the handshake, so that an open socket is already subscribed (an
      event sent right after the browser sees "open" is not lost), and leaves them on close;
    - delivers :func:`notify_user` / :func:`notify_group` events as ``{"type": "event", "event": {...}}``, and
      closes the socket with 4401 when the user's session ends;
    - closes with 4429 a socket sending more than ``max_messages_per_second``, with 4413 one sending more than
      ``max_message_bytes``, with 4400 one sending binary frames, text that is not JSON, or JSON nested deeper
      than ``max_json_depth`` (checked before parsing).

    The limits default to the settings ``REALTIME_MAX_MESSAGE_BYTES`` and ``REALTIME_MAX_MESSAGES_PER_SECOND``;
    a subclass may set smaller (or larger) class attributes.
    """

    max_message_bytes: int | None = None
    max_messages_per_second: int | None = None
    max_json_depth: int = 16

    def groups_for(self, actor: Actor) -> Iterable[str]:
        """The groups this socket joins; raise :class:`SocketForbidden` to refuse it (4403).

        Runs in a worker thread (``database_sync_to_async``) for a signed-in ``actor``; the URL's keyword
        arguments are in ``self.scope["url_route"]["kwargs"]``. The default joins the user's own group.
        """
        return [user_group(actor.user.pk)]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """A message from the browser, decoded. The default answers ``{"type": "ping"}`` with a pong."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "error": "unsupported"})

    # -- the machinery; subclasses should not need to override what follows --

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        # The consumer also listens on the channel layer: with Redis down that listening fails, at the handshake
        # or later. Close (before the handshake: refuse) rather than crash into a 500 or a bare 1011; the browser
        # reconnects with backoff and joins its groups afresh once Redis answers (a restarted Redis forgot them).
        try:
            await super().__call__(scope, receive, send)
        except OUTAGE_ERRORS:
            logger.warning("live socket closed: channel layer unreachable", exc_info=True)
            await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.joined: list[str] = []
        self.window_start = time.monotonic()
        self.window_count = 0
        # Channels joins `self.groups` before connect(); we join our own groups in connect(), after the checks.
        await super().websocket_connect(message)

    async def connect(self) -> None:
        actor = policy.actor(self.scope.get("user"))
        if not actor.is_authenticated:
            # Accept first, so the browser is told why (4401) and its script stops reconnecting.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            # Not thread-sensitive: a burst of handshakes (a class period starting) then reads in several threads
            # at once, instead of queueing behind each other in Channels' one shared thread.
            groups = await _read_in_thread(self._groups)(actor)
        except SocketForbidden:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        try:
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
                self.joined.append(group)
        except Exception:
            logger.warning("live socket refused: could not join its groups", exc_info=True)
            await self.accept()
            await self._close(CLOSE_UNAVAILABLE)
            return
        await self.accept()

    def _groups(self, actor: Actor) -> list[str]:
        groups = list(dict.fromkeys(self.groups_for(actor)))
        for group in groups:
            if not isinstance(group, str) or not _GROUP_NAME.match(group):
                raise ValueError(f"{type(self).__name__}.groups_for gave an invalid group name: {group!r}")
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            groups.append(session_group(session_key))
        return groups

    async def disconnect(self, code: int) -> None:
        joined, self.joined = getattr(self, "joined", []), []
        for group in joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                # The membership then lapses with the group expiry; the socket is gone either way.
                logger.warning("live socket left %s uncleanly: channel layer unreachable", group, exc_info=True)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if self._flooding():
            await self._close(CLOSE_FLOOD)
            return
        size = len(bytes_data) if bytes_data is not None else len((text_data or "").encode("utf-8"))
        if size > self._limit("max_message_bytes", "REALTIME_MAX_MESSAGE_BYTES"):
            await self._close(CLOSE_TOO_BIG)
            return
        if text_data is None or json_depth_exceeds(text_data, self.max_json_depth):
            await self._close(CLOSE_BAD_MESSAGE)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._close(CLOSE_BAD_MESSAGE)
            return
        await self.receive_json(content)

    # Channels' dispatch() closes stale database connections before every handler, a trip to the one shared sync
    # thread (``aclose_old_connections``): for a group event that is one trip per socket, serialised, in a worker
    # fanning one event out to hundreds of sockets. The messages named here only write to the socket and touch no
    # database, so they skip it (a subclass may add its own such types).
    socket_only_messages: frozenset[str] = frozenset({EVENT_MESSAGE_TYPE, SESSION_END_MESSAGE_TYPE})

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") in self.socket_only_messages:
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)

    async def portal_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "event", "event": message["event"]})

    async def portal_session_end(self, message: dict[str, Any]) -> None:
        await self._close(CLOSE_UNAUTHENTICATED)

    def _limit(self, attribute: str, setting: str) -> int:
        value = getattr(self, attribute)
        return getattr(settings, setting) if value is None else value

    def _flooding(self) -> bool:
        now = time.monotonic()
        if now - self.window_start >= 1.0:
            self.window_start, self.window_count = now, 0
        self.window_count += 1
        return self.window_count > self._limit("max_messages_per_second", "REALTIME_MAX_MESSAGES_PER_SECOND")

    async def _close(self, code: int) -> None:
        await self.disconnect(code)
        await self.close(code=code)


class NotificationConsumer(PortalConsumer):
    """One page's live notifications (``ws/notifications/``, opened by ``static/core/live.js``).

    Joins the user's group, the groups of the classes they learn in or teach this school year, and of the
    schools they teach at, administer or learn at. Membership is read when the socket opens: a child who
    changes class gets the new class's events from their next page or reconnect.
    """

    def groups_for(self, actor: Actor) -> list[str]:
        classes = actor.own_class_ids | actor.taught_class_ids
        schools = set(actor.teacher_school_ids)
        if actor.own_class_ids:
            schools |= set(ClassGroup.objects.filter(pk__in=actor.own_class_ids).values_list("school_id", flat=True))
        return [
            user_group(actor.user.pk),
            *(class_group_name(pk) for pk in sorted(classes)),
            *(school_group_name(pk) for pk in sorted(schools)),
        ]


@receiver(user_logged_out, dispatch_uid="core.realtime.close_on_logout")
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing out closes the live sockets of that browser session (a shared classroom PC stops receiving)."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        _run(_send, group=session_group(session_key), message={"type": SESSION_END_MESSAGE_TYPE})


websocket_urlpatterns = [path("ws/notifications/", NotificationConsumer.as_asgi(), name="notifications")]
