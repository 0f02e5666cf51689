"""The page frame (head links, the header's navigation) is rendered once per kind of visitor and kept
(core/frame.py): each person still gets their own links, their own working CSRF token and their own page's path,
in their own language."""

from __future__ import annotations

import re

from django.conf import settings
from django.test import Client
from django.urls import reverse

DASHBOARD = reverse("core:dashboard")


def _signed_in(world, role: str, language: str = "en") -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def _header(html: str) -> str:
    return html.split('<header class="site-header">')[1].split("</header>")[0]


def _tokens(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', _header(html))


def test_each_persons_sign_out_form_carries_their_own_working_token(world):
    """Two guardians share one kept frame (the same links and language): each page's sign-out form holds a token
    of that person's own CSRF cookie, which signs that person out; the other's token is refused."""
    first, second = _signed_in(world, "guardian"), _signed_in(world, "other_guardian")
    pages = [client.get(DASHBOARD).content.decode() for client in (first, second, first)]
    assert _header(pages[0]).replace(_tokens(pages[0])[0], "").replace(_tokens(pages[0])[1], "") == (
        _header(pages[1]).replace(_tokens(pages[1])[0], "").replace(_tokens(pages[1])[1], "")
    )  # the same frame but for the tokens
    assert len(_tokens(pages[0])) == 2  # sign out, language switch
    assert len(set(_tokens(pages[0]) + _tokens(pages[1]) + _tokens(pages[2]))) == 3  # each page's own, masked anew

    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": _tokens(pages[0])[0]}).status_code == 403
    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": _tokens(pages[1])[0]}).status_code == 302
    assert second.get(DASHBOARD).status_code == 302  # signed out
    assert first.get(DASHBOARD).status_code == 200  # still signed in


def test_each_persons_header_has_their_links_and_language(world):
    teacher_en = _header(_signed_in(world, "homeroom_teacher").get(DASHBOARD).content.decode())
    guardian_en = _header(_signed_in(world, "guardian").get(DASHBOARD).content.decode())
    guardian_ja = _header(_signed_in(world, "guardian", "ja").get(DASHBOARD).content.decode())
    child = _header(_signed_in(world, "student").get(DASHBOARD).content.decode())

    links = lambda header: re.findall(r'<li><a href="([^"]+)">', header)  # noqa: E731
    assert links(teacher_en) != links(guardian_en)
    assert links(guardian_en) == links(guardian_ja)
    labels = lambda header: re.findall(r'<li><a href="[^"]+">([^<]+)</a>', header)  # noqa: E731
    assert "Dashboard" in labels(guardian_en) and "ダッシュボード" in labels(guardian_ja)  # each in its language
    assert "ダッシュボード" not in labels(guardian_en) and "Dashboard" not in labels(guardian_ja)
    assert "Sign out" in guardian_en and "Sign out" not in guardian_ja and "サインアウト" in guardian_ja
    assert 'value="en" selected' in guardian_en and 'value="ja" selected' in guardian_ja
    assert reverse("core:account") not in child and "language-form" not in child  # a child on a shared tablet


def test_the_language_switch_returns_to_the_page_it_was_on_escaped(world):
    guardian = _signed_in(world, "guardian")
    first = _header(guardian.get(DASHBOARD + "?from='x'&to=1").content.decode())
    account = _header(guardian.get(reverse("core:account")).content.decode())

    assert 'name="next" type="hidden" value="/dashboard/?from=&#x27;x&#x27;&amp;to=1"' in first
    assert f'name="next" type="hidden" value="{reverse("core:account")}"' in account


def test_a_visitors_page_holds_no_token_and_a_get_language_form(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("core:login")).content.decode()
    header = _header(page)

    assert "csrfmiddlewaretoken" not in header
    assert f'action="{reverse("core:language_choose")}" method="get"' in header
    assert 'name="next" type="hidden" value="/' in header
    assert settings.LANGUAGE_COOKIE_NAME  # the switch's cookie is Django's own
