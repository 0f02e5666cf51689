"""Live pages: a notice's tally hears replies as they arrive, a class's morning list hears absence reports; a
family never joins them."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parent_notices.testing import ATTEND, attendance, notice_publish
from school_portal.asgi import application
from school_portal.core.testing.sockets import refused_with
from school_portal.core.testing.world import build_world

WAIT = 5


def _signed_in(world, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def _socket(client: Client, path: str) -> WebsocketCommunicator:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    headers = [(b"origin", b"http://localhost:8000"), (b"host", b"localhost:8000"), (b"cookie", cookie.encode())]
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_tally_and_the_morning_list_hear_replies_and_reports_and_families_cannot_listen():
    world = await sync_to_async(build_world)()
    notice = await sync_to_async(notice_publish)(school=world.school, body=[attendance()])
    teacher = await sync_to_async(_signed_in)(world, "homeroom_teacher")
    guardian = await sync_to_async(_signed_in)(world, "guardian")

    refused = _socket(guardian, f"/ws/notices/{notice.pk}/")
    assert await refused_with(refused) == (True, 4403)

    tally = _socket(teacher, f"/ws/notices/{notice.pk}/")
    assert (await tally.connect(timeout=WAIT))[0]
    morning = _socket(teacher, f"/ws/notices/absences/{world.class_group.pk}/")
    assert (await morning.connect(timeout=WAIT))[0]

    response = await sync_to_async(guardian.post)(
        reverse("parent_notices:reply", args=[notice.pk, ATTEND]), {"student": world.child.pk, "choice": "yes"}
    )
    assert response.status_code == 302
    event = (await tally.receive_json_from(timeout=WAIT))["event"]
    assert event["kind"] == "parent_notices.reply" and event["refresh"] is True

    await sync_to_async(guardian.post)(
        reverse("parent_notices:absence"),
        {"student": world.child.pk, "date": timezone.localdate().isoformat(), "kind": "absent", "reason": "illness"},
    )
    event = (await morning.receive_json_from(timeout=WAIT))["event"]
    assert event["kind"] == "parent_notices.absence" and "山田 花子" in event["message"]
    await tally.disconnect()
    await morning.disconnect()
