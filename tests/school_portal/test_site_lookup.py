"""A request's site is found from the process's copy, and a new or changed site is seen at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from school_portal.core import services, site_lookup
from school_portal.core.models import City, School, StandardPage

pytestmark = pytest.mark.django_db


def _site_for(host: str) -> Site | None:
    return Site.find_for_request(RequestFactory().get("/", HTTP_HOST=host))


def _make_school(slug: str) -> School:
    city, _ = City.objects.get_or_create(slug="lookup", defaults={"name": "ルックアップ市"})
    return services.school_create(city=city, name=f"{slug}小学校", kind=School.Kind.ELEMENTARY, code=slug, slug=slug)


def test_wagtail_still_has_the_methods_the_lookup_replaces():
    assert Site._find_for_request is site_lookup.find_for_request
    assert Site.get_site_root_paths is site_lookup.get_site_root_paths
    assert Site.clear_site_root_paths_cache is site_lookup.clear_site_root_paths_cache


def test_a_known_host_is_found_without_a_query_whatever_the_number_of_sites():
    school = _make_school("lookup-a")
    for n in range(5):
        _make_school(f"lookup-more-{n}")
    assert _site_for("lookup-a.localhost").pk == school.site_id
    Site.get_site_root_paths()
    with CaptureQueriesContext(connection) as queries:
        site = _site_for("lookup-a.localhost")
        paths = Site.get_site_root_paths()
    assert len(queries) == 0
    assert site.pk == school.site_id
    assert site.root_page.specific.school == school
    assert len(paths) == Site.objects.count()


def test_each_request_gets_its_own_site_object():
    _make_school("lookup-b")
    first, second = _site_for("lookup-b.localhost"), _site_for("lookup-b.localhost")
    first.site_name = "changed by one request"
    assert second.site_name != "changed by one request"
    assert _site_for("lookup-b.localhost").site_name != "changed by one request"


def test_a_new_site_is_seen_on_the_next_request():
    default = _site_for("lookup-new.localhost")
    assert default.is_default_site
    school = _make_school("lookup-new")
    assert _site_for("lookup-new.localhost").pk == school.site_id


def test_a_changed_host_name_is_seen_and_the_page_urls_follow():
    school = _make_school("lookup-c")
    page = school.home_page.add_child(instance=StandardPage(title="アクセス", slug="access"))
    assert page.get_url(request=None).startswith("http://lookup-c.localhost")
    assert _site_for("lookup-c.localhost").pk == school.site_id

    site = Site.objects.get(pk=school.site_id)
    site.hostname = "lookup-renamed.localhost"
    site.save()

    assert _site_for("lookup-renamed.localhost").pk == school.site_id
    assert _site_for("lookup-c.localhost").is_default_site
    fresh = StandardPage.objects.get(pk=page.pk)  # a page object keeps the root paths it read once
    assert fresh.get_url(request=None).startswith("http://lookup-renamed.localhost")


def test_a_deleted_site_is_no_longer_found():
    school = _make_school("lookup-d")
    assert _site_for("lookup-d.localhost").pk == school.site_id
    Site.objects.get(pk=school.site_id).delete()
    assert _site_for("lookup-d.localhost").is_default_site


def test_a_change_made_by_another_process_is_seen_through_the_shared_generation():
    school = _make_school("lookup-e")
    assert _site_for("lookup-e.localhost").pk == school.site_id
    # Another process saved the site: the rows changed, and its signal replaced the generation in the shared cache.
    Site.objects.filter(pk=school.site_id).update(hostname="lookup-elsewhere.localhost")
    cache.set(site_lookup.GENERATION_KEY, "another-process-generation", timeout=None)
    assert _site_for("lookup-e.localhost").is_default_site
    assert _site_for("lookup-elsewhere.localhost").pk == school.site_id


def test_a_flood_of_made_up_hosts_is_not_kept(monkeypatch):
    monkeypatch.setattr(site_lookup, "MAX_HOSTS", 3)
    for n in range(10):
        assert _site_for(f"made-up-{n}.localhost").is_default_site
    assert len(site_lookup._current.by_host) <= 3
