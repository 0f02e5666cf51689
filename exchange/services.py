"""Writes of the exchange plug-in: exchanges, proposals and their answers, bookings, consent.

Every service asks the access policy (``schedule`` on the exchange or the session) and refuses with a translated
``PortalError``. A proposal names a local date and time in the proposer's own zone (Asia/Tokyo for an Osaka
teacher, the partner school's zone for its teacher); ``zones.local_to_utc`` refuses a time in a DST gap or
overlap. Accepting books the slot: see :func:`_book` for how a double booking is refused on every database.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from school_portal.core.access import policy
from school_portal.core.models import ClassGroup, PartnerTeacher, User
from school_portal.core.realtime import notify_groups, notify_user
from school_portal.core.services import PortalError

from .access_rules import is_partner_side
from .groups import change_groups
from .models import Exchange, PartnerClass, Session, VideoRoom
from .slots import booked_overlaps, osaka_closed_days
from .zones import TOKYO, describe, local_to_utc

MAX_REASON = 1000
logger = logging.getLogger(__name__)


def side_of(*, exchange: Exchange, by: User) -> str:
    """``partner`` for the exchange's partner teacher, ``school`` for an Osaka teacher who may schedule it."""
    actor = policy.actor(by)
    if is_partner_side(actor, exchange.pk):
        return Session.Side.PARTNER
    if policy.allows(by, "schedule", exchange):
        return Session.Side.SCHOOL
    raise PortalError(_("You may not schedule sessions of this exchange."))


def zone_of(*, exchange: Exchange, side: str) -> Any:
    return exchange.partner_class.partner_school.zone if side == Session.Side.PARTNER else TOKYO


@transaction.atomic
def exchange_create(
    *,
    class_group: ClassGroup,
    partner_class: PartnerClass,
    partner_teacher: User,
    teacher: User,
    by: User,
    room: VideoRoom | None = None,
    language: str = "en",
    subject: str = "",
    minutes: int = 45,
) -> Exchange:
    """Pair an Osaka class with a partner class, each with its teacher."""
    actor = policy.actor(by)
    if not (actor.is_centre_staff or policy.allows(by, "view_roster", class_group)):
        raise PortalError(_("You may start exchanges only for classes you teach."))
    if not PartnerTeacher.objects.filter(user=partner_teacher).exists():
        raise PortalError(_("%(user)s is not a verified partner teacher.") % {"user": partner_teacher})
    if room is not None and room.school_id != class_group.school_id:
        raise PortalError(_("Choose a video room of the class's own school."))
    if not 15 <= minutes <= 120:
        raise PortalError(_("A session lasts between 15 and 120 minutes."))
    if Exchange.objects.filter(class_group=class_group, partner_class=partner_class).exists():
        raise PortalError(_("These two classes already have an exchange."))
    return Exchange.objects.create(
        school_id=class_group.school_id,
        class_group=class_group,
        teacher=teacher,
        partner_class=partner_class,
        partner_teacher=partner_teacher,
        room=room,
        language=language,
        subject=subject,
        minutes=minutes,
    )


# --- checks of a proposed time ------------------------------------------------------------------------------


def _check_time(*, exchange: Exchange, starts_at: datetime.datetime, now: datetime.datetime) -> None:
    """Refuse a time in the past, on a weekend or holiday of either school (Japan's national holidays and the Osaka
    school's closed days; the partner school's weekend and holidays), or with a session booked."""
    ends_at = starts_at + datetime.timedelta(minutes=exchange.minutes)
    if starts_at <= now:
        raise PortalError(_("This time is in the past. Choose a time to come."))
    tokyo = starts_at.astimezone(TOKYO)
    if tokyo.weekday() >= 5:
        raise PortalError(_("%(time)s is a weekend in Japan.") % {"time": describe(starts_at, TOKYO)})
    closed = osaka_closed_days(school_id=exchange.school_id, first=tokyo.date(), last=tokyo.date())
    if closed:
        raise PortalError(
            _("%(school)s is closed on %(day)s (%(reason)s).")
            % {"school": exchange.school.name, "day": f"{tokyo:%Y-%m-%d}", "reason": closed[tokyo.date()]}
        )
    school = exchange.partner_class.partner_school
    zone = school.zone
    local = starts_at.astimezone(zone)
    if local.weekday() in school.weekend:
        raise PortalError(
            _("%(time)s is a weekend at %(school)s.") % {"time": describe(starts_at, zone), "school": school.name}
        )
    holiday = school.holidays.filter(starts_on__lte=local.date(), ends_on__gte=local.date()).first()
    if holiday is not None:
        raise PortalError(
            _("%(school)s is on holiday (%(holiday)s) on %(day)s.")
            % {"school": school.name, "holiday": holiday.name, "day": f"{local:%Y-%m-%d}"}
        )
    clash = Session.objects.filter(
        booked_overlaps(
            class_group_id=exchange.class_group_id,
            partner_class_id=exchange.partner_class_id,
            room_id=exchange.room_id,
        ),
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).exists()
    if clash:
        raise PortalError(_("A session is already booked at that time for this class, the partner class or the room."))


def _proposal(
    *,
    exchange: Exchange,
    side: str,
    day: datetime.date,
    time: datetime.time,
    by: User,
    now: datetime.datetime | None,
    replaces: Session | None = None,
) -> Session:
    starts_at = local_to_utc(day, time, zone_of(exchange=exchange, side=side))
    _check_time(exchange=exchange, starts_at=starts_at, now=now or timezone.now())
    return Session.objects.create(
        exchange=exchange,
        school_id=exchange.school_id,
        class_group_id=exchange.class_group_id,
        partner_class_id=exchange.partner_class_id,
        room_id=exchange.room_id,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=exchange.minutes),
        proposed_by=by,
        proposed_side=side,
        replaces=replaces,
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PortalError(_("Give a reason: the other school reads it."))
    if len(reason) > MAX_REASON:
        raise PortalError(_("Keep the reason under %(count)s characters.") % {"count": MAX_REASON})
    return reason


def _locked(session: Session) -> Session:
    """The session's row, locked until the end of the transaction (PostgreSQL), with what the services read."""
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("exchange__partner_class__partner_school")
        .get(pk=session.pk)
    )


def _answerable(session: Session, by: User) -> str:
    side = side_of(exchange=session.exchange, by=by)
    if not session.is_open:
        raise PortalError(_("This proposal has already been answered."))
    if side == session.proposed_side:
        raise PortalError(_("The other school answers this proposal."))
    return side


# --- the services ----------------------------------------------------------------------------------------


@transaction.atomic
def session_propose(
    *, exchange: Exchange, day: datetime.date, time: datetime.time, by: User, now: datetime.datetime | None = None
) -> Session:
    """Propose a session at ``time`` on ``day`` in the proposer's own zone."""
    side = side_of(exchange=exchange, by=by)
    session = _proposal(exchange=exchange, side=side, day=day, time=time, by=by, now=now)
    _announce(session, gettext_noop("New proposal: %(time)s"))
    return session


@transaction.atomic
def session_counter(
    *, session: Session, day: datetime.date, time: datetime.time, by: User, now: datetime.datetime | None = None
) -> Session:
    """Answer a proposal with another time: the proposal is marked countered, a new one goes the other way."""
    session = _locked(session)
    side = _answerable(session, by)
    session.state = Session.State.COUNTERED
    session.save(update_fields=["state", "updated_at"])
    # A counter to a reschedule still reschedules the booked session; otherwise it answers this proposal.
    booked = session.replaces if session.replaces_id and session.replaces.state == Session.State.ACCEPTED else None
    counter = _proposal(
        exchange=session.exchange, side=side, day=day, time=time, by=by, now=now, replaces=booked or session
    )
    _announce(counter, gettext_noop("Counter-proposal: %(time)s"))
    return counter


def _book(session: Session) -> None:
    """Mark ``session`` accepted, or refuse if its class, partner class or room is booked at an overlapping time.

    The row is written first and the check made after, inside the same transaction: on PostgreSQL the exclusion
    constraints of migration 0002 refuse the second of two overlapping bookings even when both transactions run
    at once (the second waits for the first to commit, then fails); on SQLite the write takes the database's
    write lock, so a second booking's check runs only once the first has committed, and sees it.
    """
    session.state = Session.State.ACCEPTED
    try:
        with transaction.atomic():
            session.save(update_fields=["state", "sequence", "uid", "updated_at"])
            clash = (
                Session.objects.filter(
                    booked_overlaps(
                        class_group_id=session.class_group_id,
                        partner_class_id=session.partner_class_id,
                        room_id=session.room_id,
                    ),
                    starts_at__lt=session.ends_at,
                    ends_at__gt=session.starts_at,
                )
                .exclude(pk=session.pk)
                .exists()
            )
            if clash:
                raise IntegrityError("overlapping booking")
    except IntegrityError:
        raise PortalError(
            _("This time has just been booked for this class, the partner class or the room. Choose another.")
        ) from None


@transaction.atomic
def session_accept(*, session: Session, by: User, now: datetime.datetime | None = None) -> Session:
    """Accept a proposal: the session is booked (a reschedule replaces the booked session, same UID)."""
    session = _locked(session)
    _answerable(session, by)
    if session.starts_at <= (now or timezone.now()):
        raise PortalError(_("This time is in the past. Propose another time."))
    previous = session.replaces
    if previous is not None and previous.state == Session.State.ACCEPTED:
        previous.state = Session.State.RESCHEDULED
        previous.save(update_fields=["state", "updated_at"])
        session.uid, session.sequence = previous.uid, previous.sequence + 1
        session.recording_consent = False  # consent is recorded per session: asked again for the new time
    _book(session)
    _announce(session, gettext_noop("Session booked: %(time)s"))
    return session


@transaction.atomic
def session_decline(*, session: Session, by: User, reason: str) -> Session:
    session = _locked(session)
    _answerable(session, by)
    session.state, session.reason = Session.State.DECLINED, _reason(reason)
    session.save(update_fields=["state", "reason", "updated_at"])
    _announce(session, gettext_noop("Proposal declined: %(time)s"))
    return session


@transaction.atomic
def session_reschedule(
    *,
    session: Session,
    day: datetime.date,
    time: datetime.time,
    by: User,
    reason: str,
    now: datetime.datetime | None = None,
) -> Session:
    """Propose a new time for a booked session; it stays booked until the other school accepts the new time."""
    session = _locked(session)
    side = side_of(exchange=session.exchange, by=by)
    if session.state != Session.State.ACCEPTED:
        raise PortalError(_("Only a booked session can be rescheduled."))
    proposal = _proposal(exchange=session.exchange, side=side, day=day, time=time, by=by, now=now, replaces=session)
    proposal.reason = _reason(reason)
    proposal.save(update_fields=["reason"])
    _announce(proposal, gettext_noop("New time proposed for a booked session: %(time)s"))
    return proposal


@transaction.atomic
def session_cancel(*, session: Session, by: User, reason: str) -> Session:
    """Cancel a booked session or withdraw a proposal, with a reason the other school reads."""
    session = _locked(session)
    side_of(exchange=session.exchange, by=by)
    if session.state not in (Session.State.ACCEPTED, Session.State.PROPOSED, Session.State.COUNTERED):
        raise PortalError(_("This session is no longer booked or proposed."))
    was_booked = session.state == Session.State.ACCEPTED
    session.state, session.reason = Session.State.CANCELLED, _reason(reason)
    session.sequence += 1
    session.save(update_fields=["state", "reason", "sequence", "updated_at"])
    _announce(session, gettext_noop("Session cancelled: %(time)s"), booked=was_booked)
    return session


@transaction.atomic
def session_recording_consent_set(*, session: Session, allowed: bool, by: User) -> Session:
    """The Osaka school records whether the families consented to recording this session (off by default)."""
    session = _locked(session)
    if side_of(exchange=session.exchange, by=by) != Session.Side.SCHOOL:
        raise PortalError(_("Only the Osaka school records its families' consent."))
    if session.state not in (Session.State.ACCEPTED, Session.State.PROPOSED, Session.State.COUNTERED):
        raise PortalError(_("This session is no longer booked or proposed."))
    session.recording_consent = allowed
    session.save(update_fields=["recording_consent", "updated_at"])
    _announce(session, None)
    return session


# --- announcements ------------------------------------------------------------------------------------------


def _announce(session: Session, message: str | None, *, booked: bool = False) -> None:
    """After the commit: every board showing the exchange refreshes (one fan-out, each board once), each teacher
    hears it in their own language and zone. Only the class and the times travel: no child's data is in any event."""
    exchange = session.exchange
    template = message  # marked with gettext_noop by the caller: translated per recipient below
    refresh = {"kind": "exchange.board", "refresh": True, "session": session.pk, "state": session.state}

    def send() -> None:
        notify_groups(groups=change_groups(exchange_id=exchange.pk, school_id=exchange.school_id), event=refresh)
        if template is None:
            return
        url = reverse("exchange:exchange_detail", args=[exchange.pk])
        partner_zone = exchange.partner_class.partner_school.zone
        for user_id, zone, default in (
            (exchange.teacher_id, TOKYO, None),
            (exchange.partner_teacher_id, partner_zone, "en"),
        ):
            user = User.objects.filter(pk=user_id).only("preferred_language").first()
            if user is None:
                continue
            with translation.override(user.preferred_language or default):
                text = translation.gettext(template) % {"time": describe(session.starts_at, zone)}
            notify_user(user_id=user_id, event={"kind": "exchange.session", "message": text, "url": url})
        if booked or session.state == Session.State.ACCEPTED:
            from .tasks import exchange_invites_task

            try:
                exchange_invites_task.enqueue(session.pk)
            except Exception:  # the booking stands; the invitation can be downloaded from the page
                logger.warning("exchange: could not enqueue the invitation of session %s", session.pk, exc_info=True)

    transaction.on_commit(send)
