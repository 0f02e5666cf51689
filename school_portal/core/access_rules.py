"""The core's own rules and capabilities in the access policy (registered from CoreConfig.ready()).

- A child's personal data: the child, their guardians, their current teachers, their school's administrators.
- A class's roster (names of children): its teachers and the school's administrators; never other students.
- Managing a class or a child (badges, invitation letters): the homeroom teacher and the school's administrators.
- Running a school's site and importing its rosters: its administrators and education-centre staff.
- A school's documents: its staff, and anyone once a public page links one. A background job: whoever started it.

The engine these go into (Actor, rules, capabilities, facts) is :mod:`school_portal.core.access`.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast
from wagtail.documents.models import AbstractDocument
from wagtail.models import Page, ReferenceIndex

from .access import Actor, policy, reach_scope
from .models import ClassGroup, Enrollment, Job, Role, RosterImport, School, Student


def _student_visible(actor: Actor, student: Student) -> bool:
    if actor.student_id == student.id or student.id in actor.children_ids:
        return True
    if student.school_id in actor.admin_school_ids:
        return True
    return Enrollment.objects.filter(student=student, class_group_id__in=actor.taught_class_ids).exists()


# A guardian's children panel lists them through it on every dashboard: compiled once per shape (core.prepared).
_student_scope = reach_scope(
    child="pk", school="school_id", taught=lambda class_ids: Q(enrollments__class_group_id__in=class_ids)
)


def _student_manage(actor: Actor, student: Student) -> bool:
    """Print invitation letters, reset a badge: the homeroom teacher and the school's administrators."""
    if student.school_id in actor.admin_school_ids:
        return True
    return Enrollment.objects.filter(student=student, class_group_id__in=actor.homeroom_class_ids).exists()


def _class_roster_visible(actor: Actor, class_group: ClassGroup) -> bool:
    return class_group.id in actor.taught_class_ids or class_group.school_id in actor.admin_school_ids


def _class_roster_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(Q(pk__in=actor.taught_class_ids) | Q(school_id__in=actor.admin_school_ids))


def _class_manage(actor: Actor, class_group: ClassGroup) -> bool:
    return class_group.id in actor.homeroom_class_ids or class_group.school_id in actor.admin_school_ids


def _class_manage_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    """The same classes as :func:`_class_manage`: a subject teacher sees a roster but manages no class."""
    return qs.filter(Q(pk__in=actor.homeroom_class_ids) | Q(school_id__in=actor.admin_school_ids))


def _school_manage(actor: Actor, school: School) -> bool:
    """Import rosters and run the school's site: its administrators and education-centre staff."""
    return school.id in actor.admin_school_ids or actor.is_centre_staff


def _school_manage_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(pk__in=actor.admin_school_ids)


def _roster_import_visible(actor: Actor, roster_import: RosterImport) -> bool:
    """A school's imports: its administrators and centre staff; a city-wide import (no school): centre staff."""
    if actor.is_centre_staff:
        return True
    return roster_import.school_id is not None and roster_import.school_id in actor.admin_school_ids


def _roster_import_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(school_id__in=actor.admin_school_ids)


# --- capabilities: may this person use a part of the portal at all ---


def _anyone_signed_in(actor: Actor) -> bool:
    """The dashboard: everyone signed in has one (visitors are refused before any capability is asked)."""
    return True


def _follows_children(actor: Actor) -> bool:
    """A guardian: the children's panels on the dashboard."""
    return actor.guardian_id is not None


def _teaches(actor: Actor) -> bool:
    """A teacher or administrator of a school: the classes panel."""
    return bool(actor.teacher_school_ids)


def _studies(actor: Actor) -> bool:
    """A child with an active student record: their own class."""
    return actor.student_id is not None


def _imports_rosters(actor: Actor) -> bool:
    """The roster-import screens: a school's administrators (for their school) and centre staff."""
    return bool(actor.admin_school_ids) or actor.is_centre_staff


def _imports_rosters_city_wide(actor: Actor) -> bool:
    """A roster import for no one school (the whole city): centre staff only."""
    return actor.is_centre_staff


def _document_is_public(document: AbstractDocument) -> bool:
    """Linked from a live page that anyone may read (no view restriction on it or above it): Wagtail's reference
    index knows which pages use a document, in their published content."""
    page_type = ContentType.objects.get_for_model(Page)
    pages_using = (
        ReferenceIndex.get_references_to(document)
        .filter(base_content_type=page_type)
        .annotate(page_id=Cast("object_id", BigIntegerField()))
        .values("page_id")
    )
    return Page.objects.live().public().filter(pk__in=pages_using).exists()


def _document_readable(actor: Actor, document: AbstractDocument) -> bool:
    """A document of a school's collection (a roster, minutes, a letter): the school's teachers and administrators
    and education-centre staff; anyone, once a public page links it. Outside any school's collection: centre
    staff, or anyone once a public page links it."""
    if actor.is_authenticated:
        if actor.is_centre_staff:
            return True
        schools = actor.teacher_school_ids
        if schools and School.objects.filter(pk__in=schools, collection_id=document.collection_id).exists():
            return True
    return _document_is_public(document)


def _job_visible(actor: Actor, job: Job) -> bool:
    """A background job (its progress and its file: letters, badges, an import): whoever started it, and centre
    staff who help them. Not the school's other staff: a job's file may hold one-time codes."""
    return actor.is_centre_staff or (job.started_by_id is not None and job.started_by_id == actor.user.pk)


def _job_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(started_by_id=actor.user.pk)


# Staff of the city's schools and services: their sessions follow the staff rules (idle and absolute limits).
STAFF_ROLES = frozenset({Role.TEACHER, Role.SCHOOL_ADMIN, Role.CENTRE_STAFF, Role.LIBRARIAN, Role.PARTNER_TEACHER})


def _works_for_the_city(actor: Actor) -> bool:
    return actor.user.is_staff or actor.user.is_superuser or bool(actor.role_names & STAFF_ROLES)


def register() -> None:
    # Personal data of a child: the child, their guardians, their current teachers, their school's administrators.
    policy.register(Student, "view", check=_student_visible, scope=_student_scope)
    policy.register(Student, "manage", check=_student_manage, scope=None)
    # A class's roster (names of children): its teachers and the school's administrators; never other students.
    policy.register(ClassGroup, "view_roster", check=_class_roster_visible, scope=_class_roster_scope)
    policy.register(ClassGroup, "manage", check=_class_manage, scope=_class_manage_scope)
    policy.register(School, "manage", check=_school_manage, scope=_school_manage_scope)
    # Roster imports hold the names of children (in their error reports): the same people who may import them.
    policy.register(RosterImport, "view", check=_roster_import_visible, scope=_roster_import_scope)
    # Wagtail's documents, served only through its serve view (WAGTAILDOCS_SERVE_METHOD = "serve_view"), which
    # asks this rule in the before_serve_document hook (wagtail_hooks.py). Original images are never served at
    # all: the public gets renditions only (core/media.py, and nginx in docs/operations.md).
    policy.register(AbstractDocument, "core.view", check=_document_readable, public=True)
    # A background job's progress and file (core/jobs.py).
    policy.register(Job, "view", check=_job_visible, scope=_job_scope)

    policy.register_capability("core.dashboard", check=_anyone_signed_in)
    policy.register_capability("core.follow_children", check=_follows_children)
    policy.register_capability("core.teach", check=_teaches)
    policy.register_capability("core.study", check=_studies)
    policy.register_capability("core.import_rosters", check=_imports_rosters)
    policy.register_capability("core.import_rosters_city_wide", check=_imports_rosters_city_wide)
    # Who must sign in with a second factor (when STAFF_TWO_FACTOR_REQUIRED): those who see many children's data.
    policy.register_capability("core.second_factor_required", check=_imports_rosters)  # the same people
    # Whose session follows the staff rules (session_policy.py): idle timeout, absolute lifetime, admin re-auth.
    policy.register_capability("core.staff_session", check=_works_for_the_city)
