"""The plug-in's home page: what each person does here (a child's lessons, a teacher's assignments and lessons)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from school_portal.core import selectors as core_selectors
from school_portal.core.access import policy
from school_portal.core.models import School, Student

from . import selectors
from .views_library import may_use_library


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = policy.actor(request)
    if not policy.scope(request, "plan_lessons", School.objects.all()).exists():
        student = Student.objects.filter(pk=actor.student_id).first() if actor.student_id else None
        if student is not None and policy.allows(request, "do_lessons", student):
            return redirect("classrooms:my_lessons")
        raise PermissionDenied
    return render(
        request,
        "classrooms/index.html",
        {
            "assignments": selectors.teacher_assignments(actor),
            "lessons": selectors.school_lessons(actor),
            "class_groups": core_selectors.teacher_classes(actor),
            "may_use_library": may_use_library(request),
        },
    )
