"""The live scheduling board over Channels: who joins which group, presence, the guards, and an update made on
one Daphne process reaching a board open on another through the real Redis."""

from __future__ import annotations

import asyncio
import datetime
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from websockets.asyncio.client import connect

from exchange.testing import other_exchange, world_exchange
from school_portal.asgi import application
from school_portal.core.testing.sockets import closed_with, refused_with
from school_portal.core.testing.world import build_world
from tests.daphne_process import free_port, start_daphne, stop, use_redis_channel_layer, worker_env

WAIT = 10


def _cookie(world, role: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _future_weekday() -> datetime.date:
    day = datetime.date.today() + datetime.timedelta(weeks=3)
    return day + datetime.timedelta(days=(2 - day.weekday()) % 7)


async def _socket(cookie: str | None, origin: bytes = b"http://localhost:8000") -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"localhost:8000")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/exchange/", headers=headers)


async def _events_until(socket, kind: str) -> dict:
    while True:
        message = await socket.receive_json_from(timeout=WAIT)
        if message.get("event", {}).get("kind") == kind:
            return message["event"]


async def _kinds_within(socket, seconds: float) -> list[str]:
    """The kinds of the events that arrive until none has for ``seconds``."""
    kinds = []
    while not await socket.receive_nothing(timeout=seconds):
        message = await socket.receive_json_from(timeout=WAIT)
        kinds.append(message.get("event", {}).get("kind"))
    return kinds


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_proposal_reaches_the_partners_open_board_and_no_stranger(settings):
    world = await sync_to_async(build_world)()
    exchange = await sync_to_async(world_exchange)(world)
    await sync_to_async(other_exchange)(world)
    cookies = {
        role: await sync_to_async(_cookie)(world, role)
        for role in ("partner_teacher", "homeroom_teacher", "other_school_teacher")
    }
    partner = await _socket(cookies["partner_teacher"])
    assert (await partner.connect(timeout=WAIT))[0]
    stranger = await _socket(cookies["other_school_teacher"])
    assert (await stranger.connect(timeout=WAIT))[0]
    await _events_until(stranger, "exchange.presence")  # their own arrival on their own exchange's board
    teacher = await _socket(cookies["homeroom_teacher"])
    assert (await teacher.connect(timeout=WAIT))[0]
    # The partner's board hears the Osaka teacher arrive (presence): it refreshes and shows them online.
    assert (await _events_until(partner, "exchange.presence"))["refresh"] is True

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    await sync_to_async(client.force_login)(world.users["homeroom_teacher"])
    response = await sync_to_async(client.post)(
        reverse("exchange:propose", args=[exchange.pk]), {"day": f"{_future_weekday()}", "time": "10:45"}
    )
    assert response.status_code == 302
    board = await _events_until(partner, "exchange.board")
    assert board["refresh"] is True and board["state"] == "proposed"
    note = await _events_until(partner, "exchange.session")
    assert note["message"].startswith("New proposal:") and " P" in note["message"]  # in Los Angeles time, English
    assert note["url"] == reverse("exchange:exchange_detail", args=[exchange.pk])
    assert await stranger.receive_nothing(timeout=0.3)
    # The Osaka teacher sees the exchange both as its class's teacher and as their school's staff: their board
    # still refreshes once per change, not once per audience.
    assert (await _kinds_within(teacher, 1.0)).count("exchange.board") == 1
    assert (await _kinds_within(partner, 0.3)).count("exchange.board") == 0
    for socket in (partner, stranger, teacher):
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_board_refuses_bad_messages_floods_other_origins_and_people_without_the_exchange():
    world = await sync_to_async(build_world)()
    await sync_to_async(world_exchange)(world)
    cookie = await sync_to_async(_cookie)(world, "partner_teacher")
    for message, code in [
        ("{not json", 4400),
        ('{"pad": "' + "x" * (settings.REALTIME_MAX_MESSAGE_BYTES + 1) + '"}', 4413),
    ]:
        socket = await _socket(cookie)
        assert (await socket.connect(timeout=WAIT))[0]
        await socket.send_to(text_data=message)
        assert await closed_with(socket) == code
    flood = await _socket(cookie)
    assert (await flood.connect(timeout=WAIT))[0]
    for _ in range(settings.REALTIME_MAX_MESSAGES_PER_SECOND + 5):
        await flood.send_to(text_data='{"type": "ping"}')
    assert await closed_with(flood) == 4429
    # Another origin: refused at the handshake by AllowedHostsOriginValidator.
    foreign = await _socket(cookie, origin=b"https://evil.example")
    assert not (await refused_with(foreign))[0]
    # A child has no exchange: refused (4403); nobody signed in: 4401.
    for role_cookie, code in [(await sync_to_async(_cookie)(world, "student"), 4403), (None, 4401)]:
        socket = await _socket(role_cookie)
        assert await refused_with(socket) == (True, code)


# --- two Daphne processes sharing the real Redis ------------------------------------------------------------


@pytest.fixture
def two_workers(settings, transactional_db, tmp_path) -> Iterator[tuple[dict, list[int]]]:
    prefix = use_redis_channel_layer(settings)
    world = build_world()
    exchange = world_exchange(world)
    data = {
        "exchange": exchange.pk,
        "partner": _cookie(world, "partner_teacher"),
        "teacher": _cookie(world, "homeroom_teacher"),
    }
    env = worker_env(prefix=prefix, tmp_path=tmp_path)
    ports, processes = [free_port(), free_port()], []
    try:
        for port in ports:
            processes.append(start_daphne(port, env, tmp_path / f"daphne-{port}.log"))
        yield data, ports
    finally:
        for process in processes:
            stop(process)


def _post_through(port: int, session: str, path: str, fields: dict[str, str]) -> int:
    """A teacher's browser on worker ``port``: the page (for the CSRF token), then the form."""
    base = f"http://127.0.0.1:{port}"
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    with urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie})) as page:  # noqa: S310
        html = page.read().decode()
        csrf_cookie = re.search(r"csrftoken=([^;]+)", page.headers.get("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(  # noqa: S310 (http to the test's own worker)
        base + path + "propose/",
        data=body,
        headers={"Cookie": f"{cookie}; csrftoken={csrf_cookie}", "Referer": base + path},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.redis
@pytest.mark.asyncio
async def test_a_proposal_made_on_one_daphne_process_reaches_a_board_open_on_another(two_workers):
    data, (port_a, port_b) = two_workers
    path = reverse("exchange:exchange_detail", args=[data["exchange"]])
    async with asyncio.timeout(90):
        async with connect(
            f"ws://127.0.0.1:{port_a}/ws/exchange/",
            origin=f"http://127.0.0.1:{port_a}",
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={data['partner']}"},
            open_timeout=WAIT,
        ) as partner_on_a:
            await partner_on_a.send('{"type": "ping"}')
            # The pong says the board is subscribed; the partner's own arrival (presence) may come before it.
            before_pong = []
            while (message := json.loads(await asyncio.wait_for(partner_on_a.recv(), WAIT))) != {"type": "pong"}:
                before_pong.append(message.get("event", {}).get("kind"))
            assert set(before_pong) <= {"exchange.presence"}
            status = await asyncio.to_thread(
                _post_through, port_b, data["teacher"], path, {"day": f"{_future_weekday()}", "time": "10:45"}
            )
            assert status == 302
            kinds = []
            while "exchange.board" not in kinds:
                message = json.loads(await asyncio.wait_for(partner_on_a.recv(), WAIT))
                kinds.append(message.get("event", {}).get("kind"))
            assert "exchange.board" in kinds
