"""Who may be in a session's call, and when: the exchange's two teachers, while the session is booked, from a
few minutes before its start to a few minutes after its end (``EXCHANGE_CALL_MARGIN_MINUTES``, default 10)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from school_portal.core.models import User

from .models import Session


def call_window(session: Session) -> tuple[datetime.datetime, datetime.datetime]:
    margin = datetime.timedelta(minutes=int(getattr(settings, "EXCHANGE_CALL_MARGIN_MINUTES", 10)))
    return session.starts_at - margin, session.ends_at + margin


def call_refusal(session: Session, user: User, now: datetime.datetime | None = None) -> str:
    """Why ``user`` may not be in the call now ("" if they may)."""
    exchange = session.exchange
    if user.pk not in (exchange.teacher_id, exchange.partner_teacher_id):
        return _("Only the two teachers of this exchange join its calls.")
    if session.state != Session.State.ACCEPTED:
        return _("This session is not booked.")
    opens, closes = call_window(session)
    now = now or timezone.now()
    if now < opens:
        return _("The call opens a few minutes before the session starts.")
    if now > closes:
        return _("This session has ended.")
    return ""
