"""Under granian (or gunicorn) behind nginx, the sign-in throttle counts the client's address, not the proxy's."""

from __future__ import annotations

from school_portal.wsgi import client_address_from_proxy


def _address_seen(environ: dict) -> str:
    seen = {}

    def app(environ, start_response):
        seen["address"] = environ.get("REMOTE_ADDR", "")
        return [b""]

    client_address_from_proxy(app)({"REMOTE_ADDR": "", **environ}, lambda *args: None)
    return seen["address"]


def test_the_client_address_comes_from_the_address_nginx_forwards():
    assert _address_seen({"HTTP_X_FORWARDED_FOR": "203.0.113.7"}) == "203.0.113.7"
    assert _address_seen({"HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.0.0.2"}) == "203.0.113.7"


def test_without_a_forwarded_address_the_peer_stays():
    assert _address_seen({"REMOTE_ADDR": "127.0.0.1"}) == "127.0.0.1"
