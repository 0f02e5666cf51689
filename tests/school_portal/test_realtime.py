"""Live notifications over WebSocket, through the whole ASGI stack (origin check, session auth, routing)."""

from __future__ import annotations

import asyncio
import socket

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from school_portal.asgi import application
from school_portal.core.models import User
from school_portal.core.realtime import CLOSE_FLOOD, CLOSE_TOO_BIG, CLOSE_UNAUTHENTICATED, anotify_user, notify_user
from school_portal.core.testing.sockets import closed_with, refused_with

pytestmark = pytest.mark.asyncio
# The consumer reads the session and the user in another thread: what the test writes must be committed.
committed_db = pytest.mark.django_db(transaction=True)

URL = "/ws/notifications/"
ORIGIN = "http://localhost:8000"
WAIT = 5  # seconds; generous, as CI machines are busy. Only the "nothing arrives" checks wait it out.


def _session_cookie(username: str) -> tuple[User, str]:
    user = User.objects.create_user(username=username, password="not-used-here-123")
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return user, client.cookies[settings.SESSION_COOKIE_NAME].value


def _socket(session: str | None = None, origin: str = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode()), (b"host", b"localhost:8000")]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return WebsocketCommunicator(application, URL, headers=headers)


@pytest.fixture
def two_users(transactional_db) -> dict[str, tuple[User, str]]:
    return {"hana": _session_cookie("hana"), "taro": _session_cookie("taro")}


@committed_db
async def test_signed_in_user_receives_their_events_and_not_anothers(two_users):
    (hana, hana_session), (taro, _) = two_users["hana"], two_users["taro"]
    socket = _socket(hana_session)
    connected, _ = await socket.connect(timeout=WAIT)
    assert connected

    await sync_to_async(notify_user)(user_id=taro.pk, event={"kind": "notice", "message": "for Taro only"})
    await sync_to_async(notify_user)(user_id=hana.pk, event={"kind": "notice", "message": "新しいお知らせ"})

    received = await socket.receive_json_from(timeout=WAIT)
    assert received == {"type": "event", "event": {"kind": "notice", "message": "新しいお知らせ"}}
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


@committed_db
async def test_every_open_tab_of_the_user_receives_the_event(two_users):
    hana, session = two_users["hana"]
    tabs = [_socket(session), _socket(session)]
    for tab in tabs:
        assert (await tab.connect(timeout=WAIT))[0]

    await sync_to_async(notify_user)(user_id=hana.pk, event={"message": "both tabs"})

    for tab in tabs:
        assert (await tab.receive_json_from(timeout=WAIT))["event"] == {"message": "both tabs"}
        await tab.disconnect()


@committed_db
async def test_anonymous_visitor_is_refused_with_4401(transactional_db):
    socket = _socket(session=None)
    connected, _ = await socket.connect(timeout=WAIT)
    assert connected  # accepted only to be told why ...
    assert await closed_with(socket) == CLOSE_UNAUTHENTICATED


@committed_db
async def test_a_forged_session_cookie_is_refused(transactional_db):
    socket = _socket(session="not-a-real-session-key")
    await socket.connect(timeout=WAIT)
    assert await closed_with(socket) == CLOSE_UNAUTHENTICATED


@committed_db
async def test_a_foreign_origin_is_refused_at_the_handshake(two_users):
    _, session = two_users["hana"]
    socket = _socket(session, origin="https://evil.example")
    accepted, _code = await refused_with(socket)
    assert not accepted


@committed_db
async def test_a_flood_closes_the_flooding_socket_only(two_users):
    hana, session = two_users["hana"]
    flooder, calm = _socket(session), _socket(session)
    assert (await flooder.connect(timeout=WAIT))[0]
    assert (await calm.connect(timeout=WAIT))[0]

    for _ in range(settings.REALTIME_MAX_MESSAGES_PER_SECOND + 5):
        await flooder.send_to(text_data='{"type": "x"}')
    # The flooder gets its answers for the allowed messages, then the close.
    assert await closed_with(flooder) == CLOSE_FLOOD

    await calm.send_json_to({"type": "ping"})
    assert await calm.receive_json_from(timeout=WAIT) == {"type": "pong"}
    await sync_to_async(notify_user)(user_id=hana.pk, event={"message": "still here"})
    assert (await calm.receive_json_from(timeout=WAIT))["event"] == {"message": "still here"}
    await calm.disconnect()


@committed_db
async def test_an_oversize_message_closes_the_socket(two_users):
    _, session = two_users["hana"]
    socket = _socket(session)
    await socket.connect(timeout=WAIT)
    await socket.send_to(text_data='{"type": "ping", "pad": "' + "あ" * settings.REALTIME_MAX_MESSAGE_BYTES + '"}')
    assert await closed_with(socket) == CLOSE_TOO_BIG


@committed_db
async def test_a_message_within_the_rate_after_a_quiet_second_is_fine(two_users):
    _, session = two_users["hana"]
    socket = _socket(session)
    await socket.connect(timeout=WAIT)
    for _ in range(settings.REALTIME_MAX_MESSAGES_PER_SECOND):
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=WAIT) == {"type": "pong"}
    await asyncio.sleep(1.05)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=WAIT) == {"type": "pong"}
    await socket.disconnect()


@committed_db
async def test_signing_out_closes_the_sockets_of_that_session(two_users):
    hana, session = two_users["hana"]
    socket = _socket(session)
    await socket.connect(timeout=WAIT)

    def sign_out() -> None:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        assert client.post("/accounts/logout/").status_code == 302

    await database_sync_to_async(sign_out)()
    assert await closed_with(socket) == CLOSE_UNAUTHENTICATED


async def test_an_event_that_cannot_travel_is_refused_in_the_caller():
    with pytest.raises(TypeError):
        await anotify_user(user_id=1, event={"when": object()})


async def test_an_unreachable_channel_layer_does_not_fail_the_sender(settings, caplog):
    """Redis restarting must not turn a notice's publication, or signing out, into an error page."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [dead]}}
    }

    await anotify_user(user_id=1, event={"message": "lost, and that is fine"})

    assert "live notification to portal.user.1 not sent" in caplog.text


@committed_db
async def test_resetting_a_badge_closes_the_childs_open_sockets(transactional_db):
    from school_portal.core.services import student_badge_reset
    from school_portal.core.testing.world import build_world

    world = await database_sync_to_async(build_world)()

    def child_session() -> str:
        client = Client()
        client.force_login(world.child.user, backend="school_portal.core.backends.StudentBadgeBackend")
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    socket = _socket(await database_sync_to_async(child_session)())
    connected, _ = await socket.connect(timeout=WAIT)
    assert connected

    await database_sync_to_async(student_badge_reset)(student=world.child)

    assert await closed_with(socket) == CLOSE_UNAUTHENTICATED
