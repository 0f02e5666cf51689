"""ASGI_HTTP=wsgi-threads: an ASGI server's request runs through Django's WSGI handler in a thread pool and comes
back whole: status, headers (cookies as an HTTP/1.1 parser accepts them), body, in the browser's language."""

from __future__ import annotations

import asyncio

import pytest

from school_portal.core.wsgi_in_threads import WsgiInThreads

pytestmark = pytest.mark.django_db(transaction=True)


def _serve(app: WsgiInThreads, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> dict:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "scheme": "http",
        "http_version": "1.1",
    }
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return {
        "status": start["status"],
        "headers": start["headers"],
        "body": b"".join(m.get("body", b"") for m in sent[1:]),
        "last": sent[-1],
    }


def test_a_page_comes_back_whole_with_its_cookie_as_a_strict_parser_accepts_it():
    app = WsgiInThreads(threads=2)

    response = _serve(app, "GET", "/accounts/login/", [(b"accept-language", b"en")])

    assert response["status"] == 200
    assert b"Sign in" in response["body"]
    assert response["last"] == {"type": "http.response.body", "body": b"", "more_body": False}
    cookies = [value for name, value in response["headers"] if name == b"set-cookie"]
    assert cookies and all(value.startswith(b"csrftoken=") for value in cookies)


def test_a_form_body_sent_without_a_length_reaches_the_view():
    app = WsgiInThreads(threads=2)
    form = _serve(app, "GET", "/accounts/login/", [(b"accept-language", b"en")])
    token = next(v for n, v in form["headers"] if n == b"set-cookie").split(b";")[0].split(b"=", 1)[1]

    response = _serve(
        app,
        "POST",
        "/accounts/login/",
        [
            (b"accept-language", b"en"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"cookie", b"csrftoken=" + token),
        ],
        b"username=nobody&password=wrong&csrfmiddlewaretoken=" + token,
    )

    assert response["status"] == 200
    assert b"nobody" in response["body"]  # the form came back with what was typed: the body was read
