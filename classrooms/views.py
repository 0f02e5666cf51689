"""The plug-in's home page: what each person does here (a child's lessons, a teacher's assignments and lessons)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from school_portal.core import selectors as core_selectors
from school_portal.core.access import policy

from . import selectors


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = policy.actor(request)
    if actor.student_id and not actor.teacher_school_ids:
        return redirect("classrooms:my_lessons")
    if not (actor.teacher_school_ids or actor.is_centre_staff):
        raise PermissionDenied
    return render(
        request,
        "classrooms/index.html",
        {
            "assignments": selectors.teacher_assignments(actor),
            "lessons": selectors.school_lessons(actor),
            "class_groups": core_selectors.teacher_classes(actor),
            "may_use_library": bool(actor.teacher_school_ids or actor.is_centre_staff),
        },
    )
