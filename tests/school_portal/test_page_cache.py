"""Wagtail pages for visitors not signed in come from the cache; a change shows at once; nobody's page is shared."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from school_portal.core.models import StandardPage


@pytest.fixture
def site_get(world):
    site = world.school.site

    def get(client: Client, path: str = "/"):
        return client.get(path, HTTP_HOST=site.hostname, SERVER_PORT=str(site.port))

    return get


def _queries(get) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert get().status_code == 200
    return len(captured)


def test_an_anonymous_visitors_second_visit_of_the_school_home_page_is_served_without_rendering(world, site_get):
    rendered = _queries(lambda: site_get(Client()))
    cached = _queries(lambda: site_get(Client()))
    assert cached <= 4 < rendered  # finding the page and its view restrictions, not the header, body and links
    assert world.school.home_page.title in site_get(Client()).content.decode()


def test_a_published_revision_shows_to_the_next_anonymous_visitor_at_once(world, site_get):
    site_get(Client())
    home = world.school.home_page
    home.title = "新しい学校のホーム"
    home.save_revision().publish()
    assert "新しい学校のホーム" in site_get(Client()).content.decode()


def test_a_change_to_the_school_shows_on_its_cached_home_page_at_once(world, site_get):
    site_get(Client())
    world.school.ward = "桜ヶ丘区"
    world.school.save()
    assert "桜ヶ丘区" in site_get(Client()).content.decode()


def test_an_unpublished_page_is_gone_for_the_next_anonymous_visitor(world, site_get):
    page = world.school.home_page.add_child(instance=StandardPage(title="運動会のお知らせ", slug="sports-day"))
    assert site_get(Client(), "/sports-day/").status_code == 200
    page.unpublish()
    assert site_get(Client(), "/sports-day/").status_code == 404


def test_a_signed_in_teacher_never_gets_the_anonymous_copy_nor_leaves_theirs_for_anonymous_visitors(
    world, site_get, client_as
):
    assert "Sign out" not in site_get(Client()).content.decode()
    teacher = client_as("homeroom_teacher")
    teacher.cookies["django_language"] = "en"
    for _ in range(2):
        assert "Sign out" in site_get(teacher).content.decode()
    english_visitor = Client()
    english_visitor.cookies["django_language"] = "en"
    for visitor in (Client(), english_visitor):
        html = site_get(visitor).content.decode()
        assert "Sign out" not in html and "サインアウト" not in html
        assert "Sign in" in html or "サインイン" in html


def test_each_language_gets_its_own_copy(world, site_get):
    for _ in range(2):
        for language in ("ja", "en"):
            visitor = Client()
            visitor.cookies["django_language"] = language
            assert f'<html lang="{language}">' in site_get(visitor).content.decode()


def test_a_page_restricted_after_it_was_cached_is_not_shown_to_anonymous_visitors(world, site_get):
    page = world.school.home_page.add_child(instance=StandardPage(title="職員室だより", slug="staff-news"))
    assert site_get(Client(), "/staff-news/").status_code == 200
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    for _ in range(2):
        response = site_get(Client(), "/staff-news/")
        assert response.status_code == 302 and "login/?next=/staff-news/" in response["Location"]


def test_a_page_served_from_the_cache_sets_no_cookie_and_carries_no_csrf_token(world, site_get):
    site_get(Client())
    response = site_get(Client())
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "Cookie" in response["Vary"] and "Accept-Language" in response["Vary"]


def test_the_language_switch_of_a_visitor_not_signed_in_sets_the_cookie_and_stays_on_the_site(world, site_get):
    visitor = Client()
    response = site_get(visitor, "/language/?language=en&next=/sports-day/")
    assert response.status_code == 302 and response["Location"] == "/sports-day/"
    assert response.cookies["django_language"].value == "en"
    assert site_get(visitor, "/language/?language=ja&next=https://evil.example/")["Location"] == "/"
    assert '<html lang="ja">' in site_get(visitor).content.decode()


# --- the early path: a copy before the session, locale, authentication middleware and Wagtail's site routing ---


def test_a_copy_is_served_without_a_single_query_and_with_the_headers_of_a_render(world, site_get):
    rendered = site_get(Client())
    with CaptureQueriesContext(connection) as captured:
        copy = site_get(Client())
    assert len(captured) == 0
    assert copy.content == rendered.content
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Language", "Content-Type"):
        assert copy[header] == rendered[header]
    assert set(copy["Vary"].split(", ")) == set(rendered["Vary"].split(", ")) >= {"Accept-Language", "Cookie"}


def test_a_publish_shows_at_once_on_the_early_path_and_is_then_served_from_it(world, site_get):
    page = world.school.home_page.add_child(instance=StandardPage(title="遠足のお知らせ", slug="outing"))
    site_get(Client(), "/outing/")
    page.title = "遠足は雨天延期"
    page.save_revision().publish()
    assert "遠足は雨天延期" in site_get(Client(), "/outing/").content.decode()
    with CaptureQueriesContext(connection) as captured:
        assert "遠足は雨天延期" in site_get(Client(), "/outing/").content.decode()
    assert len(captured) == 0


def test_the_language_cookie_wins_over_the_browsers_language_on_a_copy(world, site_get):
    def visit(cookie: str | None, accept: str) -> str:
        visitor = Client(HTTP_ACCEPT_LANGUAGE=accept)
        if cookie:
            visitor.cookies["django_language"] = cookie
        return site_get(visitor).content.decode()

    for _ in range(2):  # the first round renders and stores, the second is served from the copies
        assert '<html lang="en">' in visit("en", "ja")
        assert '<html lang="ja">' in visit("ja", "en")
        assert '<html lang="en">' in visit(None, "en")
        assert '<html lang="ja">' in visit("vi", "en")  # a content language without an interface: the portal's


def test_a_signed_in_guardian_with_only_the_cookies_a_visitor_has_besides_never_gets_a_copy(world, site_get, client_as):
    for _ in range(2):
        site_get(Client())
    guardian = client_as("guardian")
    guardian.cookies["django_language"] = "ja"
    guardian.cookies["csrftoken"] = "x" * 32
    html = site_get(guardian).content.decode()
    assert "サインアウト" in html or "Sign out" in html


def test_a_visitor_arriving_from_a_link_is_still_asked_about_on_the_portal_when_a_copy_exists(world, site_get):
    site_get(Client())
    arriving = Client(HTTP_SEC_FETCH_MODE="navigate", HTTP_SEC_FETCH_SITE="cross-site")
    response = site_get(arriving)
    assert response.status_code == 302 and "/accounts/handoff/" in response["Location"]
