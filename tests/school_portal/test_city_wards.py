"""The city at its real size: the portal by wards with a school finder, the page tree and collections by ward."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, Site
from wagtail.permissions import policy_registry

from school_portal.core import services
from school_portal.core.models import City, CityHomePage, School, SchoolHomePage, User, WardIndexPage

pytestmark = pytest.mark.django_db

E, J = School.Kind.ELEMENTARY, School.Kind.JUNIOR_HIGH
SCHOOLS = [
    ("W-E1", "さくら小学校", E, "北区"),
    ("W-E2", "みなと小学校", E, "北区"),
    ("W-J1", "うみかぜ中学校", J, "北区"),
    ("W-E3", "ひかり小学校", E, "西区"),
    ("W-J2", "あおば中学校", J, "住吉区"),
]


@pytest.fixture
def city(world):
    Site.objects.filter(is_default_site=True).delete()  # Wagtail's welcome site: the portal takes its place
    services.city_portal_ensure(city=world.city, port=80)
    for code, name, kind, ward in SCHOOLS:
        services.school_create(city=world.city, name=name, kind=kind, code=code, slug=code.lower(), ward=ward)
    return world.city


def _get(path: str, client: Client | None = None, **params):
    return (client or Client()).get(path, params, HTTP_HOST="localhost")


def _add_school(city, code: str, ward: str, name: str | None = None) -> School:
    return services.school_create(
        city=city, name=name or f"{code}小学校", kind=E, code=code, slug=code.lower(), ward=ward
    )


# --- the public portal -----------------------------------------------------------------------------------


def test_the_city_home_lists_the_wards_with_their_numbers_of_schools_not_every_school(city):
    html = _get("/").content.decode()
    for ward in ("北区", "西区", "住吉区"):
        assert f">{ward}</a>" in html
    assert "2 elementary schools" in html or "小学校 2校" in html
    assert "さくら小学校" not in html
    assert 'role="search"' in html and 'method="get"' in html


def test_a_ward_page_lists_its_schools_with_links_to_their_own_sites(city):
    response = _get("/wards/北区/")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("さくら小学校", "みなと小学校", "うみかぜ中学校"):
        assert name in html
    assert "ひかり小学校" not in html
    assert 'href="http://w-e1.localhost/"' in html


def test_a_ward_with_no_school_is_not_found(city):
    assert _get("/wards/どこにもない区/").status_code == 404


def test_the_finder_finds_by_a_part_of_the_name_by_ward_and_by_kind(city):
    def found(**params) -> set[str]:
        html = _get("/schools/", **params).content.decode()
        return {name for _code, name, _kind, _ward in SCHOOLS if name in html}

    assert found(q="みなと") == {"みなと小学校"}
    assert found(ward="北区", kind=J) == {"うみかぜ中学校"}
    assert found(kind=E) == {"さくら小学校", "みなと小学校", "ひかり小学校"}
    assert found(q="  中学校 ", ward="住吉区") == {"あおば中学校"}
    assert found() == {name for _code, name, _kind, _ward in SCHOOLS}


def test_the_finder_pages_its_results_and_keeps_the_search_in_the_page_links(city, monkeypatch):
    monkeypatch.setattr(CityHomePage, "SCHOOLS_PER_PAGE", 2)
    first = _get("/schools/", ward="北区").content.decode()
    assert "3 schools found" in first or "3校" in first
    assert "?ward=%E5%8C%97%E5%8C%BA&amp;page=2" in first
    second = _get("/schools/", ward="北区", page="2").content.decode()
    assert "うみかぜ中学校" in second and "さくら小学校" not in second
    assert _get("/schools/", ward="北区", page="99").status_code == 200  # the last page, not an error


def test_a_finder_search_that_makes_no_sense_gets_a_clear_message_and_keeps_what_was_typed(city):
    response = _get("/schools/", q="さくら", ward="ない区")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert 'value="さくら"' in html
    too_long = _get("/schools/", q="あ" * 51)
    assert too_long.status_code == 400 and 'role="alert"' in too_long.content.decode()


def test_the_city_pages_come_from_the_cache_and_show_a_new_school_at_once(city):
    for path in ("/", "/wards/西区/"):
        _get(path)
        with CaptureQueriesContext(connection) as cached:
            assert _get(path).status_code == 200
        assert len(cached) <= 4, path
    _add_school(city, "W-E9", "西区", name="あたらし小学校")
    _add_school(city, "W-E10", "東区")
    assert "あたらし小学校" in _get("/wards/西区/").content.decode()
    assert ">東区</a>" in _get("/").content.decode()


def test_a_site_moved_to_another_host_is_linked_at_once_from_the_cached_ward_page(city):
    assert 'href="http://w-e3.localhost/"' in _get("/wards/西区/").content.decode()
    site = School.objects.get(code="W-E3").site
    site.hostname = "hikari.localhost"
    site.save()
    assert 'href="http://hikari.localhost/"' in _get("/wards/西区/").content.decode()


def test_the_city_pages_read_the_same_number_of_queries_whatever_the_number_of_schools(city, settings):
    settings.PAGE_CACHE_SECONDS = 0

    def counts() -> list[int]:
        result = []
        for path, params in (("/", {}), ("/wards/北区/", {}), ("/schools/", {"kind": E})):
            _get(path, **params)
            with CaptureQueriesContext(connection) as captured:
                assert _get(path, **params).status_code == 200
            result.append(len(captured))
        return result

    before = counts()
    for n in range(8):
        _add_school(city, f"W-X{n}", ["北区", "東区", "南区"][n % 3])
    assert counts() == before


# --- the page tree and the collections -----------------------------------------------------------------


def test_a_school_home_stands_in_its_ward_folder_and_its_site_permissions_and_media_are_unchanged(city, world):
    school = School.objects.get(code="W-E1")
    home = SchoolHomePage.objects.get(school=school)
    folder = home.get_parent().specific
    assert isinstance(folder, WardIndexPage) and folder.title == "北区" and folder.depth == 2
    assert Site.objects.get(pk=school.site_id).root_page_id == home.pk
    assert Client().get("/", HTTP_HOST="w-e1.localhost").status_code == 200
    assert Collection.objects.get(pk=school.collection_id).get_parent().name == "北区"

    teacher = User.objects.create_user(username="w-teacher")
    services.role_assign(user=teacher, role="teacher", school=school)
    assert home.permissions_for_user(teacher).can_edit()
    assert not folder.permissions_for_user(teacher).can_edit()
    assert not SchoolHomePage.objects.get(school__code="W-E2").permissions_for_user(teacher).can_edit()
    collections = policy_registry.get_by_type(get_image_model()).collections_user_has_permission_for(teacher, "add")
    assert list(collections) == [school.collection]


def test_the_root_of_the_tree_holds_the_wards_and_a_ward_its_schools():
    city, _ = City.objects.get_or_create(slug="t")
    for n in range(6):
        _add_school(city, f"T-{n}", ["北区", "西区"][n % 2])
    root_children = Page.get_first_root_node().get_children().type(SchoolHomePage)
    assert not root_children.exists()
    assert WardIndexPage.objects.get(title="北区").get_children().count() == 3


def test_a_school_whose_ward_changed_moves_to_its_new_ward_and_keeps_serving(city):
    school = School.objects.get(code="W-E3")
    Client().get("/", HTTP_HOST="w-e3.localhost")
    school.ward = "東区"
    school.save()
    call_command("arrange_wards", stdout=io.StringIO())
    home = SchoolHomePage.objects.get(school=school)
    assert home.get_parent().title == "東区"
    assert Collection.objects.get(pk=school.collection_id).get_parent().name == "東区"
    response = Client().get("/", HTTP_HOST="w-e3.localhost")
    assert response.status_code == 200 and "東区" in response.content.decode()


def test_schools_made_before_the_wards_are_put_in_their_wards_by_arrange_wards(city):
    school = School.objects.get(code="W-J2")
    home = SchoolHomePage.objects.get(school=school)
    home.move(Page.get_first_root_node(), pos="last-child")
    Collection.objects.get(pk=school.collection_id).move(Collection.get_first_root_node(), pos="sorted-child")
    call_command("arrange_wards", stdout=io.StringIO())
    assert SchoolHomePage.objects.get(school=school).get_parent().title == "住吉区"
    assert Client().get("/", HTTP_HOST="w-j2.localhost").status_code == 200


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(username="w-super", password="x", email="s@example.org"))
    return client


def test_the_explorer_at_the_root_shows_the_wards_and_a_ward_shows_its_schools(city, superuser_client):
    root = Page.get_first_root_node()
    folder = WardIndexPage.objects.get(title="北区")
    sakura, hikari = (SchoolHomePage.objects.get(school__code=code) for code in ("W-E1", "W-E3"))
    html = superuser_client.get(reverse("wagtailadmin_explore", args=[root.pk])).content.decode()
    assert reverse("wagtailadmin_explore", args=[folder.pk]) in html
    assert reverse("wagtailadmin_pages:edit", args=[sakura.pk]) not in html
    html = superuser_client.get(reverse("wagtailadmin_explore", args=[folder.pk])).content.decode()
    assert reverse("wagtailadmin_pages:edit", args=[sakura.pk]) in html
    assert reverse("wagtailadmin_pages:edit", args=[hikari.pk]) not in html


def test_the_page_chooser_walks_the_wards(city, superuser_client):
    response = superuser_client.get(reverse("wagtailadmin_choose_page"))
    assert response.status_code == 200
    folder = WardIndexPage.objects.get(title="北区")
    response = superuser_client.get(reverse("wagtailadmin_choose_page_child", args=[folder.pk]))
    assert "さくら小学校" in response.json()["html"]


def test_the_collections_listing_is_paginated(city, superuser_client):
    for n in range(60):
        Collection.get_first_root_node().add_child(name=f"追加コレクション{n:02d}")
    first = superuser_client.get(reverse("wagtailadmin_collections:index"))
    assert first.status_code == 200
    html = first.content.decode()
    assert "追加コレクション00" in html and "追加コレクション59" not in html
    second = superuser_client.get(reverse("wagtailadmin_collections:index"), {"p": "2"}).content.decode()
    assert "追加コレクション59" in second


def test_a_teacher_without_collection_rights_is_still_refused_the_collections_listing(city, client_as):
    response = client_as("homeroom_teacher").get(reverse("wagtailadmin_collections:index"))
    assert response.status_code in {302, 403}
    assert Client().get(reverse("wagtailadmin_collections:index")).status_code == 302


def test_the_explorer_filters_do_not_list_every_schools_site(city, superuser_client):
    root = Page.get_first_root_node()
    html = superuser_client.get(reverse("wagtailadmin_explore", args=[root.pk])).content.decode()
    portal_site = Site.objects.get(is_default_site=True)
    checkboxes = [part.split('"')[0] for part in html.split('name="site" value="')[1:]]
    assert checkboxes == [str(portal_site.pk)]


def test_the_explorer_still_filters_by_the_portal_site(city, superuser_client):
    root = Page.get_first_root_node()
    portal_site = Site.objects.get(is_default_site=True)
    response = superuser_client.get(reverse("wagtailadmin_explore", args=[root.pk]), {"site": portal_site.pk})
    assert response.status_code == 200


def test_the_user_listing_filters_offer_the_city_wide_groups_not_every_schools(city, superuser_client):
    services.role_assign(user=User.objects.create_user(username="w-centre"), role="centre_staff")
    html = superuser_client.get(reverse("wagtailusers_users:index")).content.decode()
    assert "Education centre staff" in html
    assert "W-E1 editors" not in html and "W-E1 administrators" not in html
    school = School.objects.get(code="W-E1")
    teacher = User.objects.create_user(username="w-teacher-found")
    services.role_assign(user=teacher, role="teacher", school=school)
    found = superuser_client.get(reverse("wagtailusers_users:index"), {"q": "teacher-fou"}).content.decode()
    assert "w-teacher-found" in found


def test_the_explorer_of_a_ward_reads_the_same_number_of_queries_whatever_its_number_of_schools(city, superuser_client):
    folder = WardIndexPage.objects.get(title="西区")
    url = reverse("wagtailadmin_explore", args=[folder.pk])

    def count() -> int:
        superuser_client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert superuser_client.get(url).status_code == 200
        return len(captured)

    before = count()
    for n in range(5):
        _add_school(city, f"W-Y{n}", "西区")
    assert count() == before
