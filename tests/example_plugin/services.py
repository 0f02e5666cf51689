"""Writes of the class bell: keyword-only, typed, the policy asked inside."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from school_portal.core.access import policy
from school_portal.core.jobs import job_start
from school_portal.core.models import ClassGroup, Job, School, User
from school_portal.core.realtime import class_group_name, notify_group


def bell_ring(*, class_group: ClassGroup, by: Any) -> dict[str, str]:
    """Ring ``class_group``'s bell: every open page of the class hears it. Only its homeroom teacher may."""
    policy.require(by, "class_bell.ring", class_group)
    event = {
        "kind": "class_bell.rang",
        "message": _("The bell rang for %(class)s at %(time)s.")
        % {"class": class_group.label, "time": timezone.localtime().strftime("%H:%M")},
    }
    notify_group(group=class_group_name(class_group.pk), event=event)
    return event


def school_bells_ring(*, school: School, by: User) -> Job:
    """Ring every class of ``school`` the user is homeroom teacher of, as a background job with progress."""
    from .tasks import school_bells_task

    return job_start(
        task=school_bells_task, kind="class_bell.school", title=_("Ringing the bells"), by=by, school=school
    )
