"""Who may be in a session's call: the two teachers, during the booked time (the signaling socket refuses
everyone else, and the call page says why)."""

from __future__ import annotations

import datetime

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exchange.ice import turn_credentials
from school_portal.core.testing.world import build_world

from .test_call_browser import _booked_now, _session_cookie


@pytest.mark.django_db(transaction=True)
def test_the_call_is_open_only_to_the_two_teachers_during_the_booked_time():
    from school_portal.asgi import application

    world = build_world()
    session = _booked_now(world)

    def connects(role: str) -> bool:
        cookie = f"{settings.SESSION_COOKIE_NAME}={_session_cookie(world.users[role])}"
        headers = [(b"origin", b"http://localhost:8000"), (b"host", b"localhost:8000"), (b"cookie", cookie.encode())]

        async def attempt() -> bool:
            socket = WebsocketCommunicator(application, f"/ws/exchange/call/{session.pk}/", headers=headers)
            await socket.connect(timeout=10)
            output = await socket.receive_output(timeout=10) if not await socket.receive_nothing(0.2) else None
            await socket.disconnect()
            return output is None

        return async_to_sync(attempt)()

    assert connects("homeroom_teacher") and connects("partner_teacher")
    assert not connects("school_admin")  # schedules the exchange, does not join its calls
    assert not connects("other_teacher")
    session.starts_at = timezone.now() + datetime.timedelta(days=1)
    session.ends_at = session.starts_at + datetime.timedelta(minutes=45)
    session.save()
    assert not connects("homeroom_teacher")  # not yet
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users["homeroom_teacher"])
    page = client.get(reverse("exchange:session_call", args=[session.pk])).content.decode()
    assert "The call opens a few minutes before the session starts." in page


def test_turn_credentials_are_coturns_time_limited_ones():
    username, password = turn_credentials(user_id=7, secret="s3cret", ttl=3600, now=1_700_000_000)
    assert username == "1700003600:7"
    # base64(HMAC-SHA1("s3cret", "1700003600:7")), as coturn's use-auth-secret computes it
    import base64
    import hashlib
    import hmac

    assert password == base64.b64encode(hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()).decode()


@pytest.mark.django_db
def test_the_call_page_gives_the_configured_stun_and_turn_servers(settings, world, client_as):
    settings.EXCHANGE_STUN_URLS = ["stun:turn.city.example:3478"]
    settings.EXCHANGE_TURN_URLS = ["turn:turn.city.example:3478?transport=udp"]
    settings.EXCHANGE_TURN_SECRET = "s3cret"
    session = _booked_now(world)
    page = client_as("partner_teacher").get(reverse("exchange:session_call", args=[session.pk])).content.decode()
    assert "stun:turn.city.example:3478" in page and "turn:turn.city.example:3478?transport=udp" in page
    assert "s3cret" not in page and "credential" in page
