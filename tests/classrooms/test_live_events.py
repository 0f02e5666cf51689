"""A child's hand-in appears on their teachers' open pages; a teacher's feedback on the child's."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from classrooms import services
from classrooms.testing import classroom_world
from school_portal.asgi import application
from school_portal.core.testing.world import build_world

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
WAIT = 5


def _socket_for(user) -> WebsocketCommunicator:
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"origin", b"http://localhost:8000"),
            (b"host", b"localhost:8000"),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()),
        ],
    )


async def test_a_hand_in_reaches_the_class_teacher_and_feedback_reaches_the_child(transactional_db):
    world = await database_sync_to_async(build_world)()
    cw = await database_sync_to_async(classroom_world)(world)
    sockets = {}
    for role in ("student", "classmate", "homeroom_teacher", "other_teacher"):
        sockets[role] = await database_sync_to_async(_socket_for)(world.users[role])
        assert (await sockets[role].connect(timeout=WAIT))[0]

    await database_sync_to_async(services.sheet_submit)(sheet=cw.sheet)

    handed_in = (await sockets["homeroom_teacher"].receive_json_from(timeout=WAIT))["event"]
    assert handed_in["kind"] == "classrooms.handed_in"
    assert "山田 花子" in handed_in["message"] and "3のだん" in handed_in["message"]
    assert handed_in["url"] == reverse("classrooms:review", args=[cw.assignment.pk])
    for role in ("student", "classmate", "other_teacher"):
        assert await sockets[role].receive_nothing(timeout=0.2), role

    await database_sync_to_async(services.sheet_feedback)(
        sheet=cw.sheet, by=world.users["homeroom_teacher"], feedback="よくできました", stamp=""
    )

    feedback = (await sockets["student"].receive_json_from(timeout=WAIT))["event"]
    assert feedback["kind"] == "classrooms.feedback"
    assert "3のだん" in feedback["message"]
    assert feedback["url"] == reverse("classrooms:sheet", args=[cw.sheet.pk])
    for role in ("classmate", "homeroom_teacher", "other_teacher"):
        assert await sockets[role].receive_nothing(timeout=0.2), role
    for socket in sockets.values():
        await socket.disconnect()


async def test_a_refused_feedback_announces_nothing(transactional_db):
    world = await database_sync_to_async(build_world)()
    cw = await database_sync_to_async(classroom_world)(world)
    child = await database_sync_to_async(_socket_for)(world.users["student"])
    assert (await child.connect(timeout=WAIT))[0]

    with pytest.raises(services.PortalError):
        # Not handed in yet, and not returned: refused, rolled back, so no event either.
        await database_sync_to_async(services.sheet_feedback)(sheet=cw.sheet, by=world.users["homeroom_teacher"])

    assert await child.receive_nothing(timeout=0.3)
    await child.disconnect()
