"""The classrooms plug-in's dashboard panels: a child's lessons for today and this week; a teacher's assignments."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from school_portal.core.access import policy
from school_portal.core.registry import DashboardPanel, NavLink, dashboard_panels, nav_links

from . import selectors


def _student_day(request: HttpRequest) -> dict:
    return {"day": selectors.student_assignments(policy.actor(request))}


def _teacher_work(request: HttpRequest) -> dict:
    return {"assignments": selectors.teacher_assignments(policy.actor(request))[:8]}


def _guardian_feedback(request: HttpRequest) -> dict:
    return {"sheets": selectors.guardian_feedback(policy.actor(request))}


def register() -> None:
    dashboard_panels.register(
        "classrooms.guardian_feedback",
        DashboardPanel(
            _("Teachers' feedback on lessons"),
            "classrooms/panels/guardian_feedback.html",
            _guardian_feedback,
            "core.follow_children",
            order=30,
        ),
    )
    dashboard_panels.register(
        "classrooms.student_day",
        DashboardPanel(
            _("Today's lessons"), "classrooms/panels/student_day.html", _student_day, "classrooms.do_lessons", order=5
        ),
    )
    dashboard_panels.register(
        "classrooms.teacher_work",
        DashboardPanel(
            _("Lessons to review"),
            "classrooms/panels/teacher_work.html",
            _teacher_work,
            "core.teach",
            order=20,
        ),
    )
    nav_links.register(
        "classrooms.index",
        NavLink(
            _("ICT lessons"),
            "classrooms:index",
            "classrooms.use",
            order=50,
        ),
    )
