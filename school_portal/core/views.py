"""The core's pages: the dashboard of each role, a child's page, a class roster. Thin: policy + selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import policy
from .models import ClassGroup, GuardianInvitation, Student
from .registry import dashboard_panels


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """One page per person: the panels of every capability they have, filled by the core and the plug-ins."""
    panels = []
    for panel in sorted(dashboard_panels, key=lambda p: p.order):
        if policy.can(request, panel.capability):
            panels.append({"panel": panel, "context": panel.context(request)})
    return render(request, "core/dashboard.html", {"panels": panels})


@login_required
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = policy.get_or_404(request, "view", selectors.students_with_current_class(Student.objects), pk=pk)
    return render(
        request,
        "core/student_detail.html",
        {
            "student": student,
            "guardian_links": selectors.student_guardian_links(student),
            "may_manage": policy.allows(request, "manage", student),
        },
    )


@login_required
def class_roster(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policy.get_or_404(
        request, "view_roster", ClassGroup.objects.select_related("school", "school_year"), pk=pk
    )
    may_manage = policy.allows(request, "manage", class_group)
    return render(
        request,
        "core/class_roster.html",
        {
            "class_group": class_group,
            "enrollments": selectors.class_roster(class_group),
            "may_manage": may_manage,
            "invitations": selectors.class_outstanding_invitations(class_group) if may_manage else [],
        },
    )


@require_POST
@login_required
def class_invitation_cancel(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """Cancel one outstanding invitation code of the class, from its roster page."""
    class_group = policy.get_or_404(request, "manage", ClassGroup.objects.all(), pk=pk)
    invitation = get_object_or_404(
        GuardianInvitation.objects.select_related("student"),
        pk=invitation_pk,
        student__in=class_group.enrollments.values("student"),
    )
    try:
        services.guardian_invitation_cancel(invitation=invitation, by=request.user)
    except services.PortalError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, _("The invitation code for %(name)s was cancelled.") % {"name": invitation.student.full_name}
        )
    return redirect("core:class_roster", pk=class_group.pk)
