"""The public side's rows of the permission matrix (test code): every public endpoint opens for every role,
visitors included; a family's notice asked through a public endpoint opens for no one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from school_portal.core.registry import ROLES, PermissionCase

from ..models import Audience, Category, Notice
from ..testing import event, notice_publish, text

EVERYONE = frozenset(ROLES)
NO_ONE: frozenset[str] = frozenset()


@dataclass
class PublicWorld:
    public_notice: int
    family_notice: int


def public_world(world) -> PublicWorld:  # noqa: ANN001 - the shared test world
    cached = world.extra.get("parent_notices.public")
    if cached is not None and Notice.objects.filter(pk=cached.public_notice).exists():
        return cached
    day = timezone.localdate() + datetime.timedelta(days=10)
    built = PublicWorld(
        public_notice=notice_publish(
            school=world.school,
            title="学校公開日",
            audience=Audience.PUBLIC,
            category=Category.EVENT,
            body=[text("どなたでも"), event("学校公開日", day)],
        ).pk,
        family_notice=notice_publish(
            school=world.school, title="保護者会", audience=Audience.SCHOOL, body=[event("保護者会", day)]
        ).pk,
    )
    world.extra["parent_notices.public"] = built
    return built


def _school(name: str):  # noqa: ANN202
    def build(w) -> str:  # noqa: ANN001
        public_world(w)
        return reverse(f"parent_notices:{name}", args=[w.school.slug])

    return build


def _city(name: str):  # noqa: ANN202
    def build(w) -> str:  # noqa: ANN001
        public_world(w)
        return reverse(f"parent_notices:{name}", args=[w.city.slug])

    return build


def cases() -> list[PermissionCase]:
    rows = [
        PermissionCase(f"parent_notices.{name}", _school(name), EVERYONE)
        for name in (
            "public_school",
            "public_school_rss",
            "public_school_atom",
            "public_school_ical",
            "public_school_csv",
        )
    ]
    rows += [
        PermissionCase(f"parent_notices.{name}", _city(name), EVERYONE)
        for name in ("public_city", "public_city_ical", "public_city_csv")
    ]
    return [
        *rows,
        PermissionCase(
            "parent_notices.public_class_ical",
            lambda w: reverse("parent_notices:public_class_ical", args=[w.class_group.pk]),
            EVERYONE,
        ),
        PermissionCase(
            "parent_notices.public_notice",
            lambda w: reverse("parent_notices:public_notice", args=[public_world(w).public_notice]),
            EVERYONE,
        ),
        PermissionCase(
            "parent_notices.public_notice (a family notice)",
            lambda w: reverse("parent_notices:public_notice", args=[public_world(w).family_notice]),
            NO_ONE,
        ),
        PermissionCase("parent_notices.api notices", lambda w: reverse("parent_notices:api:notices:listing"), EVERYONE),
        PermissionCase(
            "parent_notices.api notice",
            lambda w: reverse("parent_notices:api:notices:detail", args=[public_world(w).public_notice]),
            EVERYONE,
        ),
        PermissionCase(
            "parent_notices.api notice (a family notice)",
            lambda w: reverse("parent_notices:api:notices:detail", args=[public_world(w).family_notice]),
            NO_ONE,
        ),
        PermissionCase("parent_notices.api pages", lambda w: reverse("parent_notices:api:pages:listing"), EVERYONE),
    ]
