"""Builders for tests, the permission matrix and the demo city (test code: never imported at start-up)."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Locale

from school_portal.core.models import City, ClassGroup, School, Student, User

from . import delivery
from .models import Audience, Category, Notice

ATTEND = "attend-0001"
SURVEY = "survey-0001"
FILE = "file-0001"


def text(value: str, block_id: str = "text-0001") -> dict:
    return {"type": "text", "value": f"<p>{value}</p>", "id": block_id}


def attendance(question: str = "運動会《うんどうかい》に参加しますか", block_id: str = ATTEND) -> dict:
    return {
        "type": "reply_form",
        "value": {"kind": "attendance", "question": question, "choices": [], "comment": True},
        "id": block_id,
    }


def survey(choices: Iterable[str], question: str = "希望の日", block_id: str = SURVEY) -> dict:
    return {
        "type": "reply_form",
        "value": {"kind": "survey", "question": question, "choices": list(choices), "comment": False},
        "id": block_id,
    }


def attachment(document_id: int, block_id: str = FILE) -> dict:
    return {"type": "attachment", "value": {"document": document_id, "title": "持ち物リスト"}, "id": block_id}


def event(name: str, day: datetime.date) -> dict:
    return {
        "type": "event",
        "value": {
            "name": name,
            "date": day.isoformat(),
            "starts": "09:00",
            "ends": "12:00",
            "place": "校庭",
            "bring": "",
        },
        "id": f"event-{day.isoformat()}",
    }


def notice_publish(
    *,
    school: School | None,
    title: str = "運動会《うんどうかい》のお知らせ",
    audience: str = Audience.SCHOOL,
    category: str = Category.GENERAL,
    body: list[dict] | None = None,
    class_groups: Iterable[ClassGroup] = (),
    children: Iterable[Student] = (),
    grade: int | None = None,
    ward: str = "",
    city: City | None = None,
    reply_deadline: datetime.datetime | None = None,
    by: User | None = None,
    publish: bool = True,
    language: str | None = None,
    translation_of: Notice | None = None,
    push: bool = False,
) -> Notice:
    """A notice, published unless told not to; pushed to the families' phones only with ``push=True`` (as Wagtail's
    publishing does: ``delivery.on_published``)."""
    notice = Notice(
        city=city or school.city,
        school=school,
        title=title,
        audience=audience,
        category=category,
        body=body if body is not None else [text("明日《あした》は運動会《うんどうかい》です。")],
        grade=grade,
        ward=ward,
        reply_deadline=reply_deadline,
        created_by=by,
        live=False,
    )
    if language:
        notice.locale = Locale.objects.get_or_create(language_code=language)[0]
    if translation_of is not None:
        notice.translation_key = translation_of.translation_key
    notice.save()
    notice.class_groups.set(class_groups)
    notice.children.set(children)
    notice.save()
    if publish:
        with contextlib.nullcontext() if push else delivery.notice_publish_without_push():
            notice.save_revision(user=by).publish(user=by)
        notice.refresh_from_db()
    return notice


@dataclass
class NoticeWorld:
    class_notice: int  # to the child's class (3-1): the child's and the classmate's guardians
    other_class_notice: int  # to 3-2: no guardian of the world
    child_notice: int  # to the child by name, with a reply form and an attachment
    document: int


def notice_world(world: Any) -> NoticeWorld:
    """The matrix's notices, built once per world (again if a rolled-back test took them away)."""
    cached = world.extra.get("parent_notices")
    if cached is not None and Notice.objects.filter(pk=cached.child_notice).exists():
        return cached
    document = Document.objects.create(
        title="持ち物リスト", file=ContentFile(b"%PDF-1.4 list", name="list.pdf"), collection=world.school.collection
    )
    built = NoticeWorld(
        class_notice=notice_publish(
            school=world.school, audience=Audience.CLASS, class_groups=[world.class_group], body=[text("持ち物")]
        ).pk,
        other_class_notice=notice_publish(
            school=world.school,
            audience=Audience.CLASS,
            class_groups=[world.other_class],
            body=[text("別のクラス"), attendance()],
        ).pk,
        child_notice=notice_publish(
            school=world.school,
            audience=Audience.CHILDREN,
            children=[world.child],
            body=[text("個別のお知らせ"), attendance(), attachment(document.pk)],
        ).pk,
        document=document.pk,
    )
    world.extra["parent_notices"] = built
    return built


@dataclass
class EmergencyWorld:
    second_board_member: int  # a board member besides the world's centre_staff
    proposal: int  # proposed by the second member, awaiting confirmation
    sent: int  # proposed by the second member, confirmed by the world's centre_staff


def board_member(username: str = "m-centre-2") -> User:
    from school_portal.core import services
    from school_portal.core.models import Role

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, last_name="教育委員会", first_name="二人目")
        services.role_assign(user=user, role=Role.CENTRE_STAFF)
    return user


def emergency_sent(
    *, city: City, proposed_by: User, confirmed_by: User, title: str = "暴風警報による臨時休校"
) -> Notice:
    from .emergency import emergency_confirm, emergency_propose

    notice = emergency_propose(by=proposed_by, city=city, title=title, message="本日は市内全校が臨時休校です。")
    emergency_confirm(notice=notice, by=confirmed_by)
    notice.refresh_from_db()
    return notice


def emergency_world(world: Any) -> EmergencyWorld:
    """The matrix's emergency notices, built once per world (again if a rolled-back test took them away)."""
    from .emergency import emergency_propose

    cached = world.extra.get("parent_notices.emergency")
    if cached is not None and Notice.objects.filter(pk=cached.sent).exists():
        return cached
    second = board_member()
    proposal = emergency_propose(
        by=second, city=world.city, title="大雨による下校時刻の変更", message="14時に下校します。"
    )
    sent = emergency_sent(city=world.city, proposed_by=second, confirmed_by=world.users["centre_staff"])
    built = EmergencyWorld(second.pk, proposal.pk, sent.pk)
    world.extra["parent_notices.emergency"] = built
    return built
