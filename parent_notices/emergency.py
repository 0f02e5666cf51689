"""Emergency mode for the board of education: one notice to every guardian of every school in the city.

- Sending takes two people: a board member proposes (a draft notice, category emergency, audience the city),
  a second board member confirms; the same person cannot confirm their own proposal (refused here, and by a
  check constraint in the database). Only the board's staff (the education centre's) may do either: the
  access policy's capability ``parent_notices.emergency``.
- Confirming publishes the notice (Wagtail's publish: its revision, ``live``, ``last_published_at``), which
  pins it on every family's inbox (the inbox puts emergencies first), and notifies the families as urgent: a
  push marked ``emergency`` (quiet hours do not hold it back) with urgency high.
- A sent notice is corrected, never silently edited: a :class:`NoticeCorrection` shown on the notice with its
  time, and the families notified again (same push topic: an undelivered first message is replaced).
- The board follows a read tally by school (:func:`emergency_tally`), refreshed live as families read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from school_portal.core import push
from school_portal.core.access import Actor, policy
from school_portal.core.models import City, PushMessage, User
from school_portal.core.realtime import notify_group
from school_portal.core.services import PortalError

from . import audience, delivery, storm
from .consumers import notice_group
from .emergency_models import CORRECTION_MAX, EmergencySend, NoticeCorrection
from .models import Audience, Category, Notice, NoticeRead

CAPABILITY = "parent_notices.emergency"
TITLE_MAX = 200
MESSAGE_MAX = 4000


def _board_staff(actor: Actor) -> bool:
    return actor.is_centre_staff


def register() -> None:
    policy.register_capability(CAPABILITY, check=_board_staff)


def refusal() -> str:
    return _("Only the board of education's staff may propose, confirm or correct an emergency notice.")


def _require_board(by: User) -> None:
    if not policy.can(by, CAPABILITY):
        raise PortalError(refusal())


def emergency_notices() -> QuerySet:
    """The board's emergency notices (proposed or sent), newest first, with who proposed and confirmed."""
    return (
        Notice.objects.filter(emergency__isnull=False, category=Category.EMERGENCY)
        .select_related("emergency", "emergency__proposed_by", "emergency__confirmed_by", "city")
        .order_by("-emergency__proposed_at", "-pk")
    )


def emergency_propose(*, by: User, city: City, title: str, message: str) -> Notice:
    """A draft emergency notice to the whole ``city``, waiting for a second board member to confirm it."""
    _require_board(by)
    title, message = (title or "").strip(), (message or "").strip()
    if not title or not message:
        raise PortalError(_("An emergency notice needs a title and a message."))
    if len(title) > TITLE_MAX or len(message) > MESSAGE_MAX:
        raise PortalError(_("The title or the message is too long."))
    paragraphs = "".join(f"<p>{_escape(line)}</p>" for line in message.splitlines() if line.strip())
    with transaction.atomic():
        notice = Notice(
            city=city,
            school=None,
            title=title,
            category=Category.EMERGENCY,
            audience=Audience.CITY,
            body=[{"type": "text", "value": paragraphs, "id": "emergency-text"}],
            created_by=by,
            live=False,
        )
        notice.save()
        notice.save_revision(user=by)
        EmergencySend.objects.create(notice=notice, proposed_by=by)
    return notice


def _escape(line: str) -> str:
    from django.utils.html import escape

    return escape(line.strip())


def emergency_confirm(*, notice: Notice, by: User) -> EmergencySend:
    """The second board member's confirmation: the notice is published and pushed to every family as urgent.
    Two confirmations at once: the row lock lets one send and the other is told it has been sent."""
    _require_board(by)
    with transaction.atomic():
        send = EmergencySend.objects.select_for_update().filter(notice=notice).first()
        if send is None:
            raise PortalError(_("This is not an emergency notice awaiting confirmation."))
        if send.sent:
            raise PortalError(_("This emergency notice has already been sent."))
        if send.proposed_by_id == by.pk:
            raise PortalError(_("A second board member must confirm: you proposed this emergency notice."))
        send.confirmed_by, send.confirmed_at = by, timezone.now()
        send.save(update_fields=["confirmed_by", "confirmed_at"])
        revision = notice.latest_revision or notice.save_revision(user=by)
        revision.publish(user=by)
        notice.refresh_from_db()
        storm.page_forget(notice.pk)
        # The push is the first sending of any published notice (delivery.on_published): marked emergency
        # (past quiet hours, urgency high) because the notice is one, and resent to families who have not read it.
    return send


def emergency_correct(*, notice: Notice, by: User, text: str) -> NoticeCorrection:
    """A visible correction of a sent emergency notice; the families are notified of it."""
    _require_board(by)
    text = (text or "").strip()
    if not text:
        raise PortalError(_("Write the correction."))
    if len(text) > CORRECTION_MAX:
        raise PortalError(_("The correction is too long (at most %(max)s characters).") % {"max": CORRECTION_MAX})
    send = EmergencySend.objects.filter(notice=notice).first()
    if send is None or not send.sent or not notice.live:
        raise PortalError(_("Only a sent emergency notice can be corrected."))
    correction = NoticeCorrection.objects.create(notice=notice, text=text, made_by=by)
    storm.page_forget(notice.pk)
    title = _("Correction: %(title)s") % {"title": notice.title}
    transaction.on_commit(lambda: _notify_families(notice=notice, by=by, title=title, body=text))
    transaction.on_commit(
        lambda: notify_group(
            group=notice_group(notice.pk),
            event={"kind": "parent_notices.correction", "message": _("A correction was sent."), "refresh": True},
        )
    )
    return correction


def _notify_families(*, notice: Notice, by: User, title: str, body: str = "") -> None:
    """The notice's send path for an emergency: a push marked emergency (past quiet hours), urgency high, one
    topic per notice so a correction replaces a first message still undelivered."""
    push.push_start(
        users=delivery.guardian_user_ids(notice),
        title=title,
        body=body,
        url=reverse("parent_notices:notice", args=[notice.pk]),
        urgency=PushMessage.Urgency.HIGH,
        ttl=6 * 3600,
        topic=f"notice-{notice.pk}",
        emergency=True,
        by=by,
    )


@dataclass
class SchoolTally:
    school_id: int
    name: str
    families: int
    read: int

    @property
    def percent(self) -> int:
        return round(100 * self.read / self.families) if self.families else 0


@dataclass
class CityTally:
    """The city's figures count each family once: one with children in two schools is in both schools' rows."""

    schools: list[SchoolTally]
    families: int
    read: int


def emergency_tally(notice: Notice) -> CityTally:
    """Families who read the notice, by school (a family with children in two schools counts in each), and for the
    whole city (each family once): two queries; a school with no child enrolled this year has no row."""
    guardian = "student__guardian_links__guardian"
    readers = NoticeRead.objects.filter(notice=notice).values("guardian_id")
    counts = {
        "families": Count(guardian, distinct=True),
        "read": Count(guardian, filter=Q(**{f"{guardian}__in": readers}), distinct=True),
    }
    rows = (
        audience.enrollments(notice)
        .values("class_group__school_id", "class_group__school__name")
        .annotate(**counts)
        .order_by("class_group__school__name", "class_group__school_id")
    )
    city = audience.enrollments(notice).aggregate(**counts)
    return CityTally(
        [
            SchoolTally(r["class_group__school_id"], r["class_group__school__name"], r["families"], r["read"])
            for r in rows
        ],
        families=city["families"],
        read=city["read"],
    )
