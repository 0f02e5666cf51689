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
