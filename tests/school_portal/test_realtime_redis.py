"""Live notifications across processes: two real Daphne workers sharing one Redis channel layer.

This is how production runs (several Daphne workers behind a proxy, docs/operations.md): a notification sent
from one process reaches a user's sockets whichever worker holds them. The Redis is the one named by
``REDIS_URL``, else the local one on 127.0.0.1:6379 (database 15). No Redis is a failure, not a skip: CI
starts one.

The workers share this test's database: on PostgreSQL the test database itself (the test is transactional,
so what it writes is committed); on the embedded SQLite, a file copy of the in-memory test database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from school_portal.core.models import User
from school_portal.core.realtime import notify_user
from tests.daphne_process import REDIS_URL, free_port, start_daphne, stop, use_redis_channel_layer, worker_env

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WAIT = 5


def _session_cookie(username: str) -> tuple[User, str]:
    user = User.objects.create_user(username=username, password="not-used-here-123")
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return user, client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def redis_layer(settings) -> dict:
    return {"prefix": use_redis_channel_layer(settings)}


@pytest.fixture
def users(transactional_db) -> dict[str, tuple[User, str]]:
    return {"hana": _session_cookie("hana"), "taro": _session_cookie("taro")}


@pytest.fixture
def workers(redis_layer, users, tmp_path) -> Iterator[list[int]]:
    """Two Daphne processes on free ports, on the shared Redis and database; killed however the test ends."""
    env = worker_env(prefix=redis_layer["prefix"], tmp_path=tmp_path)
    ports = [free_port(), free_port()]
    processes = []
    try:
        for port in ports:
            processes.append(start_daphne(port, env, tmp_path / f"daphne-{port}.log"))
        yield ports
    finally:
        for process in processes:
            stop(process)


def _open(port: int, session: str):
    return connect(
        f"ws://127.0.0.1:{port}/ws/notifications/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
        open_timeout=WAIT,
    )


async def _next_event(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT))


async def _nothing_arrives(ws, seconds: float = 0.3) -> bool:
    try:
        await asyncio.wait_for(ws.recv(), seconds)
    except TimeoutError:
        return True
    return False


@pytest.mark.asyncio
async def test_a_notification_reaches_the_user_on_every_worker_and_no_one_else(workers, users):
    worker_a, worker_b = workers
    (hana, hana_session), (taro, taro_session) = users["hana"], users["taro"]
    async with asyncio.timeout(60):
        async with (
            _open(worker_a, hana_session) as hana_on_a,
            _open(worker_b, hana_session) as hana_on_b,
            _open(worker_b, taro_session) as taro_on_b,
        ):
            # Joining the group happens after the handshake: a ping answered means the socket is subscribed.
            for ws in (hana_on_a, hana_on_b, taro_on_b):
                await ws.send('{"type": "ping"}')
                assert await _next_event(ws) == {"type": "pong"}

            await sync_to_async(notify_user)(user_id=hana.pk, event={"kind": "notice", "message": "遠足のお知らせ"})
            expected = {"type": "event", "event": {"kind": "notice", "message": "遠足のお知らせ"}}
            assert await _next_event(hana_on_a) == expected
            assert await _next_event(hana_on_b) == expected
            assert await _nothing_arrives(taro_on_b)

            await sync_to_async(notify_user)(user_id=taro.pk, event={"message": "for Taro"})
            assert (await _next_event(taro_on_b))["event"] == {"message": "for Taro"}
            assert await _nothing_arrives(hana_on_a)

            # A frame far over Daphne's message-size limit (1 MiB by default): that socket is dropped, ...
            async with _open(worker_a, hana_session) as attacker:
                with pytest.raises(ConnectionClosed):
                    await attacker.send("x" * (8 * 1024 * 1024))
                    await asyncio.wait_for(attacker.recv(), WAIT)
            # ... while the worker, and the other sockets it holds, go on.
            await sync_to_async(notify_user)(user_id=hana.pk, event={"message": "still serving"})
            assert (await _next_event(hana_on_a))["event"] == {"message": "still serving"}
            async with _open(worker_a, hana_session) as later:
                await later.send('{"type": "ping"}')
                assert await _next_event(later) == {"type": "pong"}


@pytest.mark.asyncio
async def test_the_guards_close_codes_reach_the_browser_through_daphne(workers, users):
    """Daphne (autobahn) refuses 1003/1009 from an application and ends such a socket with 1011 and a
    traceback; the portal's 4000-range codes arrive as sent."""
    _, hana_session = users["hana"]
    cases = [
        ("[" * 2000 + "]" * 2000, 4400),  # deeper than any message needs
        ("{not json", 4400),
        ('{"pad": "' + "x" * (settings.REALTIME_MAX_MESSAGE_BYTES + 1) + '"}', 4413),
    ]
    async with asyncio.timeout(60):
        for message, code in cases:
            async with _open(workers[0], hana_session) as ws:
                await ws.send(message)
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), WAIT)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == code, closed.value
        async with _open(workers[0], "no-such-session") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), WAIT)
            assert closed.value.rcvd.code == 4401


@pytest.mark.asyncio
async def test_a_small_pool_makes_300_concurrent_group_operations_wait_not_fail(redis_layer):
    """redis-py 8's plain async pool raises "Too many connections" when its connections are all busy; the
    portal's layer waits for one. 300 sockets joining and leaving at once through a pool of 4 connections."""
    from school_portal.core.channel_layer import PooledRedisChannelLayer

    layer = PooledRedisChannelLayer(
        hosts=[{"address": REDIS_URL, "max_connections": 4, "timeout": 30}], prefix=redis_layer["prefix"]
    )
    group = "portal.test.pool"
    channels = [await layer.new_channel() for _ in range(300)]
    try:
        async with asyncio.timeout(60):
            await asyncio.gather(*(layer.group_add(group, channel) for channel in channels))
            members = redis.Redis.from_url(REDIS_URL).zcard(layer._group_key(group))
            assert members == 300
            await asyncio.gather(*(layer.group_discard(group, channel) for channel in channels))
            assert redis.Redis.from_url(REDIS_URL).zcard(layer._group_key(group)) == 0
    finally:
        await layer.flush()
