"""The core's own dashboard panels: a guardian's children, a teacher's classes, a student's class."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import selectors
from .access import policy
from .registry import DashboardPanel, NavLink, dashboard_panels, nav_links


def _children(request: HttpRequest) -> dict:
    return {"children": selectors.guardian_children(policy.actor(request))}


def _classes(request: HttpRequest) -> dict:
    return {"class_groups": selectors.teacher_classes(policy.actor(request))}


def _me(request: HttpRequest) -> dict:
    return {"me": selectors.student_self(policy.actor(request))}


def register() -> None:
    dashboard_panels.register(
        "core.children",
        DashboardPanel(_("My children"), "core/panels/children.html", _children, "core.follow_children", order=10),
    )
    dashboard_panels.register(
        "core.classes",
        DashboardPanel(
            _("My classes"),
            "core/panels/classes.html",
            _classes,
            "core.teach",
            order=10,
        ),
    )
    dashboard_panels.register(
        "core.me", DashboardPanel(_("My class"), "core/panels/me.html", _me, "core.study", order=10)
    )
    nav_links.register(
        "core.dashboard",
        NavLink(_("Dashboard"), "core:dashboard", "core.dashboard", order=0),
    )
