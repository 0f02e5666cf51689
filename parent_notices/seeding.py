"""The parent_notices part of the demo city: a month of notices (events, a permission slip, a survey, an
emergency from the board) in Japanese with translations, replies and read receipts of the demo family, and
absence reports. Idempotent: each notice is found again by its school and title."""

from __future__ import annotations

import datetime
from typing import IO

from django.utils import timezone
from wagtail.models import Locale

from school_portal.core.models import Enrollment, Guardian, School, SchoolYear
from school_portal.core.seeding import DemoCity

from . import services
from .models import AbsenceReport, Audience, Category, FamilyNoticeSettings, Notice, NoticeRead
from .public.seeding import seed as seed_public
from .testing import attendance, event, notice_publish, survey, text

TRANSLATIONS = {
    "en": ("Sports day", "<p>Sports day is on the date below. Please reply by the deadline.</p>"),
    "vi": ("Ngày hội thể thao", "<p>Ngày hội thể thao sẽ diễn ra vào ngày dưới đây. Vui lòng trả lời trước hạn.</p>"),
    "ja-x-easy": ("うんどうかい", "<p>うんどうかい が あります。へんじ を ください。</p>"),
}


def _notice(school: School | None, title: str, **kwargs: object) -> Notice:
    existing = Notice.objects.filter(school=school, title=title, locale__language_code="ja").first()
    return existing or notice_publish(school=school, title=title, **kwargs)


def _emergency(demo: DemoCity) -> None:
    """The board's emergency notice, proposed by the centre's staff and confirmed by a second board member, read
    by a few families of each school (its tally by school is not empty)."""
    from django.contrib.auth.hashers import make_password

    from school_portal.core import services as core_services
    from school_portal.core.models import GuardianLink, Role, User
    from school_portal.core.seeding import DEMO_PASSWORD

    from .emergency import emergency_confirm, emergency_propose
    from .emergency_models import EmergencySend

    proposer = demo.users.get("centre-staff")
    if proposer is None or EmergencySend.objects.filter(notice__city=demo.city).exists():
        return
    second, created = User.objects.get_or_create(
        username="centre-staff-2",
        defaults={"display_name": "教育委員会 学校教育課長", "password": make_password(DEMO_PASSWORD)},
    )
    if created:
        core_services.role_assign(user=second, role=Role.CENTRE_STAFF)
    demo.logins.append(("second board member (confirms emergencies)", "centre-staff-2", DEMO_PASSWORD))
    notice = emergency_propose(
        by=proposer,
        city=demo.city,
        title="台風《たいふう》による臨時休校《りんじきゅうこう》",
        message="暴風警報が発表されたため、本日は市内の全小中学校を臨時休校とします。\n児童生徒は自宅で安全に過ごしてください。",
    )
    emergency_confirm(notice=notice, by=second)
    for school in demo.schools:
        guardians = (
            GuardianLink.objects.filter(student__enrollments__class_group__school=school)
            .values_list("guardian_id", flat=True)
            .distinct()
            .order_by("guardian_id")[:3]
        )
        NoticeRead.objects.bulk_create(
            [NoticeRead(notice=notice, guardian_id=g) for g in guardians], ignore_conflicts=True
        )


def seed(demo: DemoCity, out: IO[str] | None = None) -> None:
    today = timezone.localdate()
    deadline = timezone.now() + datetime.timedelta(days=10)
    schools = demo.schools[:3]
    for school in schools:
        classes = [c for c in demo.classes if c.school_id == school.pk]
        sports = _notice(
            school,
            "運動会《うんどうかい》のお知らせ",
            category=Category.EVENT,
            body=[
                text("運動会《うんどうかい》を行《おこな》います。参加《さんか》の有無《うむ》をお知らせください。"),
                event("運動会", today + datetime.timedelta(days=14)),
                attendance(),
            ],
            reply_deadline=deadline,
        )
        for language, (title, body) in TRANSLATIONS.items():
            if not Notice.objects.filter(
                translation_key=sports.translation_key, locale__language_code=language
            ).exists():
                notice_publish(
                    school=school,
                    title=title,
                    body=[{"type": "text", "value": body, "id": "text-0001"}, attendance()],
                    language=language,
                    translation_of=sports,
                    reply_deadline=deadline,
                )
        _notice(
            school,
            "校外学習《こうがいがくしゅう》の同意書《どういしょ》",
            category=Category.FORM,
            audience=Audience.GRADE,
            grade=classes[0].grade if classes else 1,
            body=[
                text("水族館《すいぞくかん》へ行《い》きます。"),
                {
                    "type": "reply_form",
                    "value": {"kind": "permission", "question": "参加に同意しますか", "choices": [], "comment": True},
                    "id": "permission-0001",
                },
            ],
            reply_deadline=deadline,
        )
        _notice(
            school,
            "個人面談《こじんめんだん》の希望日《きぼうび》",
            category=Category.FORM,
            body=[text("ご希望の日を選んでください。"), survey(["月曜日", "水曜日", "金曜日"])],
            reply_deadline=deadline,
        )
        if classes:
            _notice(
                school,
                "図工《ずこう》の持《も》ち物《もの》",
                audience=Audience.CLASS,
                class_groups=classes[:1],
                body=[text("空《あ》き箱《ばこ》を持《も》ってきてください。")],
            )
    _emergency(demo)

    guardian_user = demo.users.get("guardian-yamada")
    guardian = Guardian.objects.filter(user=guardian_user).first() if guardian_user else None
    if guardian is not None:
        FamilyNoticeSettings.objects.get_or_create(guardian=guardian, defaults={"language": "vi"})
        first = Notice.objects.filter(locale__language_code="ja", live=True, school__in=schools).order_by("pk").first()
        if first is not None:
            NoticeRead.objects.get_or_create(notice=first, guardian=guardian)
        years = SchoolYear.objects.active(today).values("id")
        for enrollment in Enrollment.objects.filter(
            student__guardian_links__guardian=guardian, school_year__in=years
        ).select_related("class_group")[:1]:
            if not AbsenceReport.objects.filter(student_id=enrollment.student_id, date=today).exists():
                services.absence_report(
                    by=guardian_user,
                    student_id=enrollment.student_id,
                    date=today,
                    kind="late",
                    reason="appointment",
                    time=datetime.time(10, 0),
                    note="歯医者のため",
                )
    Locale.objects.get_or_create(language_code="ja")
    seed_public(demo)
    if out is not None:
        out.write(
            "parent_notices: notices at /notices/ (guardian-yamada reads in Vietnamese), the admin's Notices; "
            "the public's at /notices/public/ (feeds, iCalendar, open-data CSV, API at /notices/public/api/v2/)\n"
        )
