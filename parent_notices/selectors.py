"""The plug-in's reads, each with a fixed number of queries (tests count them)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from wagtail.models import Locale

from school_portal.core.access import policy
from school_portal.core.models import ClassGroup, GuardianLink, User

from . import audience
from .access_rules import notice_language
from .models import AbsenceReport, Category, Notice, NoticeRead, NoticeReply, NoticeSending

INBOX_SIZE = 50


def family_language(user: User) -> str:
    """The language the family reads notices in (read with the Actor's facts: no query of its own). The facts are
    read once per request: code that changes the language answers with a redirect, not with a page in it."""
    return notice_language(policy.actor(user))


def _translations(language: str) -> QuerySet:
    return Notice.objects.filter(
        translation_key=OuterRef("translation_key"), locale__language_code=language, live=True
    ).exclude(pk=OuterRef("pk"))


def inbox(user: User, *, language: str, limit: int = INBOX_SIZE) -> list[Notice]:
    """The family's notices for every child in every school, in one query: emergencies pinned, then unread, then
    newest; originals only (in the default locale), each with ``is_read`` and ``shown_title`` (the title in the
    family's language when a published translation has one)."""
    guardian_id = policy.actor(user).guardian_id
    qs = policy.scope(user, "view", Notice.objects.filter(locale__language_code=settings.LANGUAGE_CODE))
    qs = qs.annotate(
        is_read=Exists(NoticeRead.objects.filter(notice_id=OuterRef("pk"), guardian_id=guardian_id)),
        pinned=Case(When(category=Category.EMERGENCY, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    if language != settings.LANGUAGE_CODE:
        qs = qs.annotate(translated_title=Subquery(_translations(language).values("title")[:1]))
    qs = qs.select_related("school").only(
        "pk",
        "title",
        "category",
        "school__name",
        "last_published_at",
        "reply_deadline",
        "expire_at",
        "translation_key",
        "audience",
    )
    notices = list(qs.order_by("pinned", "is_read", "-last_published_at", "-pk")[:limit])
    for notice in notices:
        notice.shown_title = getattr(notice, "translated_title", None) or notice.title
    return notices


def notice_in_language(notice: Notice, language: str, *, using: str | None = None) -> Notice | None:
    """The published translation of ``notice`` into ``language``, or None (then the Japanese is shown); read on the
    database ``using`` names, else where the router says."""
    if language == notice.locale.language_code:
        return notice
    return (
        Notice.objects.using(using)
        .filter(translation_key=notice.translation_key, locale__language_code=language, live=True)
        .exclude(pk=notice.pk)
        .first()
    )


def family_children_for(notice: Notice, user: User) -> list:
    """The guardian's children the notice is for, with their class."""
    children = policy.actor(user).children_ids
    return list(
        audience.enrollments(notice)
        .filter(student_id__in=children)
        .select_related("student", "class_group")
        .order_by("student__family_name_kana", "student_id")
    )


def family_replies(notice: Notice, user: User) -> dict[tuple[str, int], NoticeReply]:
    children = policy.actor(user).children_ids
    return {(r.block_id, r.student_id): r for r in NoticeReply.objects.filter(notice=notice, student_id__in=children)}


@dataclass
class TallyRow:
    student_id: int
    number: int | None
    name: str
    read_at: datetime.datetime | None
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)  # block id -> (choice, comment)

    @property
    def read(self) -> bool:
        return self.read_at is not None


@dataclass
class TallyClass:
    class_group: ClassGroup
    rows: list[TallyRow] = field(default_factory=list)
    read_count: int = 0


@dataclass
class Tally:
    notice: Notice
    classes: list[TallyClass]
    choices: dict[str, dict[str, int]]

    @property
    def families(self) -> int:
        return sum(len(c.rows) for c in self.classes)

    @property
    def read(self) -> int:
        return sum(c.read_count for c in self.classes)


def tally(notice: Notice) -> Tally:
    """Who read and who replied, by class, in four queries whatever the number of families: the children the notice
    is for; the earliest read of any of each child's guardians (MIN ... GROUP BY child in the database: one row per
    child who was read for); their classes; the replies (choice and comment only). Counting over those rows is all
    that is left here."""
    enrollments = (
        audience.enrollments(notice)
        .values_list("student_id", "number", "student__family_name", "student__given_name", "class_group_id")
        .order_by("class_group__grade", "class_group__name", "number", "student_id")
    )
    first_reads = dict(
        NoticeRead.objects.filter(notice_id=notice.pk)
        .values_list("guardian__links__student_id")
        .annotate(first=Min("read_at"))
        .values_list("guardian__links__student_id", "first")
    )
    rows = list(enrollments)
    classes_by_id = {c.pk: c for c in ClassGroup.objects.filter(pk__in={r[4] for r in rows})}
    answers: dict[int, dict[str, tuple[str, str]]] = defaultdict(dict)
    choices: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for student_id, block_id, choice, comment in NoticeReply.objects.filter(notice_id=notice.pk).values_list(
        "student_id", "block_id", "choice", "comment"
    ):
        answers[student_id][block_id] = (choice, comment)
        choices[block_id][choice] += 1
    grouped: dict[int, TallyClass] = {}
    for student_id, number, family, given, class_id in rows:
        read_at = first_reads.get(student_id)
        group = grouped.get(class_id)
        if group is None:
            group = grouped[class_id] = TallyClass(classes_by_id[class_id])
        group.rows.append(TallyRow(student_id, number, f"{family} {given}", read_at, answers.get(student_id, {})))
        group.read_count += read_at is not None
    return Tally(notice, list(grouped.values()), {k: dict(v) for k, v in choices.items()})


def unread_guardian_user_ids(notice: Notice) -> list[int]:
    """The accounts of the families of the notice's children none of whose guardians has read it."""
    students = audience.enrollments(notice).values("student_id")
    read_students = GuardianLink.objects.filter(
        student_id__in=students, guardian_id__in=NoticeRead.objects.filter(notice=notice).values("guardian_id")
    ).values("student_id")
    return list(
        GuardianLink.objects.filter(student_id__in=students)
        .exclude(student_id__in=read_students)
        .values_list("guardian__user_id", flat=True)
        .distinct()
        .order_by("guardian__user_id")
    )


def notice_sendings(notice: Notice) -> list[NoticeSending]:
    """The notice's pushes (first, resends, reminders) with their jobs' progress, newest first; rounds passed
    without sending (no worker ran then) are left out."""
    qs = NoticeSending.objects.filter(notice=notice).exclude(kind=NoticeSending.Kind.RESEND, job=None, recipients=0)
    return list(qs.select_related("job").order_by("-created_at", "-pk")[:50])


def staff_notices(user: User, *, limit: int = 100) -> list[Notice]:
    """The notices a teacher may follow (their school's), newest first, with how many families read each."""
    qs = policy.scope(user, "manage", Notice.objects.filter(locale__language_code=settings.LANGUAGE_CODE))
    return list(
        qs.select_related("school")
        .annotate(read_count=Count("reads", distinct=True))
        .order_by("-live", "-last_published_at", "-pk")[:limit]
    )


def class_absences(class_group: ClassGroup, day: datetime.date) -> list[AbsenceReport]:
    return list(
        AbsenceReport.objects.filter(class_group=class_group, date=day)
        .select_related("student")
        .order_by("kind", "student__family_name_kana", "student_id")
    )


def school_absence_totals(school_id: int, day: datetime.date) -> list[dict]:
    """The day's reports per grade and kind, and how many came after the cutoff (one query)."""
    rows = (
        AbsenceReport.objects.filter(school_id=school_id, date=day)
        .values("class_group__grade")
        .annotate(
            absent=Count("pk", filter=Q(kind="absent")),
            late=Count("pk", filter=Q(kind="late")),
            early=Count("pk", filter=Q(kind="early")),
            after_cutoff=Count("pk", filter=Q(after_cutoff=True)),
        )
        .order_by("class_group__grade")
    )
    return [
        {"grade": r["class_group__grade"], **{k: r[k] for k in ("absent", "late", "early", "after_cutoff")}}
        for r in rows
    ]


def content_languages() -> list[tuple[str, str]]:
    return list(settings.WAGTAIL_CONTENT_LANGUAGES)


def default_locale() -> Locale:
    return Locale.get_default()


def today() -> datetime.date:
    return timezone.localdate()
