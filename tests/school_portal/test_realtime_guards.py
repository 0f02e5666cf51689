"""The consumer base class every plug-in's socket builds on (PortalConsumer), and sending to groups.

Each guard closes the offending socket with its own code from the 4000 range, never with an exception.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import path

from school_portal.asgi import application
from school_portal.core import realtime
from school_portal.core.realtime import (
    CLOSE_BAD_MESSAGE,
    CLOSE_FLOOD,
    CLOSE_FORBIDDEN,
    CLOSE_TOO_BIG,
    CLOSE_UNAUTHENTICATED,
    PortalConsumer,
    SocketForbidden,
    class_group_name,
    group_name,
    notify_group,
    notify_groups,
    portal_auth_stack,
    school_group_name,
)
from school_portal.core.testing.sockets import closed_with, refused_with

pytestmark = pytest.mark.asyncio
committed_db = pytest.mark.django_db(transaction=True)
ORIGIN = "http://localhost:8000"
WAIT = 5


class BoardConsumer(PortalConsumer):
    """A plug-in's consumer as a plug-in author writes one: a board per id, open to user "hana" only."""

    max_messages_per_second = 3

    def groups_for(self, actor):
        if actor.user.username != "hana":
            raise SocketForbidden
        return [group_name("test_board", self.scope["url_route"]["kwargs"]["board"])]

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "echo", "content": content})


board_application = AllowedHostsOriginValidator(
    portal_auth_stack(URLRouter([path("ws/board/<int:board>/", BoardConsumer.as_asgi())]))
)


def _session(world_or_name) -> str:
    from school_portal.core.models import User

    user = User.objects.create_user(username=world_or_name, password="not-used-here-123")
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _socket(app, url: str, session: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", ORIGIN.encode()), (b"host", b"localhost:8000")]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return WebsocketCommunicator(app, url, headers=headers)


@pytest.fixture
def hana(transactional_db) -> str:
    return _session("hana")


@pytest.fixture
def board(hana):
    async def open_board(session: str | None = hana, board: int = 7) -> WebsocketCommunicator:
        socket = _socket(board_application, f"/ws/board/{board}/", session)
        connected, _ = await socket.connect(timeout=WAIT)
        assert connected
        return socket

    return open_board


# --- the guards -------------------------------------------------------------------------------------------


@committed_db
async def test_a_plugin_socket_receives_the_events_of_its_group_and_echoes_decoded_json(board):
    socket, other_board = await board(), await board(board=8)
    await sync_to_async(notify_group)(group=group_name("test_board", 7), event={"message": "board 7"})
    assert await socket.receive_json_from(timeout=WAIT) == {"type": "event", "event": {"message": "board 7"}}
    assert await other_board.receive_nothing(timeout=0.2)
    await socket.send_json_to({"hello": ["世界"]})
    assert await socket.receive_json_from(timeout=WAIT) == {"type": "echo", "content": {"hello": ["世界"]}}
    await socket.disconnect()
    await other_board.disconnect()


@committed_db
async def test_one_event_to_several_groups_reaches_each_of_their_sockets_once(board):
    seven, eight, nine = await board(), await board(board=8), await board(board=9)
    boards = [group_name("test_board", 7), group_name("test_board", 8), group_name("test_board", 7)]
    await sync_to_async(notify_groups)(groups=boards, event={"message": "moved"})
    for socket in (seven, eight):
        assert await socket.receive_json_from(timeout=WAIT) == {"type": "event", "event": {"message": "moved"}}
        assert await socket.receive_nothing(timeout=0.2)  # board 7 named twice: sent once
    assert await nine.receive_nothing(timeout=0.2)
    with pytest.raises(ValueError):
        await realtime.anotify_groups(groups=[group_name("test_board", 7), "portal.user.1 "], event={"x": 1})
    for socket in (seven, eight, nine):
        await socket.disconnect()


@committed_db
async def test_a_plugin_socket_refuses_the_anonymous_with_4401(board):
    assert await closed_with(await board(session=None)) == CLOSE_UNAUTHENTICATED


@committed_db
async def test_a_plugin_socket_refused_by_its_groups_for_closes_with_4403(board):
    taro = await database_sync_to_async(_session)("taro")
    socket = await board(session=taro)
    assert await socket.receive_output(timeout=WAIT) == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    # ... and joined nothing: the board's events do not reach it while it is still open on our side.
    await sync_to_async(notify_group)(group=group_name("test_board", 7), event={"message": "not for taro"})
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect(code=CLOSE_FORBIDDEN)


@committed_db
async def test_a_foreign_origin_never_reaches_a_plugin_socket(hana):
    socket = WebsocketCommunicator(
        board_application,
        "/ws/board/7/",
        headers=[(b"origin", b"https://evil.example"), (b"host", b"localhost:8000")],
    )
    accepted, _code = await refused_with(socket)
    assert not accepted


@committed_db
async def test_text_that_is_not_json_closes_with_4400(board):
    socket = await board()
    await socket.send_to(text_data="{not json")
    assert await closed_with(socket) == CLOSE_BAD_MESSAGE


@committed_db
async def test_a_binary_frame_closes_with_4400(board):
    socket = await board()
    await socket.send_to(bytes_data=b'{"type": "ping"}')
    assert await closed_with(socket) == CLOSE_BAD_MESSAGE


@committed_db
async def test_a_2000_deep_message_closes_with_4400_not_a_recursion_error(board, settings):
    settings.REALTIME_MAX_MESSAGE_BYTES = 10_000  # let it past the size guard: the depth guard must hold alone
    socket = await board()
    await socket.send_to(text_data="[" * 2000 + "]" * 2000)
    assert await closed_with(socket) == CLOSE_BAD_MESSAGE


@committed_db
async def test_brackets_inside_strings_do_not_count_as_depth(board):
    socket = await board()
    await socket.send_json_to({"text": '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ \\" {{{{{{{{{{{{{{{{{{{{{{{{{{'})
    assert (await socket.receive_json_from(timeout=WAIT))["type"] == "echo"
    await socket.disconnect()


@committed_db
async def test_an_oversize_message_closes_with_4413(board):
    socket = await board()
    await socket.send_to(text_data='{"pad": "' + "あ" * settings.REALTIME_MAX_MESSAGE_BYTES + '"}')
    assert await closed_with(socket) == CLOSE_TOO_BIG


@committed_db
async def test_a_subclass_limit_on_the_rate_closes_with_4429(board):
    socket = await board()
    for _ in range(BoardConsumer.max_messages_per_second + 1):
        await socket.send_json_to({"n": 1})
    assert await closed_with(socket) == CLOSE_FLOOD


@committed_db
async def test_the_notification_socket_closes_deep_json_with_4400(hana):
    socket = _socket(application, "/ws/notifications/", hana)
    assert (await socket.connect(timeout=WAIT))[0]
    await socket.send_to(text_data="[" * 2000 + "]" * 2000)
    assert await closed_with(socket) == CLOSE_BAD_MESSAGE


# --- groups -----------------------------------------------------------------------------------------------


@committed_db
async def test_a_class_event_reaches_its_students_and_teachers_but_not_another_class(transactional_db):
    from school_portal.core.testing.world import build_world

    world = await database_sync_to_async(build_world)()

    def session_of(role: str) -> str:
        client = Client()
        client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    sockets = {}
    for role in ("student", "homeroom_teacher", "other_teacher", "guardian", "other_school_teacher"):
        sockets[role] = _socket(application, "/ws/notifications/", await database_sync_to_async(session_of)(role))
        assert (await sockets[role].connect(timeout=WAIT))[0]

    await sync_to_async(notify_group)(group=class_group_name(world.class_group.pk), event={"message": "3年1組へ"})
    for role in ("student", "homeroom_teacher"):
        assert (await sockets[role].receive_json_from(timeout=WAIT))["event"] == {"message": "3年1組へ"}
    for role in ("other_teacher", "guardian", "other_school_teacher"):
        assert await sockets[role].receive_nothing(timeout=0.2), role

    await sync_to_async(notify_group)(group=school_group_name(world.school.pk), event={"message": "全校"})
    for role in ("student", "homeroom_teacher", "other_teacher"):
        assert (await sockets[role].receive_json_from(timeout=WAIT))["event"] == {"message": "全校"}
    for role in ("guardian", "other_school_teacher"):
        assert await sockets[role].receive_nothing(timeout=0.2), role
    for socket in sockets.values():
        await socket.disconnect()


async def test_group_names_follow_channels_rules():
    assert group_name("exchange.board", 12) == "portal.exchange.board.12"
    assert group_name("library_wifi.library", "abc-1") == "portal.library_wifi.library.abc-1"
    assert class_group_name(3) == "portal.class.3"
    assert school_group_name(4) == "portal.school.4"
    for kind, key in [
        ("Exchange", 1),  # upper case
        ("exchange board", 1),  # a space
        ("交流", 1),  # not ASCII
        ("exchange", "a.b"),  # a dot in the key would blur kind and key
        ("exchange", ""),
        ("exchange", True),
        ("x" * 95, 1),  # too long for Channels (under 100 characters)
    ]:
        with pytest.raises(ValueError):
            group_name(kind, key)


async def test_sending_to_a_name_that_is_not_a_group_fails_in_the_caller():
    with pytest.raises(ValueError):
        await realtime.anotify_group(group="portal.user.1 ", event={"message": "x"})
    with pytest.raises(TypeError):
        await realtime.anotify_group(group="portal.user.1", event=["not", "a", "dict"])
