"""seed_demo's phones: each demo guardian's subscriptions point at the local push service of the tests, which a
separate process started with the same seed and port can decrypt (docs/operations.md "The demo's phones")."""

from __future__ import annotations

import datetime
import socket

import pytest

from school_portal.core import push
from school_portal.core.models import PushSubscription
from school_portal.core.seeding import DEMO_PUSH_SEED, seed_push_subscriptions
from tests.push_endpoint import PushEndpoint

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_guardians_phones_receive_what_the_portal_pushes_on_the_local_push_service(world, monkeypatch):
    port = free_port()
    monkeypatch.setenv("PUSH_DEMO_ENDPOINT", f"http://127.0.0.1:{port}")
    assert seed_push_subscriptions() == 4  # two guardians in this world, a phone and a tablet each
    assert seed_push_subscriptions() == 4  # again: found by their endpoints, none added
    assert PushSubscription.objects.count() == 4

    service = PushEndpoint(seed=DEMO_PUSH_SEED, port=port, expected_key=push.vapid_public_key()).start()
    try:
        guardian = world.users["guardian"]
        push.push_preference_set(
            user=guardian, quiet_hours=False, quiet_start=datetime.time(21), quiet_end=datetime.time(7)
        )
        push.push_start(users=[guardian], title="遠足", url="/notices/1/", by=world.users["school_admin"])
        for device in ("phone", "tablet"):
            (payload,) = service.messages_for(f"{guardian.username}-{device}")
            assert payload["title"] == "遠足"
        assert service.errors == []
    finally:
        service.stop()


def test_settings_that_accept_only_public_https_push_services_get_no_demo_subscriptions(world, settings, monkeypatch):
    monkeypatch.setenv("PUSH_DEMO_ENDPOINT", "http://127.0.0.1:8765")
    settings.PUSH_TEST_ENDPOINTS = []
    assert seed_push_subscriptions() == 0
    assert not PushSubscription.objects.exists()
