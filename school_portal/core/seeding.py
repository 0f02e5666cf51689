"""The core's part of the demo city, and the ``--scale N`` city for benchmarks.

Idempotent: running it again finds what is there (by codes and usernames) and adds only what is missing.
The bulk path (``scale``) writes with ``bulk_create`` so that ``seed_demo --scale 10`` stays well under a minute.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from . import services
from .models import (
    City,
    ClassGroup,
    Enrollment,
    Guardian,
    GuardianLink,
    Library,
    PartnerTeacher,
    Role,
    RoleAssignment,
    School,
    SchoolYear,
    Student,
    Teaching,
    User,
)
from .registry import demo_seeders

DEMO_PASSWORD = "demo-pass-2026"
FAMILY = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本"]
FAMILY_KANA = [
    "やまだ",
    "さとう",
    "すずき",
    "たかはし",
    "たなか",
    "いとう",
    "わたなべ",
    "なかむら",
    "こばやし",
    "かとう",
    "よしだ",
    "やまもと",
]
GIVEN = ["花子", "太郎", "さくら", "蓮", "陽菜", "湊", "結衣", "大翔", "葵", "悠真", "凛", "颯太"]
GIVEN_KANA = [
    "はなこ",
    "たろう",
    "さくら",
    "れん",
    "ひな",
    "みなと",
    "ゆい",
    "はると",
    "あおい",
    "ゆうま",
    "りん",
    "そうた",
]
# A big city's wards (Osaka has 24): the demo schools take the first three, the ``--scale`` schools all of them.
WARDS = [
    "北区",
    "中央区",
    "西区",
    "天王寺区",
    "浪速区",
    "住吉区",
    "都島区",
    "福島区",
    "此花区",
    "港区",
    "大正区",
    "西淀川区",
    "淀川区",
    "東淀川区",
    "東成区",
    "生野区",
    "旭区",
    "城東区",
    "鶴見区",
    "阿倍野区",
    "住之江区",
    "東住吉区",
    "平野区",
    "西成区",
]


@dataclass
class DemoCity:
    """What the core seeded, handed to each plug-in's seeder, and the logins printed at the end."""

    city: City
    school_year: SchoolYear
    schools: list[School]
    classes: list[ClassGroup]
    users: dict[str, User] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _password() -> str:
    return make_password(DEMO_PASSWORD)


def _staff(username: str, name: str, password_hash: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"display_name": name, "password": password_hash})
    return user


def _name(i: int) -> tuple[str, str, str, str]:
    f, g = i % len(FAMILY), (i // len(FAMILY) + i) % len(GIVEN)
    return FAMILY[f], GIVEN[g], FAMILY_KANA[f], GIVEN_KANA[g]


@transaction.atomic
def seed_core(*, scale: int = 0, port: int = 8000, out: TextIO | None = None) -> DemoCity:
    city, _ = City.objects.get_or_create(slug="demo", defaults={"name": "みなと市", "name_en": "Minato City"})
    year = services.school_year_ensure(city=city, start_year=SchoolYear.start_year_for(timezone.localdate()))
    services.city_portal_ensure(city=city, port=port)
    password_hash = _password()
    specs = [
        ("DEMO-E1", "さくら小学校", "Sakura Elementary School", School.Kind.ELEMENTARY, "sakura"),
        ("DEMO-E2", "みなと小学校", "Minato Elementary School", School.Kind.ELEMENTARY, "minato"),
        ("DEMO-J1", "うみかぜ中学校", "Umikaze Junior High School", School.Kind.JUNIOR_HIGH, "umikaze"),
    ]
    schools = [
        services.school_create(
            city=city,
            name=name,
            name_en=name_en,
            kind=kind,
            code=code,
            slug=slug,
            ward=WARDS[i % len(WARDS)],
            port=port,
        )
        for i, (code, name, name_en, kind, slug) in enumerate(specs)
    ]
    demo = DemoCity(city=city, school_year=year, schools=schools, classes=[])

    # Two classes per demo school, a homeroom teacher each, five children per class.
    for s_index, school in enumerate(schools):
        grades = (3, 5) if school.kind == School.Kind.ELEMENTARY else (1, 2)
        admin = _staff(f"admin-{school.slug}", f"{school.name} 教頭", password_hash)
        services.role_assign(user=admin, role=Role.SCHOOL_ADMIN, school=school)
        demo.users[f"admin-{school.slug}"] = admin
        for grade in grades:
            group = services.class_group_ensure(school=school, school_year=year, grade=grade, name="1")
            demo.classes.append(group)
            teacher = _staff(f"teacher-{school.slug}-{grade}", f"{school.name} {grade}年担任", password_hash)
            services.role_assign(user=teacher, role=Role.TEACHER, school=school)
            Teaching.objects.get_or_create(teacher=teacher, class_group=group, defaults={"is_homeroom": True})
            demo.users[f"teacher-{school.slug}-{grade}"] = teacher
            for n in range(1, 6):
                family, given, family_kana, given_kana = _name(s_index * 10 + grade * 5 + n)
                sourced = f"demo-{school.slug}-{grade}-{n}"
                user, _ = User.objects.get_or_create(
                    username=services.student_username(sourced), defaults={"display_name": given, "password": "!"}
                )
                student, _ = Student.objects.get_or_create(
                    sourced_id=sourced,
                    defaults={
                        "user": user,
                        "school": school,
                        "family_name": family,
                        "given_name": given,
                        "family_name_kana": family_kana,
                        "given_name_kana": given_kana,
                    },
                )
                Enrollment.objects.get_or_create(
                    student=student, school_year=year, defaults={"class_group": group, "number": n}
                )

    # A guardian with one child at Sakura Elementary and one at Umikaze Junior High.
    guardian_user = _staff("guardian-yamada", "山田 由美", password_hash)
    guardian, _ = Guardian.objects.get_or_create(user=guardian_user)
    first = Student.objects.get(sourced_id="demo-sakura-3-1")
    second = Student.objects.get(sourced_id="demo-umikaze-1-1")
    for child in (first, second):
        GuardianLink.objects.get_or_create(guardian=guardian, student=child, defaults={"relationship": "母"})
    demo.users["guardian-yamada"] = guardian_user

    centre = _staff("centre-staff", "教育センター 指導主事", password_hash)
    services.role_assign(user=centre, role=Role.CENTRE_STAFF)
    centre.is_staff = True
    centre.save(update_fields=["is_staff"])
    demo.users["centre-staff"] = centre

    library, _ = Library.objects.get_or_create(
        slug="central-library",
        defaults={"city": city, "name": "中央図書館", "name_en": "Central Library", "ward": "西区"},
    )
    librarian = _staff("librarian-central", "中央図書館 司書", password_hash)
    services.role_assign(user=librarian, role=Role.LIBRARIAN, library=library)
    demo.users["librarian-central"] = librarian

    partner_user = _staff("partner-lincoln", "Ms. Jane Parker", password_hash)
    PartnerTeacher.objects.get_or_create(
        user=partner_user, defaults={"institution": "Lincoln Elementary School, Seattle", "country": "US"}
    )
    services.role_assign(user=partner_user, role=Role.PARTNER_TEACHER)
    demo.users["partner-lincoln"] = partner_user

    superuser = _staff("city-admin", "システム管理者", password_hash)
    if not superuser.is_superuser:
        superuser.is_superuser = superuser.is_staff = True
        superuser.save(update_fields=["is_superuser", "is_staff"])

    sakura_class = ClassGroup.objects.get(school=schools[0], school_year=year, grade=3, name="1")
    host = f"http://localhost:{port}"
    demo.logins += [
        ("guardian", "guardian-yamada", DEMO_PASSWORD),
        ("teacher", "teacher-sakura-3", DEMO_PASSWORD),
        ("school admin", "admin-sakura", DEMO_PASSWORD),
        ("education-centre staff", "centre-staff", DEMO_PASSWORD),
        ("librarian", "librarian-central", DEMO_PASSWORD),
        ("partner teacher", "partner-lincoln", DEMO_PASSWORD),
        ("superuser (Wagtail admin)", "city-admin", DEMO_PASSWORD),
        (
            "student (tablet)",
            f"{host}/student/signin/ class code {sakura_class.class_code}",
            f"badge {first.badge_code}",
        ),
    ]
    seed_push_subscriptions(out=out)
    if scale:
        seed_scale(city=city, school_year=year, scale=scale, password_hash=password_hash, port=port, out=out)
    return demo


DEMO_PUSH_ENDPOINT = "http://127.0.0.1:8765"  # tests/push_endpoint.py --port 8765 --seed demo (docs/operations.md)
DEMO_PUSH_SEED = "demo"
DEMO_PUSH_LIMIT = 500  # the demo's guardians, not a --scale city's (the push benchmark makes its own)


def seed_push_subscriptions(*, out: TextIO | None = None) -> int:
    """Two devices (a phone, a tablet) for each demo guardian, on the local push service of the tests, which
    decrypts and shows what the portal pushes: ``python tests/push_endpoint.py --port 8765 --seed demo
    --verbose``. ``PUSH_DEMO_ENDPOINT`` moves it; refused (and skipped) where the settings accept only public HTTPS
    push services. Idempotent: a subscription is found again by its endpoint."""
    import os
    from urllib.parse import urlsplit

    from tests.push_endpoint import PushEndpoint

    from . import push
    from .services import PortalError

    origin = urlsplit(os.environ.get("PUSH_DEMO_ENDPOINT", DEMO_PUSH_ENDPOINT))
    endpoint = PushEndpoint(seed=DEMO_PUSH_SEED, port=origin.port or 80)
    made = 0
    for user in User.objects.filter(guardian__isnull=False).order_by("pk")[:DEMO_PUSH_LIMIT]:
        for device in ("phone", "tablet"):
            info = endpoint.subscription(f"{user.username}-{device}")
            info["endpoint"] = info["endpoint"].replace(endpoint.origin, f"{origin.scheme}://{origin.netloc}", 1)
            try:
                push.push_subscription_save(user=user, info=info, device=f"demo {device}")
            except PortalError as refusal:
                if out is not None:
                    out.write(f"  push subscriptions not seeded: {refusal}\n")
                return made
            made += 1
    if out is not None and made:
        out.write(f"  {made} push subscriptions of demo guardians on {origin.scheme}://{origin.netloc}\n")
    return made


def seed_scale(
    *, city: City, school_year: SchoolYear, scale: int, password_hash: str, port: int = 8000, out: TextIO | None = None
) -> None:
    """``scale`` schools x 18 classes x 35 students, each child with a guardian, written in bulk."""
    for s in range(scale):
        code = f"SCALE-{s:04d}"
        if School.objects.filter(code=code).exists():
            continue
        kind = School.Kind.ELEMENTARY if s % 3 else School.Kind.JUNIOR_HIGH
        school = services.school_create(
            city=city,
            name=f"スケール{s + 1}校",
            kind=kind,
            code=code,
            slug=f"scale-{s}",
            ward=WARDS[s % len(WARDS)],
            port=port,
        )
        grades = range(1, school.max_grade + 1)
        per_grade = 18 // len(grades)
        groups = ClassGroup.objects.bulk_create(
            [
                ClassGroup(school=school, school_year=school_year, grade=g, name=str(c + 1))
                for g, c in itertools.product(grades, range(per_grade))
            ]
        )
        groups = list(ClassGroup.objects.filter(school=school, school_year=school_year).order_by("grade", "name"))
        teachers = User.objects.bulk_create(
            [User(username=f"{code}-t{g.pk}", display_name=f"教員{g.pk}", password=password_hash) for g in groups]
        )
        teachers = list(User.objects.filter(username__startswith=f"{code}-t").order_by("id"))
        Teaching.objects.bulk_create(
            [Teaching(teacher=t, class_group=g, is_homeroom=True) for t, g in zip(teachers, groups, strict=True)]
        )
        RoleAssignment.objects.bulk_create([RoleAssignment(user=t, role=Role.TEACHER, school=school) for t in teachers])

        n_students = len(groups) * 35
        User.objects.bulk_create(
            [User(username=f"{code}-s{i}", display_name=_name(i)[1], password="!") for i in range(n_students)]
            + [
                User(username=f"{code}-g{i}", display_name=f"{_name(i)[0]} 保護者", password=password_hash)
                for i in range(n_students)
            ]
        )
        student_users = {u.username: u for u in User.objects.filter(username__startswith=f"{code}-s")}
        guardian_users = {u.username: u for u in User.objects.filter(username__startswith=f"{code}-g")}
        students = []
        for i in range(n_students):
            family, given, family_kana, given_kana = _name(i)
            students.append(
                Student(
                    user=student_users[f"{code}-s{i}"],
                    school=school,
                    sourced_id=f"{code}-s{i}",
                    family_name=family,
                    given_name=given,
                    family_name_kana=family_kana,
                    given_name_kana=given_kana,
                    badge_code=f"{s:03d}{i:05d}".replace("0", "Z").replace("1", "Y"),
                )
            )
        Student.objects.bulk_create(students, batch_size=1000)
        students = list(Student.objects.filter(school=school).order_by("id"))
        Enrollment.objects.bulk_create(
            [
                Enrollment(student=st, class_group=groups[i // 35], school_year=school_year, number=i % 35 + 1)
                for i, st in enumerate(students)
            ],
            batch_size=1000,
        )
        guardians = Guardian.objects.bulk_create(
            [Guardian(user=guardian_users[f"{code}-g{i}"]) for i in range(n_students)], batch_size=1000
        )
        guardians = list(Guardian.objects.filter(user__username__startswith=f"{code}-g").order_by("user_id"))
        by_name = {g.user_id: g for g in guardians}
        GuardianLink.objects.bulk_create(
            [
                GuardianLink(guardian=by_name[guardian_users[f"{code}-g{i}"].pk], student=st)
                for i, st in enumerate(students)
            ],
            batch_size=1000,
        )
        if out is not None:
            out.write(f"  scale school {s + 1}/{scale}: {len(groups)} classes, {n_students} students\n")


def seed_demo(*, scale: int = 0, port: int = 8000, out: TextIO | None = None) -> DemoCity:
    """The whole demo city: the core's part, then each installed plug-in's, in their registered order."""
    demo = seed_core(scale=scale, port=port, out=out)
    for name, seeder in sorted(demo_seeders.items(), key=lambda item: item[1].order):
        with transaction.atomic():
            seeder.resolve()(demo, out)
        if out is not None:
            out.write(f"  seeded {name}\n")
    return demo
