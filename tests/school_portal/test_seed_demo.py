"""The demo city: what a newcomer sees after ``scripts/demo``, built idempotently."""

from __future__ import annotations

import io

from django.apps import apps
from django.core.management import call_command
from django.test import Client
from wagtail.models import Site

from school_portal.core.models import Guardian, School, Student


def test_seed_demo_builds_the_city_and_prints_logins(demo_city: str, db) -> None:
    text = demo_city
    assert School.objects.filter(kind=School.Kind.ELEMENTARY).count() >= 2
    assert School.objects.filter(kind=School.Kind.JUNIOR_HIGH).count() >= 1
    guardian = Guardian.objects.get(user__username="guardian-yamada")
    assert guardian.children.values("school").distinct().count() == 2
    for login in ("guardian-yamada", "teacher-sakura-3", "admin-sakura", "centre-staff", "demo-pass-2026"):
        assert login in text
    student = Student.objects.get(sourced_id="demo-sakura-3-1")
    assert student.badge_code in text
    # every school is a Wagtail site with its own home page
    for school in School.objects.all():
        assert Site.objects.get(pk=school.site_id).root_page.specific.school == school


def _rows_per_model() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def test_seed_demo_is_idempotent(demo_city: str, db) -> None:
    """Run again on the demo city, it adds no row to any table of any plug-in (the plug-ins' seed tests rely on
    this one for their idempotence)."""
    before = _rows_per_model()
    call_command("seed_demo", stdout=io.StringIO())
    after = _rows_per_model()
    assert {label: (before[label], after[label]) for label in before if after[label] != before[label]} == {}
    assert before["core.User"] > 40 and before["wagtailcore.Page"] > 100


def test_seed_demo_scale_adds_benchmark_schools(demo_city: str, db) -> None:
    call_command("seed_demo", "--scale", "1", "--quiet", stdout=io.StringIO())
    school = School.objects.get(code="SCALE-0000")
    assert school.class_groups.count() == 18
    assert Student.objects.filter(school=school).count() == 18 * 35
    assert Guardian.objects.filter(children__school=school).distinct().count() == 18 * 35


def test_demo_sites_answer_on_their_own_hosts(demo_city: str, db) -> None:
    client = Client()
    portal = client.get("/", HTTP_HOST="localhost:8000")
    assert portal.status_code == 200
    assert "北区" in portal.content.decode() and "西区" in portal.content.decode()  # the wards of the demo schools
    ward = client.get("/wards/西区/", HTTP_HOST="localhost:8000")
    assert "うみかぜ中学校" in ward.content.decode()
    school = client.get("/", HTTP_HOST="sakura.localhost:8000")
    assert school.status_code == 200
    assert "<h1>さくら小学校</h1>" in school.content.decode()
