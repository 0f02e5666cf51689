"""A notice reaches the families' phones: pushed when it is published, pushed again on the school's schedule to
the families who have not read it, and on a teacher's reminder; by email to a family with no phone subscribed.

The hard parts are the core's (``school_portal/core/push.py``): the fan-out over many workers, 404/410 and
timeouts, quiet hours (each guardian's own, 21:00–07:00 Asia/Tokyo unless they change it; only an emergency
notice ignores them), the email fallback. This module decides *what* is sent, *to whom* and *when*:

* **The first sending** follows Wagtail's ``published`` signal, once per notice (a :class:`NoticeSending` of
  round 0, unique), for the original of a notice (its translations are the same notice to a family), not for a
  public one (that is for the community, on the school's site). ``notice_publish_without_push`` turns it off for
  the demo data and test builders.
* **Resends** (rounds 1, 2, ...) at the hours the sending school sets (``SchoolNoticeSettings.resend_hours``,
  ``PARENT_NOTICES_RESEND_HOURS`` for the board's), only to families none of whose guardians has read it, never
  after the reply deadline or the notice's expiry, never for a notice taken down. Each round is written once, so
  two workers racing for it send it once. They are queued for their time when the task backend can run a task
  later, and ``manage.py notice_resends`` (a timer, every few minutes) sends whatever is due in any case.
* **Reminders** a teacher asks for: the same push to the families who have not read it, any number of times.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend

from school_portal.core import push
from school_portal.core.models import GuardianLink, Job, PushMessage, User

from . import audience, selectors
from .models import Audience, FamilyNoticeSettings, Notice, NoticeSending, SchoolNoticeSettings, parse_resend_hours

logger = logging.getLogger(__name__)

BOARD_RESEND_HOURS = "24, 48"  # the board's notices (no school): PARENT_NOTICES_RESEND_HOURS overrides
TTL_DEFAULT = 3 * 86400  # a phone that is off for a weekend still gets it
_push_on_publish: contextvars.ContextVar[bool] = contextvars.ContextVar("parent_notices_push", default=True)


@contextlib.contextmanager
def notice_publish_without_push() -> Iterator[None]:
    """Publishing inside this block sends nothing (the demo city's and the tests' notices)."""
    token = _push_on_publish.set(False)
    try:
        yield
    finally:
        _push_on_publish.reset(token)


def guardian_user_ids(notice: Notice) -> list[int]:
    """The accounts of every guardian of the notice's children."""
    students = audience.enrollments(notice).values("student_id")
    links = GuardianLink.objects.filter(student_id__in=students, guardian__user__is_active=True)
    return list(links.values_list("guardian__user_id", flat=True).distinct().order_by("guardian__user_id"))


def resend_hours(notice: Notice) -> list[int]:
    """The sending school's schedule of resends (hours after the first sending); the board's from settings."""
    value = getattr(settings, "PARENT_NOTICES_RESEND_HOURS", BOARD_RESEND_HOURS)
    if notice.school_id is not None:
        chosen = SchoolNoticeSettings.objects.filter(school_id=notice.school_id).values_list("resend_hours", flat=True)
        value = chosen.first() if chosen.exists() else SchoolNoticeSettings._meta.get_field("resend_hours").default
    try:
        return parse_resend_hours(value)
    except ValueError:
        return []


def _stop_at(notice: Notice) -> datetime.datetime | None:
    """When pushing about the notice stops making sense: its reply deadline or its expiry, the earlier."""
    ends = [moment for moment in (notice.reply_deadline, notice.expire_at) if moment is not None]
    return min(ends) if ends else None


def _still_worth_sending(notice: Notice, now: datetime.datetime) -> bool:
    stop = _stop_at(notice)
    return notice.live and (stop is None or now < stop)


def _ttl(notice: Notice, now: datetime.datetime) -> int:
    stop = _stop_at(notice)
    if stop is None:
        return TTL_DEFAULT
    return int(min(push.MAX_TTL, max(60, (stop - now).total_seconds())))


def _body(notice: Notice, kind: str, language: str) -> str:
    with translation.override(language):
        sender = notice.school.name if notice.school_id else _("The board of education")
        if kind == NoticeSending.Kind.FIRST:
            return _("A new notice from %(sender)s") % {"sender": sender}
        return _("Reminder from %(sender)s: please read this notice.") % {"sender": sender}


# Up to this many recipients, the families' languages are asked for by id; more, and all are read and filtered.
FILTER_IN_SQL_UP_TO = 500


def _variants(notice: Notice, user_ids: list[int], kind: str) -> tuple[dict[str, dict[str, str]], dict[int, str]]:
    """The push in each family's notice language: the title of the school's translation where one is published
    (else the Japanese title), the text in that language; and which user reads which."""
    recipients = set(user_ids)
    chosen = FamilyNoticeSettings.objects.exclude(language__in=["", settings.LANGUAGE_CODE])
    if len(recipients) <= FILTER_IN_SQL_UP_TO:  # a class's or a school's families: asked for by id
        chosen = chosen.filter(guardian__user_id__in=recipients)
    # else (a ward, the city): every family that chose another language, filtered here (no IN list of 100,000)
    languages = {
        user_id: language
        for user_id, language in chosen.values_list("guardian__user_id", "language")
        if user_id in recipients
    }
    titles = dict(
        Notice.objects.filter(translation_key=notice.translation_key, live=True)
        .exclude(pk=notice.pk)
        .values_list("locale__language_code", "title")
    )
    wanted = set(languages.values()) | {code for code, _name in settings.PORTAL_UI_LANGUAGES}
    variants = {
        language: {"title": titles.get(language, notice.title), "body": _body(notice, kind, language)}
        for language in wanted - {settings.LANGUAGE_CODE}
    }
    return variants, languages


def _push(notice: Notice, *, user_ids: list[int], by: User | None, kind: str) -> Job:
    """One push to ``user_ids`` about ``notice``: in Japanese, and in the language each family reads notices in
    (or the one they chose for the portal)."""
    variants, languages = _variants(notice, user_ids, kind)
    emergency = notice.is_emergency
    return push.push_start(  # the job in the sender's language: they watch it
        users=user_ids,
        title=notice.title,
        body=_body(notice, kind, settings.LANGUAGE_CODE),
        variants=variants,
        languages=languages,
        url=reverse("parent_notices:notice", args=[notice.pk]),
        urgency=PushMessage.Urgency.HIGH if emergency else PushMessage.Urgency.NORMAL,
        ttl=_ttl(notice, timezone.now()),
        topic=f"notice-{notice.pk}",  # a later one replaces one still waiting in the push service
        emergency=emergency,
        by=by,
        school=notice.school,
    )


def _sending_claim(notice: Notice, *, round_: int, kind: str) -> NoticeSending | None:
    """Write the round once: None if another worker (or an earlier run) has it."""
    try:
        with transaction.atomic():
            return NoticeSending.objects.create(notice=notice, kind=kind, round=round_)
    except IntegrityError:
        return None


def notice_send_first(*, notice: Notice, by: User | None) -> NoticeSending | None:
    """The first push of a newly published notice to every family it is for; None when it is not to be pushed
    (already sent, a translation, a public notice, or publishing without push)."""
    if not _push_on_publish.get() or notice.audience == Audience.PUBLIC or not notice.live:
        return None
    if notice.locale_id != selectors.default_locale().pk:
        return None
    sending = _sending_claim(notice, round_=0, kind=NoticeSending.Kind.FIRST)
    if sending is None:
        return None
    ids = guardian_user_ids(notice)
    job = _push(notice, user_ids=ids, by=by, kind=NoticeSending.Kind.FIRST) if ids else None
    NoticeSending.objects.filter(pk=sending.pk).update(job=job, recipients=len(ids))
    _schedule_resends(notice, first=sending)
    return sending


def notice_send_reminder(*, notice: Notice, by: User) -> Job | None:
    """Push a reminder to the families who have not read it (the caller asked the policy): its job, or None
    when every family has read it."""
    ids = selectors.unread_guardian_user_ids(notice)
    if not ids:
        return None
    job = _push(notice, user_ids=ids, by=by, kind=NoticeSending.Kind.REMINDER)
    NoticeSending.objects.create(notice=notice, kind=NoticeSending.Kind.REMINDER, job=job, recipients=len(ids))
    return job


def notice_resend(*, notice: Notice, round_: int, now: datetime.datetime | None = None) -> NoticeSending | None:
    """Resend round ``round_`` (1 for the first resend) if it is due and not sent: to the families who have not
    read the notice, unless it has been taken down or its deadline or expiry has passed."""
    now = now or timezone.now()
    first = NoticeSending.objects.filter(notice=notice, round=0).select_related("job").first()
    hours = resend_hours(notice)
    if first is None or not 1 <= round_ <= len(hours) or not _still_worth_sending(notice, now):
        return None
    if now < first.created_at + datetime.timedelta(hours=hours[round_ - 1]):
        return None
    sending = _sending_claim(notice, round_=round_, kind=NoticeSending.Kind.RESEND)
    if sending is None:
        return None
    ids = selectors.unread_guardian_user_ids(notice)
    by = first.job.started_by if first.job is not None else notice.created_by
    job = _push(notice, user_ids=ids, by=by, kind=NoticeSending.Kind.RESEND) if ids else None
    NoticeSending.objects.filter(pk=sending.pk).update(job=job, recipients=len(ids))
    sending.job, sending.recipients = job, len(ids)
    return sending


def notice_resends_due(*, now: datetime.datetime | None = None) -> int:
    """Send every resend now due (``manage.py notice_resends`` from a timer); how many rounds were sent.

    A round missed while no worker ran is not sent late in a burst: only the latest one due is sent, the earlier
    ones are recorded as passed."""
    now = now or timezone.now()
    horizon = now - datetime.timedelta(hours=336)  # the longest schedule a school may set
    sent = 0
    firsts = NoticeSending.objects.filter(round=0, created_at__gte=horizon, notice__live=True)
    for first in firsts.select_related("notice"):
        notice = first.notice
        hours = resend_hours(notice)
        due = [n for n, h in enumerate(hours, start=1) if first.created_at + datetime.timedelta(hours=h) <= now]
        if not due:
            continue
        done = set(NoticeSending.objects.filter(notice=notice, round__gt=0).values_list("round", flat=True))
        if due[-1] in done:
            continue
        for missed in due[:-1]:
            if missed not in done:
                _sending_claim(notice, round_=missed, kind=NoticeSending.Kind.RESEND)
        sent += notice_resend(notice=notice, round_=due[-1], now=now) is not None
    return sent


def _schedule_resends(notice: Notice, *, first: NoticeSending) -> None:
    """Queue a task at each resend's time, where the task backend can run one later (else the timer does it)."""
    if not default_task_backend.supports_defer:
        return
    from .tasks import notice_resend_task

    for round_, hours in enumerate(resend_hours(notice), start=1):
        at = first.created_at + datetime.timedelta(hours=hours)
        notice_resend_task.using(run_after=at).enqueue(notice.pk, round_)


def on_published(sender: type, instance: Notice, revision: object = None, **kwargs: object) -> None:
    """Wagtail's ``published`` signal: the first push, once the publishing transaction has committed."""
    if not _push_on_publish.get():
        return
    by = getattr(revision, "user", None) or instance.created_by
    pk = instance.pk

    def send() -> None:
        notice = Notice.objects.select_related("school").filter(pk=pk).first()
        if notice is not None:
            try:
                notice_send_first(notice=notice, by=by)
            except Exception:  # the notice is published whatever happens to its push
                logger.exception("notice %s: the first push could not be started", pk)

    transaction.on_commit(send)
