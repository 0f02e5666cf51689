"""A push fan-out shared by real ``manage.py db_worker`` processes, one of them killed with SIGKILL halfway.

The local push service (tests/push_endpoint.py) runs in this test's process and decrypts and verifies every
message. What must hold after the kill: every device got the message (none forgotten), each delivery is
recorded once, and a device got it twice only if its request was in flight at the moment of the kill (the
portal cannot know whether that one arrived: it is sent again with the same Topic and notification tag, so the
device shows it once) — at most ``PUSH_SEND_THREADS`` requests and one unwritten group of answers.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
from django.conf import settings

from school_portal.core import push
from school_portal.core.models import Job, PushDelivery, PushSubscription, User
from tests.push_endpoint import PushEndpoint

from .test_jobs_worker import database_backend, finished, shared_database, start_worker, watch  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

GUARDIANS = 4000  # enough that the fan-out is still running when the test kills its worker


@pytest.fixture
def endpoint() -> Iterator[PushEndpoint]:
    service = PushEndpoint(expected_key=push.vapid_public_key()).start()
    yield service
    service.stop()


@pytest.fixture
def guardians(world, endpoint) -> list[User]:
    User.objects.bulk_create(User(username=f"push-{n:05d}", display_name=f"保護者{n}") for n in range(GUARDIANS))
    users = list(User.objects.filter(username__startswith="push-").order_by("pk"))
    PushSubscription.objects.bulk_create(
        PushSubscription(user=user, **_fields(endpoint.subscription(user.username))) for user in users
    )
    return users


def _fields(info: dict) -> dict:
    return {"endpoint": info["endpoint"], "p256dh": info["keys"]["p256dh"], "auth": info["keys"]["auth"]}


def test_a_fan_out_whose_worker_is_killed_halfway_reaches_every_device_once(
    world,
    guardians,
    endpoint,
    client_as,
    start_worker,  # noqa: F811
):
    sender = world.users["centre_staff"]
    job = push.push_start(
        users=guardians, title="暴風警報による臨時休校", url="/notices/7/", urgency="high", emergency=True, by=sender
    )
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # nothing was sent in the sender's request
    client = client_as("centre_staff")
    workers = [start_worker(), start_worker()]

    # Kill the worker running the job (the one that planned the deliveries and reports) once a part is sent.
    watch(client, job.pk, lambda state: state["finished"] or state["done"] >= GUARDIANS // 4, every=0.02)
    running = Job.objects.get(pk=job.pk)
    assert running.status == Job.Status.RUNNING, "the fan-out ended before the worker was killed"
    victim = next(w for w in workers if running.worker.endswith(f":{w.pid}"))
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    sent_at_kill = PushDelivery.objects.filter(status=PushDelivery.Status.SENT).count()
    assert 0 < sent_at_kill < GUARDIANS

    start_worker()
    seen = watch(client, job.pk, finished)

    assert seen[-1]["status"] == "succeeded", seen[-1]
    assert endpoint.errors == []
    tokens = {user.username for user in guardians}
    reached = {token for (token, _message) in endpoint.delivered}
    assert reached == tokens  # none forgotten
    assert PushDelivery.objects.count() == GUARDIANS  # one record per device
    assert PushDelivery.objects.filter(status=PushDelivery.Status.SENT).count() == GUARDIANS
    twice = [key for key, times in endpoint.delivered.items() if times > 1]
    assert all(times <= 2 for times in endpoint.delivered.values())
    assert len(twice) <= settings.PUSH_SEND_THREADS + push.RECORD_GROUP, twice  # only what was in flight at the kill
    print(f"devices pushed twice (in flight at the kill): {len(twice)}")
    assert Job.objects.get(pk=job.pk).attempts == 2
