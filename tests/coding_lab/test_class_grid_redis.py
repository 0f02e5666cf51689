"""The teacher's grid across processes: two real Daphne workers sharing one Redis channel layer.

A child's save served by one worker reaches the teacher's grid socket held by the other (as in production,
several Daphne workers behind a proxy). The Redis is the one named by ``REDIS_URL`` (else 127.0.0.1:6379/15);
no Redis is a failure, not a skip.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import urllib.request
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect

from coding_lab.testing import dumps, fwd, lab_world, program
from school_portal.core.testing.world import build_world
from tests.daphne_process import free_port, start_daphne, stop, use_redis_channel_layer, worker_env

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WAIT = 10


def _session(user) -> str:
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def world_and_lab(transactional_db):
    """The world, its lab and the sessions of the class's teacher and child (before the workers copy the
    database, on SQLite)."""
    world = build_world()
    return world, lab_world(world), _session(world.users["homeroom_teacher"]), _session(world.users["student"])


@pytest.fixture
def workers(settings, world_and_lab, tmp_path) -> Iterator[list[int]]:
    """Two Daphne processes on free ports, on the shared Redis and database; killed however the test ends."""
    env = worker_env(prefix=use_redis_channel_layer(settings), tmp_path=tmp_path)
    ports = [free_port(), free_port()]
    processes = []
    try:
        for port in ports:
            processes.append(start_daphne(port, env, tmp_path / f"daphne-{port}.log"))
        yield ports
    finally:
        for process in processes:
            stop(process)


@pytest.mark.asyncio
async def test_a_childs_save_on_one_worker_reaches_the_teachers_grid_on_the_other(workers, world_and_lab):
    world, lab, teacher_session, child_session = world_and_lab
    saving_worker, grid_worker = workers
    csrf = secrets.token_hex(16)  # the same secret in the cookie and the header, as the lab's JS sends it
    async with asyncio.timeout(60):
        async with connect(
            f"ws://127.0.0.1:{grid_worker}/ws/coding/class/{world.class_group.pk}/",
            origin=f"http://127.0.0.1:{grid_worker}",
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={teacher_session}"},
            open_timeout=WAIT,
        ) as grid:
            await grid.send('{"type": "ping"}')  # answered: the socket has joined the class's group
            assert json.loads(await asyncio.wait_for(grid.recv(), WAIT)) == {"type": "pong"}
            request = urllib.request.Request(
                f"http://127.0.0.1:{saving_worker}/coding/project/{lab.project.pk}/save/",
                data=json.dumps({"source": dumps(program([fwd(), fwd()]))}).encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-CSRFToken": csrf,
                    "Cookie": f"{settings.SESSION_COOKIE_NAME}={child_session}; csrftoken={csrf}",
                },
                method="POST",
            )
            response = await asyncio.to_thread(urllib.request.urlopen, request, timeout=WAIT)
            assert response.status == 200
            message = json.loads(await asyncio.wait_for(grid.recv(), WAIT))
    assert message["type"] == "event"
    assert message["event"]["kind"] == "coding_lab.progress"
    assert (message["event"]["student"], message["event"]["result"]) == (world.child.pk, "solved")
