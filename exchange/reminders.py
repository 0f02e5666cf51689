"""Reminders of booked sessions: a week before (the confirmation), a day before, and a connection test two days
before (try the camera, the microphone and the network on the call page).

Each reminder is claimed by one conditional UPDATE before it is sent (``reminders_sent`` gains its kind only if
it lacks it), so two workers running the task at once, or a task run again after its worker died, send it once.

When several are due at once (a session booked ten hours ahead has the week's, the two days' and the day's
reminder due together), only the latest is sent; the earlier ones are recorded as skipped (``week:skipped;``)
in the same UPDATE, so they are never sent later either.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from school_portal.core.realtime import notify_user

from .models import Session
from .zones import TOKYO, describe

# kind: how long before the start it becomes due
REMINDERS = {
    "week": datetime.timedelta(days=7),
    "test": datetime.timedelta(days=2),
    "day": datetime.timedelta(days=1),
}


SKIPPED = ":skipped"


def _handled(reminders_sent: str) -> set[str]:
    """The kinds already sent or skipped."""
    return {entry.removesuffix(SKIPPED) for entry in reminders_sent.split(";") if entry}


def _claim(session: Session, kind: str, skipped: list[str]) -> bool:
    """Record ``kind`` as sent and ``skipped`` as skipped, unless another worker recorded any of them first."""
    taken = Q()
    for each in [*skipped, kind]:
        taken |= Q(reminders_sent__contains=f"{each};") | Q(reminders_sent__contains=f"{each}{SKIPPED};")
    record = "".join(f"{each}{SKIPPED};" for each in skipped) + f"{kind};"
    claimed = (
        Session.objects.filter(pk=session.pk, state=Session.State.ACCEPTED)
        .exclude(taken)
        .update(reminders_sent=Concat("reminders_sent", Value(record)))
    )
    return claimed == 1


def _text(kind: str, when: str) -> str:
    if kind == "week":
        return _("In a week: your video exchange on %(when)s. Please confirm your class is ready.") % {"when": when}
    if kind == "test":
        return _("Before %(when)s: test your camera, microphone and connection on the call page.") % {"when": when}
    return _("Tomorrow: your video exchange on %(when)s.") % {"when": when}


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Send the latest reminder now due of each booked session, once; earlier ones due with it are skipped.

    Returns how many were sent.
    """
    now = now or timezone.now()
    horizon = now + max(REMINDERS.values())
    sessions = Session.objects.filter(state=Session.State.ACCEPTED, starts_at__gt=now, starts_at__lte=horizon)
    sessions = sessions.select_related(
        "exchange__teacher", "exchange__partner_teacher", "partner_class__partner_school"
    )
    sent = 0
    for session in sessions:
        handled = _handled(session.reminders_sent)
        due = [k for k, before in REMINDERS.items() if session.starts_at - before <= now and k not in handled]
        if not due:
            continue
        kind, skipped = due[-1], due[:-1]  # REMINDERS runs from the earliest to the latest
        if _claim(session, kind, skipped):
            exchange = session.exchange
            url = reverse("exchange:exchange_detail", args=[exchange.pk])
            for person, zone, default in (
                (exchange.teacher, TOKYO, None),
                (exchange.partner_teacher, session.partner_class.partner_school.zone, "en"),
            ):
                with override(person.preferred_language or default):
                    text = _text(kind, describe(session.starts_at, zone))
                    if person.email:
                        send_mail(_("Video exchange reminder"), text, settings.DEFAULT_FROM_EMAIL, [person.email])
                notify_user(user_id=person.pk, event={"kind": "exchange.reminder", "message": text, "url": url})
            sent += 1
    return sent
