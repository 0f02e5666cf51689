"""Every public output of the seeded demo city, read for the demo children's and guardians' names: none is there."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from parent_notices.models import Audience, Notice
from school_portal.core.models import City, ClassGroup, Guardian, School, Student

pytestmark = pytest.mark.django_db


def _names() -> set[str]:
    """Full names, with and without the space, in kanji and kana (a given name alone is also a word: みなと is a
    child and a school, れん is in くんれん)."""
    names: set[str] = set()
    for student in Student.objects.all():
        names |= {
            f"{student.family_name} {student.given_name}",
            f"{student.family_name}{student.given_name}",
        }
        if student.family_name_kana and student.given_name_kana:
            names |= {
                f"{student.family_name_kana} {student.given_name_kana}",
                f"{student.family_name_kana}{student.given_name_kana}",
            }
    for guardian in Guardian.objects.select_related("user"):
        names |= {guardian.user.display_name, guardian.user.username, guardian.user.get_full_name()}
    return {name for name in names if len(name.strip()) >= 2}


def _public_urls() -> list[tuple[str, str]]:
    """(host, path) of every public output: the pages, feeds, calendars, CSVs and the API."""
    urls: list[tuple[str, str]] = []
    for city in City.objects.all():
        for name in ("public_city", "public_city_ical", "public_city_csv"):
            urls.append(("localhost", reverse(f"parent_notices:{name}", args=[city.slug])))
    for school in School.objects.select_related("site"):
        host = f"{school.site.hostname}:{school.site.port}" if school.site else "localhost"
        urls.append((host, "/"))
        urls.append((host, reverse("parent_notices:api:pages:listing") + "?fields=*&limit=20"))
        for name in (
            "public_school",
            "public_school_rss",
            "public_school_atom",
            "public_school_ical",
            "public_school_csv",
        ):
            urls.append((host, reverse(f"parent_notices:{name}", args=[school.slug])))
    for class_group in ClassGroup.objects.all():
        urls.append(("localhost", reverse("parent_notices:public_class_ical", args=[class_group.pk])))
    urls.append(("localhost", "/"))
    urls.append(("localhost", reverse("parent_notices:api:notices:listing") + "?limit=20"))
    for notice in Notice.objects.filter(audience=Audience.PUBLIC, live=True):
        urls.append(("localhost", reverse("parent_notices:public_notice", args=[notice.pk])))
        urls.append(("localhost", reverse("parent_notices:api:notices:detail", args=[notice.pk])))
    return urls


def test_no_public_output_of_the_demo_city_names_a_child_or_a_guardian(demo_city: str) -> None:
    names = _names()
    assert "山田 花子" in names or any(" " in name for name in names)  # the demo has children with names
    public = Notice.objects.filter(audience=Audience.PUBLIC, live=True)
    assert public.filter(school__isnull=False).values("school").distinct().count() == School.objects.count()
    client = Client()
    read = 0
    for host, url in _public_urls():
        response = client.get(url, HTTP_HOST=host)
        assert response.status_code == 200, (host, url, response.status_code)
        body = response.content.decode("utf-8")
        if "json" in response["Content-Type"]:
            body = json.dumps(json.loads(body), ensure_ascii=False)
        found = sorted(name for name in names if name in body)
        assert not found, f"{url} on {host} names {found}"
        read += 1
    assert read > 10
    # the demo's public events reached the open data
    csv = client.get(reverse("parent_notices:public_city_csv", args=[City.objects.first().slug])).content.decode()
    assert "学校公開日" in csv and "教育フォーラム" in csv


def test_a_public_output_asked_for_a_family_notice_is_refused(demo_city: str) -> None:
    client = Client()
    family = Notice.objects.exclude(audience=Audience.PUBLIC).filter(live=True).first()
    assert client.get(reverse("parent_notices:public_notice", args=[family.pk])).status_code == 404
    assert client.get(reverse("parent_notices:api:notices:detail", args=[family.pk])).status_code == 404
    refused = client.get(reverse("parent_notices:api:notices:listing"), {"audience": "children"})
    assert refused.status_code == 400 and "一般向け" in json.loads(refused.content)["message"]
