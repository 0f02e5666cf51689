"""A class's printed sheets (sign-in badges, guardian invitation letters): made in the background, kept per version.

Rendering 35 letters takes seconds, so a class's sheets are background jobs (:mod:`school_portal.core.jobs`), and
a sheet once made is kept in the private storage under its class's *roster version*: a digest of everything the
sheet prints (the active children, their numbers, names and badge codes, the school and class names, the
language and the site address; for letters also the outstanding invitation codes). Asking again for the same
version serves the stored file without rendering; a child who joins, leaves or is renamed, a new badge code or
an invitation code used, expired or issued gives a new version, and the next request renders again.

Letters carry one-time codes that only the printed sheet knows (the database keeps their digests): the stored
letters are kept per person who asked for them (their id is part of the version), and are served only to them,
at once or through their job (the access policy's rule for ``Job``). Another teacher of the class asking for
letters gets letters of their own, with new codes (which revoke the earlier ones).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from urllib.parse import urlencode

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from . import selectors, services
from .jobs import job_progress, job_running, job_start, job_succeed
from .models import ClassGroup, Enrollment, GuardianInvitation, Job, Student, User
from .models.roster import private_storage
from .pdf import qr_data_uri, render_pdf

Progress = Callable[[int, int], None]

BADGES = "core.class_badges"
LETTERS = "core.class_letters"


def badge_signin_url(base_url: str, badge_code: str) -> str:
    """The address a badge's QR code carries: the sign-in page with the badge code in the fragment.

    A fragment never reaches the server, so a child's code stays out of access and proxy logs and out of
    ``Referer``; ``core/signin.js`` fills it into the form and then takes it out of the tablet's history.
    """
    return f"{_absolute(base_url, reverse('core:student_signin'))}#{urlencode({'badge': badge_code})}"


def guardian_join_url(base_url: str, invitation_code: str) -> str:
    """The address an invitation letter's QR code carries: the registration page with the code in the fragment.

    Until it is used, the one-time code links the child to whoever types it: like a badge code it stays out of
    logs, ``Referer`` and the phone's history. ``core/signin.js`` fills it into the form and forgets the fragment.
    """
    return f"{_absolute(base_url, reverse('core:guardian_join'))}#{urlencode({'code': invitation_code})}"


def _absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def active_roster(class_group: ClassGroup) -> list[Enrollment]:
    """The class's children still at school: no badge or letter for a child who has left."""
    return [enrollment for enrollment in selectors.class_roster(class_group) if enrollment.student.is_active]


def roster_version(
    class_group: ClassGroup, *, base_url: str, with_invitations: bool, owner_id: int | None = None
) -> str:
    """A digest of everything a class's sheet prints (for letters, also whose they are): equal digests, equal
    sheets."""
    roster = active_roster(class_group)
    facts: list[object] = [
        translation.get_language(),
        base_url,
        class_group.school.name,
        str(class_group),
        [
            (e.number, e.student_id, e.student.family_name, e.student.given_name, e.student.full_name_kana)
            + (e.student.badge_code,)
            for e in roster
        ],
    ]
    if with_invitations:
        facts.append(
            list(
                GuardianInvitation.objects.filter(
                    student__in=[e.student_id for e in roster],
                    used_at__isnull=True,
                    revoked_at__isnull=True,
                    expires_at__gt=timezone.now(),
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        )
        facts.append(owner_id)
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False, default=str).encode()).hexdigest()[:32]


def _stored_name(kind: str, class_group: ClassGroup, version: str) -> str:
    return f"sheets/{kind.rsplit('.', 1)[-1]}-{class_group.pk}-{version}.pdf"


def _stored(kind: str, class_group: ClassGroup, version: str) -> str | None:
    name = _stored_name(kind, class_group, version)
    return name if private_storage().exists(name) else None


def _store(kind: str, class_group: ClassGroup, version: str, data: bytes) -> str:
    storage = private_storage()
    name = _stored_name(kind, class_group, version)
    if storage.exists(name):  # two jobs of the same version at once: the same sheet; keep the first
        return name
    return storage.save(name, ContentFile(data))


def kept_sheet(*, kind: str, class_group: ClassGroup, base_url: str, by: User) -> bytes | None:
    """The sheet (``BADGES`` or ``LETTERS``) kept for the class's current version, if there is one: served at once.
    Letters only to whoever they were made for."""
    letters = kind == LETTERS
    version = roster_version(
        class_group, base_url=base_url, with_invitations=letters, owner_id=by.pk if letters else None
    )
    name = _stored(kind, class_group, version)
    if name is None:
        return None
    try:
        with private_storage().open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:  # pruned meanwhile
        return None


def sheet_download_name(kind: str, class_group: ClassGroup) -> str:
    return f"{kind.rsplit('.', 1)[-1].replace('class_', '')}-{class_group.pk}.pdf"


def _quiet(done: int, total: int) -> None:
    pass


def class_badges_file(
    *, class_group: ClassGroup, base_url: str, progress: Progress = _quiet, owner_id: int | None = None
) -> str:
    """The stored badge sheet of the class's current roster (rendered only if this version has none yet)."""
    version = roster_version(class_group, base_url=base_url, with_invitations=False)
    stored = _stored(BADGES, class_group, version)
    if stored:
        return stored
    roster = active_roster(class_group)
    badges = []
    for number, enrollment in enumerate(roster, start=1):
        student = enrollment.student
        badges.append(
            {
                "enrollment": enrollment,
                "student": student,
                "qr": qr_data_uri(badge_signin_url(base_url, student.badge_code)),
            }
        )
        progress(number, len(roster) + 1)
    data = render_pdf("core/pdf/badges.html", {"class_group": class_group, "badges": badges})
    return _store(BADGES, class_group, version, data)


def _letters(base_url: str, students: list[Student], progress: Progress = _quiet) -> list[dict[str, object]]:
    join = _absolute(base_url, reverse("core:guardian_join"))
    letters = []
    for number, student in enumerate(students, start=1):
        code = services.guardian_invitation_issue(student=student)
        letters.append(
            {"student": student, "code": code, "join_url": join, "qr": qr_data_uri(guardian_join_url(base_url, code))}
        )
        progress(number, len(students) + 1)
    return letters


def class_letters_file(
    *, class_group: ClassGroup, base_url: str, progress: Progress = _quiet, owner_id: int | None = None
) -> str:
    """The stored letters of the class's current roster and outstanding codes; new codes only when none is.

    A teacher who asks again while nothing changed gets the same letters (their codes are the ones still
    outstanding); once a code is used, issued or expires, or the roster changes, the letters are made anew.
    """
    version = roster_version(class_group, base_url=base_url, with_invitations=True, owner_id=owner_id)
    stored = _stored(LETTERS, class_group, version)
    if stored:
        return stored
    students = [enrollment.student for enrollment in active_roster(class_group)]
    letters = _letters(base_url, students, progress)
    data = render_pdf("core/pdf/invitations.html", {"school": class_group.school, "letters": letters})
    # The codes just issued, for the same person.
    version = roster_version(class_group, base_url=base_url, with_invitations=True, owner_id=owner_id)
    return _store(LETTERS, class_group, version, data)


def student_letter_pdf(*, student: Student, base_url: str) -> bytes:
    """One child's letter with a fresh code (one page: rendered in the request)."""
    return render_pdf("core/pdf/invitations.html", {"school": student.school, "letters": _letters(base_url, [student])})


# --- the jobs -------------------------------------------------------------------------------------------------


def _sheet_job(job_id: int, class_group_id: int, base_url: str, kind: str, make: Callable[..., str]) -> None:
    with job_running(job_id) as job:  # in the language of the person who asked
        if job is None:
            return
        class_group = ClassGroup.objects.select_related("school").get(pk=class_group_id)
        message = _("Preparing the sheets of %(class)s") % {"class": class_group}

        def progress(done: int, total: int) -> None:
            job_progress(job=job, done=done, total=total, message=message)

        name = make(class_group=class_group, base_url=base_url, progress=progress, owner_id=job.started_by_id)
        job_succeed(job=job, file_name=name, name=sheet_download_name(kind, class_group))


@task()
def class_badges_task(job_id: int, class_group_id: int, base_url: str) -> None:
    _sheet_job(job_id, class_group_id, base_url, BADGES, class_badges_file)


@task()
def class_letters_task(job_id: int, class_group_id: int, base_url: str) -> None:
    _sheet_job(job_id, class_group_id, base_url, LETTERS, class_letters_file)


_SHEET_JOBS = {
    BADGES: (class_badges_task, gettext_lazy("Sign-in badges: %(class)s")),
    LETTERS: (class_letters_task, gettext_lazy("Guardian invitation letters: %(class)s")),
}


def class_sheet_start(*, kind: str, class_group: ClassGroup, by: User, base_url: str) -> Job:
    """Make (or find) a class's sheet, ``BADGES`` or ``LETTERS``, in the background; the caller asked the policy
    ("manage" on the class). ``base_url`` is the site's address, for the QR codes."""
    sheet_task, title = _SHEET_JOBS[kind]
    return job_start(
        task=sheet_task,
        kind=kind,
        title=str(title) % {"class": class_group},
        by=by,
        school=class_group.school,
        class_group_id=class_group.pk,
        base_url=base_url,
    )
