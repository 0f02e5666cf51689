"""Printable sheets: a class's QR sign-in badges and the guardian invitation letters."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import policy
from .models import ClassGroup, Enrollment, Student
from .pdf import pdf_response, qr_data_uri, render_pdf


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def badge_signin_url(request: HttpRequest, badge_code: str) -> str:
    """The address a badge's QR code carries: the sign-in page with the badge code in the fragment.

    A fragment never reaches the server, so a child's code stays out of access and proxy logs and out of
    ``Referer``; ``core/signin.js`` fills it into the form and then takes it out of the tablet's history.
    """
    return f"{_absolute(request, reverse('core:student_signin'))}#{urlencode({'badge': badge_code})}"


def guardian_join_url(request: HttpRequest, invitation_code: str) -> str:
    """The address an invitation letter's QR code carries: the registration page with the code in the fragment.

    Until it is used, the one-time code links the child to whoever types it: like a badge code it stays out of
    logs, ``Referer`` and the phone's history. ``core/signin.js`` fills it into the form and forgets the fragment.
    """
    return f"{_absolute(request, reverse('core:guardian_join'))}#{urlencode({'code': invitation_code})}"


def _active_roster(class_group: ClassGroup) -> list[Enrollment]:
    """The class's children still at school: no badge or letter for a child who has left."""
    return [enrollment for enrollment in selectors.class_roster(class_group) if enrollment.student.is_active]


@login_required
def class_badges_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policy.get_or_404(request, "manage", ClassGroup.objects.select_related("school"), pk=pk)
    badges = [
        {
            "enrollment": enrollment,
            "student": enrollment.student,
            "qr": qr_data_uri(badge_signin_url(request, enrollment.student.badge_code)),
        }
        for enrollment in _active_roster(class_group)
    ]
    data = render_pdf("core/pdf/badges.html", {"class_group": class_group, "badges": badges})
    return pdf_response(data, f"badges-{class_group.pk}.pdf")


def _letters(request: HttpRequest, students: list[Student]) -> list[dict[str, object]]:
    join = reverse("core:guardian_join")
    letters = []
    for student in students:
        code = services.guardian_invitation_issue(student=student)
        letters.append(
            {
                "student": student,
                "code": code,
                "join_url": _absolute(request, join),
                "qr": qr_data_uri(guardian_join_url(request, code)),
            }
        )
    return letters


@require_POST
@login_required
def class_invitations_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Fresh one-time codes for every child of the class, one letter a page."""
    class_group = policy.get_or_404(request, "manage", ClassGroup.objects.select_related("school"), pk=pk)
    students = [enrollment.student for enrollment in _active_roster(class_group)]
    data = render_pdf(
        "core/pdf/invitations.html", {"school": class_group.school, "letters": _letters(request, students)}
    )
    return pdf_response(data, f"invitations-{class_group.pk}.pdf")


@require_POST
@login_required
def student_invitation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    student = policy.get_or_404(request, "manage", Student.objects.select_related("school"), pk=pk)
    data = render_pdf("core/pdf/invitations.html", {"school": student.school, "letters": _letters(request, [student])})
    return pdf_response(data, f"invitation-{student.pk}.pdf")
