"""The worked example of docs/plugins.md, exercised part by part: a page behind a capability, a rule, a fact in
the Actor's one query, a live event to a group, a background task with progress, a demo seeder and matrix rows.

The permission matrix, the exact-rule proof, the removal and architecture tests run over it too, since the test
settings install it beside the five real plug-ins.
"""

from __future__ import annotations

import io

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from school_portal.asgi import application
from school_portal.core.access import policy
from school_portal.core.models import Job
from school_portal.core.registry import demo_seeders
from school_portal.core.testing.world import World, build_world

WAIT = 5


def _signed_in(world: World, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
    return client


@pytest.mark.django_db
def test_the_bell_page_is_for_the_class_and_only_its_homeroom_teacher_may_ring(world: World):
    page = reverse("class_bell:bell", args=[world.class_group.pk])

    assert "Ring the bell" in _signed_in(world, "homeroom_teacher").get(page).content.decode()
    assert "Ring the bell" not in _signed_in(world, "student").get(page).content.decode()
    ring = reverse("class_bell:ring", args=[world.class_group.pk])
    assert _signed_in(world, "student").post(ring).status_code == 403
    assert _signed_in(world, "guardian").get(page).status_code == 403  # no capability: not a child, not staff
    assert _signed_in(world, "other_teacher").get(page).status_code == 404  # another class's teacher


@pytest.mark.django_db
def test_the_plugins_fact_comes_in_the_actors_one_query(world: World):
    teacher = world.users["homeroom_teacher"]
    actor = policy.actor(teacher)
    with CaptureQueriesContext(connection) as queries:
        homerooms = actor.fact("class_bell.homerooms")
        actor.own_class_ids, actor.taught_class_ids  # noqa: B018 - the core's facts, from the same query
    assert homerooms == {world.class_group.pk}
    assert len(queries) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_ring_reaches_the_open_page_of_each_child_of_the_class_and_no_other():
    world = await sync_to_async(build_world)()
    sockets = {}
    for role in ("student", "classmate", "other_school_teacher"):
        client = await sync_to_async(_signed_in)(world, role)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        headers = [(b"origin", b"http://localhost:8000"), (b"host", b"localhost:8000"), (b"cookie", cookie.encode())]
        sockets[role] = WebsocketCommunicator(application, "/ws/bell/", headers=headers)
        assert (await sockets[role].connect(timeout=WAIT))[0]

    teacher = await sync_to_async(_signed_in)(world, "homeroom_teacher")
    response = await sync_to_async(teacher.post)(reverse("class_bell:ring", args=[world.class_group.pk]))
    assert response.status_code == 302

    for role in ("student", "classmate"):
        event = (await sockets[role].receive_json_from(timeout=WAIT))["event"]
        assert event["kind"] == "class_bell.rang"
        assert world.class_group.label in event["message"]
    assert await sockets["other_school_teacher"].receive_nothing(timeout=0.3)
    for socket in sockets.values():
        await socket.disconnect()


@pytest.mark.django_db
def test_ringing_every_bell_of_the_school_is_a_job_whose_progress_reaches_its_end(world: World):
    response = _signed_in(world, "homeroom_teacher").post(
        reverse("class_bell:ring_school", args=[world.class_group.pk])
    )

    job = Job.objects.get(kind="class_bell.school")
    assert response.url == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED
    assert job.done == job.total == world.school.class_groups.count()
    assert job.message == "1 bells rang."  # only the teacher's own homeroom


@pytest.mark.django_db
def test_the_demo_seeder_is_found_by_its_dotted_path_and_speaks_up(world: World):
    out = io.StringIO()
    demo_seeders.get("class_bell").resolve()(None, out)

    assert "/bell/classes/" in out.getvalue()
