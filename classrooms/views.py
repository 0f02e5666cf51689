"""The plug-in's home page: what each person does here (a child's lessons, a teacher's assignments and lessons)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from school_portal.core import selectors as core_selectors
from school_portal.core.access import policy

from . import selectors


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not policy.can(request, "classrooms.plan_lessons"):
        policy.require_capability(request, "classrooms.do_lessons")
        return redirect("classrooms:my_lessons")
    actor = policy.actor(request)
    return render(
        request,
        "classrooms/index.html",
        {
            "assignments": selectors.teacher_assignments(actor),
            "lessons": selectors.school_lessons(actor),
            "class_groups": core_selectors.teacher_classes(actor),
            "may_use_library": policy.can(request, "classrooms.use_library"),
        },
    )
