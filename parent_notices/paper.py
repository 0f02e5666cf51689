"""Paper for families without phones: a notice, or a class's notices of a week, as an A4 PDF (the core's PDF
module: IPAex embedded, furigana printed in parentheses), kept per revision; the copies for exactly the families
who asked for paper (``Guardian.wants_paper_copy``) or have not read the notice, made by a background job."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from school_portal.core.models import ClassGroup, Guardian, School
from school_portal.core.pdf import render_pdf

from . import audience
from .access_rules import audience_q
from .models import Notice, NoticeRead

PDF_CACHE_SECONDS = 7 * 24 * 3600
TEMPLATE = "parent_notices/pdf/notices.html"


@dataclass
class Copy:
    family: str = ""
    notices: list[Notice] = field(default_factory=list)


def _version(notices: list[Notice]) -> str:
    """A new revision of any of the notices (or another language) means a new key."""
    parts = ",".join(f"{n.pk}.{n.live_revision_id}" for n in notices)
    return hashlib.sha256(f"{get_language()}|{parts}".encode()).hexdigest()[:32]


def notices_pdf_bytes(notices: list[Notice]) -> bytes:
    key = f"parent_notices:pdf:{_version(notices)}"
    data = cache.get(key)
    if data is None:
        data = render_pdf(TEMPLATE, {"copies": [Copy(notices=notices)]})
        cache.set(key, data, PDF_CACHE_SECONDS)
    return data


def week_notices(class_group: ClassGroup, week_start: datetime.date) -> list[Notice]:
    """The published notices (originals) for the class's children published in the week from ``week_start``."""
    school = School.objects.only("city_id", "ward").get(pk=class_group.school_id)
    start = timezone.make_aware(datetime.datetime.combine(week_start, datetime.time()))
    children = set(class_group.enrollments.values_list("student_id", flat=True))
    q = audience_q(
        classes={class_group.pk},
        schools={class_group.school_id},
        children=children,
        cities={school.city_id},
        wards={school.ward} if school.ward else set(),
    )
    return list(
        Notice.objects.filter(
            q,
            live=True,
            locale__language_code=settings.LANGUAGE_CODE,
            last_published_at__gte=start,
            last_published_at__lt=start + datetime.timedelta(days=7),
        )
        .select_related("school")
        .order_by("last_published_at", "pk")
    )


def paper_families(notice: Notice) -> list[tuple[Guardian, str]]:
    """The families of the notice's children who asked for paper or have not read it, with a label for the copy
    (class, number and the child's name): one copy per family and child."""
    enrollments = (
        audience.enrollments(notice)
        .filter(
            Q(student__guardian_links__guardian__wants_paper_copy=True)
            | ~Q(student__guardian_links__guardian__in=NoticeRead.objects.filter(notice=notice).values("guardian_id"))
        )
        .select_related("student", "class_group")
        .order_by("class_group__grade", "class_group__name", "number", "student_id")
        .distinct()
    )
    return [
        (e, f"{e.class_group.label} {e.number or ''} {e.student.family_name} {e.student.given_name}")
        for e in enrollments
    ]


def paper_copies_pdf(notice: Notice, labels: list[str]) -> bytes:
    return render_pdf(TEMPLATE, {"copies": [Copy(family=label, notices=[notice]) for label in labels]})
