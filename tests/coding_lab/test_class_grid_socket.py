"""The teacher's grid socket: a class's teachers join its group and hear each child's save; nobody else joins."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from coding_lab.testing import dumps, fwd, lab_world, program
from school_portal.asgi import application
from school_portal.core.testing.sockets import closed_with
from school_portal.core.testing.world import build_world


async def _connect(client, class_id):
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    headers = [(b"origin", b"http://localhost:8000"), (b"host", b"localhost:8000"), (b"cookie", cookie.encode())]
    communicator = WebsocketCommunicator(application, f"/ws/coding/class/{class_id}/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_childs_save_reaches_the_open_grid_of_their_class_and_others_are_refused():
    world = await sync_to_async(build_world)()
    lab = await sync_to_async(lab_world)(world)

    def client_as(role):
        client = Client()
        client.force_login(world.users[role])
        return client

    teacher = await sync_to_async(client_as)("homeroom_teacher")
    grid, connected, _ = await _connect(teacher, world.class_group.pk)
    assert connected
    other = await sync_to_async(client_as)("other_teacher")
    refused, _connected, _code = await _connect(other, world.class_group.pk)
    assert await closed_with(refused) == 4403  # told why, after the handshake
    child = await sync_to_async(client_as)("student")
    body = json.dumps({"source": dumps(program([fwd(), fwd()]))})
    response = await sync_to_async(child.post)(
        f"/coding/project/{lab.project.pk}/save/", body, content_type="application/json"
    )
    assert response.status_code == 200
    message = await grid.receive_json_from(timeout=5)
    assert message["event"]["kind"] == "coding_lab.progress"
    assert (message["event"]["student"], message["event"]["result"]) == (world.child.pk, "solved")
    await grid.disconnect()
