"""Reads of the public side: live, unexpired notices whose audience is the public, in the portal's default
language (a translation is a copy of its original, not another notice), and the events in their bodies."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from html import unescape as html_unescape

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from school_portal.core import furigana
from school_portal.core.models import City, ClassGroup, School

from ..models import Audience, Notice

# The blocks of a public notice that the public may read (no attachment: it is the families'; no reply form).
PUBLIC_BLOCKS = frozenset({"heading", "text", "image", "event"})


def public_q(now: datetime.datetime | None = None) -> Q:
    """The one definition of "public": the rule ``read_public`` and every listing below use it."""
    unexpired = Q(expire_at__isnull=True) | Q(expire_at__gt=now or timezone.now())
    return Q(unexpired, audience=Audience.PUBLIC, live=True, locale__language_code=settings.LANGUAGE_CODE)


def is_public(notice: Notice) -> bool:
    return (
        notice.audience == Audience.PUBLIC
        and notice.live
        and (notice.expire_at is None or notice.expire_at > timezone.now())
        and notice.locale.language_code == settings.LANGUAGE_CODE
    )


def public_notices(
    *, city: City | None = None, school: School | None = None, class_group: ClassGroup | None = None
) -> QuerySet:
    """Newest first. ``school``: that school's; ``city``: the board's and every school's of the city;
    ``class_group``: its school's that name no class, and those that name it (an open lesson of 3-2)."""
    qs = Notice.objects.filter(public_q()).select_related("school", "city")
    if class_group is not None:
        named = Notice.class_groups.through.objects.filter(classgroup_id=class_group.pk).values("notice_id")
        anyone = Notice.class_groups.through.objects.values("notice_id")
        qs = qs.filter(Q(pk__in=named) | ~Q(pk__in=anyone), school_id=class_group.school_id)
    elif school is not None:
        qs = qs.filter(school=school)
    elif city is not None:
        qs = qs.filter(city=city)
    return qs.order_by("-first_published_at", "-pk")


@dataclass(frozen=True)
class PublicEvent:
    """One event block of a public notice."""

    notice: Notice
    block_id: str
    name: str
    date: datetime.date
    starts: datetime.time | None
    ends: datetime.time | None
    place: str
    bring: str

    @property
    def uid(self) -> str:
        """Stable across edits, hosts and languages: the notice's translation key and the block's id."""
        return f"{self.notice.translation_key}-{self.block_id}@parent-notices"

    @property
    def organiser(self) -> str:
        school = self.notice.school
        return school.name if school is not None else self.notice.city.name


def plain_title(notice: Notice) -> str:
    return furigana.plain(notice.title)


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"</(?:p|li|h[1-6])>|<br\s*/?>", re.IGNORECASE)


def _text_of(html: str) -> str:
    """Wagtail's rich text (well-formed HTML from its editor) as plain text, a line per paragraph: two regular
    expressions (Django's ``strip_tags`` runs an HTML parser: a tenth of a cold 200-event CSV)."""
    return html_unescape(_TAG.sub("", _BREAK.sub("\n", html))).strip()


def plain_text(notice: Notice) -> str:
    """The notice's headings and text as plain text, without readings, one paragraph a line."""
    parts = []
    for block in notice.body:
        if block.block_type == "heading":
            parts.append(str(block.value.get("text", "")))
        elif block.block_type == "text":
            parts.append(_text_of(str(block.value.source)))
    return furigana.plain("\n".join(part for part in parts if part)).strip()


def events_of(notices: list[Notice]) -> list[PublicEvent]:
    """The event blocks of ``notices``, by date and time."""
    found = []
    for notice in notices:
        for index, block in enumerate(notice.body):
            if block.block_type != "event":
                continue
            value = block.value
            found.append(
                PublicEvent(
                    notice=notice,
                    block_id=block.id or f"event-{index}",
                    name=furigana.plain(value.get("name") or notice.title),
                    date=value.get("date"),
                    starts=value.get("starts"),
                    ends=value.get("ends"),
                    place=furigana.plain(value.get("place") or ""),
                    bring=furigana.plain(value.get("bring") or ""),
                )
            )
    return sorted(found, key=lambda e: (e.date, e.starts or datetime.time.min, e.notice.pk, e.block_id))


def public_events(
    *, city: City | None = None, school: School | None = None, class_group: ClassGroup | None = None
) -> list[PublicEvent]:
    return events_of(list(public_notices(city=city, school=school, class_group=class_group)))


def upcoming(events: list[PublicEvent], *, limit: int = 20) -> list[PublicEvent]:
    today = timezone.localdate()
    return [event for event in events if event.date >= today][:limit]
