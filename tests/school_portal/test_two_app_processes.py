"""Two app processes behind one load balancer, sharing the database and Redis: whichever process answers, a
person stays signed in, a sign-out ends the session on both, and the sign-in throttle counts attempts made on
either (docs/operations.md, "Growing past one machine"). Real Daphne processes, on the test's database."""

from __future__ import annotations

import http.client
import re
import uuid
from urllib.parse import urlencode

import pytest

from school_portal.core.testing.world import PASSWORD, build_world
from tests.daphne_process import free_port, start_daphne, stop, use_redis_channel_layer, worker_env

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
DASHBOARD = "/dashboard/"


class Browser:
    """One person's browser: its cookies, sent to whichever process it is pointed at."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": "localhost", "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, cookie_value = value.split(";", 1)[0].split("=", 1)
                self.cookies[cookie_name] = cookie_value.strip('"')
        page = response.read().decode()
        connection.close()
        return response.status, page if response.status != 302 else response.getheader("Location")

    def sign_in(self, port: int, username: str, password: str) -> tuple[int, str]:
        self.request(port, "GET", LOGIN)  # the CSRF cookie
        return self.request(port, "POST", LOGIN, {"username": username, "password": password})


@pytest.fixture
def two_processes(tmp_path, settings):
    world = build_world()  # before the workers' environment: on SQLite they read a copy of the database
    prefix = use_redis_channel_layer(settings)
    env = {**worker_env(prefix=prefix, tmp_path=tmp_path), "CACHE_PREFIX": f"test-two-{uuid.uuid4().hex[:12]}"}
    ports = [free_port(), free_port()]
    processes = []
    try:
        for port in ports:
            processes.append(start_daphne(port, env, tmp_path / f"daphne-{port}.log"))
        yield world, ports
    finally:
        for process in processes:
            stop(process)


def test_a_guardian_signed_in_on_one_process_is_signed_in_on_the_other_until_signing_out_there(two_processes):
    world, (first, second) = two_processes
    browser = Browser()

    status, location = browser.sign_in(first, "m-guardian", PASSWORD)
    assert (status, location) == (302, DASHBOARD)
    status, page = browser.request(second, "GET", DASHBOARD)
    assert status == 200
    assert "花子" in page and "一郎" in page  # the guardian's two children, served by the other process

    status, _ = browser.request(second, "POST", LOGOUT, {})
    assert status == 302
    status, location = browser.request(first, "GET", DASHBOARD)
    assert status == 302 and location.startswith(LOGIN)  # the first process no longer knows the session


def test_failed_attempts_on_either_process_count_towards_the_same_wait(two_processes, settings):
    world, ports = two_processes
    browser = Browser()
    free = settings.LOGIN_THROTTLE_FREE_ATTEMPTS

    for attempt in range(free):
        status, page = browser.sign_in(ports[attempt % 2], "m-guardian", f"not-the-password-{attempt}")
        assert status == 200 and "Too many failed attempts" not in page

    for port in ports:  # the right password now waits, whichever process answers
        status, page = browser.sign_in(port, "m-guardian", PASSWORD)
        assert status == 200
        assert re.search(r"Too many failed attempts\. Try again in \d+ seconds\.", page)
