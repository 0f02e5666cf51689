"""A Redis outage costs speed, not pages: the portal against a Redis that is stopped and started again.

The test starts a Redis of its own (a free port, a temporary directory; the shared one is never touched), points
the cache, the cached_db sessions and the channel layer at it, and uses the portal as a school does: a teacher
signs in with a password, a child with a badge, the teacher opens the review grid and a dashboard opens its live
socket. Then that Redis stops: the same all work from PostgreSQL (or SQLite), and the live socket is closed with
"try again later" instead of a failed handshake. Then it starts again: the cache fills again and live updates
arrive again.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from classrooms.testing import classroom_world
from school_portal.asgi import application
from school_portal.core.realtime import CLOSE_UNAVAILABLE, notify_user
from school_portal.core.testing.sockets import refused_with
from school_portal.core.testing.world import PASSWORD, build_world

pytestmark = pytest.mark.django_db(transaction=True)  # the socket reads the session from another thread

RETRY_SECONDS = 0.3
WAIT = 5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, which it may stop and start at will."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    pytest.fail(f"redis-server on {self.port} did not start")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path, settings) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    # Assigning through pytest-django's ``settings`` sends setting_changed: Django's cache handler and Channels'
    # layers are rebuilt on this Redis (the backend's shared client is keyed by its URL, so it is new too).
    settings.CACHES = {
        "default": {
            "BACKEND": "school_portal.core.cache.SharedPoolRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "outage-test",
            "OPTIONS": {"retry_seconds": RETRY_SECONDS},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
    }
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def school(transactional_db):
    world = build_world()
    return world, classroom_world(world)


def _teacher_signs_in() -> Client:
    teacher = Client()
    response = teacher.post(reverse("core:login"), {"username": "m-homeroom_teacher", "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert teacher.get(reverse("core:dashboard")).status_code == 200
    return teacher


def _child_signs_in(world) -> None:
    tablet = Client()
    response = tablet.post(
        reverse("core:student_signin"),
        {"class_code": world.class_group.class_code, "badge_code": world.child.badge_code},
    )
    assert response.status_code == 302, response.content[:500]
    assert tablet.get(reverse("core:dashboard")).status_code == 200


def _review_grid(teacher: Client, cw) -> None:
    response = teacher.get(reverse("classrooms:review", args=[cw.assignment.pk]))
    assert response.status_code == 200
    assert cw.lesson.title in response.content.decode()


def _live_socket(teacher: Client) -> WebsocketCommunicator:
    cookie = f"{settings.SESSION_COOKIE_NAME}={teacher.cookies[settings.SESSION_COOKIE_NAME].value}"
    headers = [(b"origin", b"http://localhost:8000"), (b"host", b"localhost:8000"), (b"cookie", cookie.encode())]
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


async def _live_update_arrives(teacher: Client, user_id: int) -> None:
    """As live.js does: open the socket, and if it is closed with 4503 (CLOSE_UNAVAILABLE) open it again."""
    for _attempt in range(5):
        ws = _live_socket(teacher)
        connected, _ = await ws.connect(timeout=WAIT)
        assert connected
        await ws.send_json_to({"type": "ping"})  # answered once the socket has joined its groups
        reply = await ws.receive_output(timeout=WAIT)
        if reply["type"] == "websocket.send":
            break
        assert reply == {"type": "websocket.close", "code": CLOSE_UNAVAILABLE}
        await ws.disconnect(code=CLOSE_UNAVAILABLE, timeout=WAIT)  # as the browser answers the close
        await asyncio.sleep(0.2)
    assert reply["type"] == "websocket.send" and json.loads(reply["text"]) == {"type": "pong"}
    await sync_to_async(notify_user)(user_id=user_id, event={"message": "提出がありました"})
    assert await ws.receive_json_from(timeout=WAIT) == {"type": "event", "event": {"message": "提出がありました"}}
    await ws.disconnect()


async def _live_socket_pauses(teacher: Client) -> None:
    """The handshake does not fail; the socket is closed with 4503 so that the browser tries again later."""
    _accepted, code = await refused_with(_live_socket(teacher))  # accepted first when joining its groups failed
    assert code == CLOSE_UNAVAILABLE


def _cache_works() -> bool:
    cache.set("outage-probe", "here", 60)
    return cache.get("outage-probe") == "here"


@pytest.mark.asyncio
async def test_a_redis_outage_leaves_sign_in_and_pages_working_and_live_updates_resume_after_it(own_redis, school):
    world, cw = school
    teacher_id = world.users["homeroom_teacher"].pk
    async with asyncio.timeout(120):
        # Redis up: everything as usual, and the session is in Redis.
        teacher = await sync_to_async(_teacher_signs_in)()
        await sync_to_async(_child_signs_in)(world)
        await sync_to_async(_review_grid)(teacher, cw)
        await _live_update_arrives(teacher, teacher_id)
        assert await sync_to_async(_cache_works)()

        # Redis stops.
        await sync_to_async(own_redis.stop)()
        await sync_to_async(_review_grid)(teacher, cw)  # the session signed in before the outage still holds
        teacher_in_outage = await sync_to_async(_teacher_signs_in)()
        await sync_to_async(_child_signs_in)(world)
        await sync_to_async(_review_grid)(teacher_in_outage, cw)
        await _live_socket_pauses(teacher_in_outage)
        assert not await sync_to_async(_cache_works)()
        await sync_to_async(notify_user)(user_id=teacher_id, event={"message": "lost, and that is fine"})

        # A signed-out session during the outage is not brought back by the cache afterwards.
        await sync_to_async(teacher.post)(reverse("logout"))

        # Redis starts again (empty, as after a restart): caching and live updates resume.
        await sync_to_async(own_redis.start)()
        await asyncio.sleep(RETRY_SECONDS + 0.1)
        assert await sync_to_async(_cache_works)()
        await sync_to_async(_review_grid)(teacher_in_outage, cw)
        await _live_update_arrives(teacher_in_outage, teacher_id)
        again = await sync_to_async(_teacher_signs_in)()
        await sync_to_async(_review_grid)(again, cw)


def test_writes_missed_while_redis_was_unreachable_are_not_read_back_when_it_answers_again(own_redis, school):
    """Redis that only dropped off the network keeps its old values: a session signed out meanwhile must not come
    back from the cache."""
    world, cw = school
    teacher = _teacher_signs_in()
    _review_grid(teacher, cw)
    stale = Client()  # the same session cookie, as kept by an attacker who copied it
    stale.cookies[settings.SESSION_COOKIE_NAME] = teacher.cookies[settings.SESSION_COOKIE_NAME].value

    # Redis unreachable for the portal while it keeps its data: pause the server (SIGSTOP) and time out.
    own_redis.process.send_signal(signal.SIGSTOP)
    try:
        assert teacher.post(reverse("logout")).status_code == 302
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    time.sleep(RETRY_SECONDS + 0.1)
    response = stale.get(reverse("classrooms:review", args=[cw.assignment.pk]))
    assert response.status_code == 302  # to the sign-in page: the session is gone
    assert reverse("core:login") in response["Location"]
