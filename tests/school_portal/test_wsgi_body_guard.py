"""The WSGI entry's guard (``core/body_limit.refuse_large_bodies``) in front of Django's own WSGI handler, for the
requests a real server passes to it: what it refuses and what reaches the portal untouched. The servers'
side (a 50 MB body, its memory) is in test_upload_limits.py."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.core.wsgi import get_wsgi_application

from school_portal.core.body_limit import refuse_large_bodies

pytestmark = pytest.mark.django_db(transaction=True)  # Django closes the connection at a request's start


def _call(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[str, dict[str, str], str]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        **headers,
    }
    answer: dict = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info=None) -> None:
        answer["status"], answer["headers"] = status, dict(response_headers)

    response = refuse_large_bodies(get_wsgi_application())(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        if hasattr(response, "close"):
            response.close()  # as a server does: Django's request_finished, its connections back
    return answer["status"], answer["headers"], content.decode()


def test_pages_and_bodies_within_the_limit_reach_the_portal():
    status, _, page = _call("GET", "/accounts/login/")
    assert status.startswith("200") and "password" in page
    status, _, _ = _call("POST", "/accounts/login/", b"username=x", CONTENT_LENGTH="10", HTTP_ACCEPT_LANGUAGE="en")
    assert status.startswith("403")  # Django's CSRF check answered: the portal saw the request


def test_a_declared_body_over_the_limit_is_refused_in_the_clients_language():
    over = str(settings.REQUEST_BODY_MAX_BYTES + 1)
    status, headers, message = _call("POST", "/accounts/login/", CONTENT_LENGTH=over)
    assert (
        status.startswith("413")
        and "大きすぎます" in message
        and headers["Content-Length"] == str(len(message.encode()))
    )
    status, headers, message = _call(
        "POST", "/accounts/login/", CONTENT_LENGTH=over, CONTENT_TYPE="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert status.startswith("413") and headers["Content-Type"] == "application/json"
    assert json.loads(message) == {"error": "The upload is too large: the limit is 16 MB."}


@pytest.mark.parametrize("length", [None, "5"], ids=["chunked", "chunked-with-a-length"])
def test_a_body_of_unknown_length_is_refused_not_read_as_empty(length):
    headers = {"HTTP_TRANSFER_ENCODING": "chunked", "HTTP_ACCEPT_LANGUAGE": "en"}
    if length:
        headers["CONTENT_LENGTH"] = length
    status, _, message = _call("POST", "/accounts/login/", b"hello", **headers)
    assert status.startswith("411")
    assert message == (
        "The upload was sent without its size (Content-Length), which this server needs: please send it again."
    )
