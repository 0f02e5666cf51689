"""The coding_lab plug-in's rules in the core's access policy (registered from its AppConfig.ready()).

``coding_lab.use``: who may open the plug-in at all (its index page and its header link ask it).
Children and their teachers (the schools' teachers and administrators) use the lab in class; the
education centre's staff run the city's curriculum and its challenges. Guardians follow their child's work
elsewhere (the dashboard); librarians and partner teachers abroad have no part in it.

``coding_lab.author``: who may write challenges and courses in the Wagtail admin (teachers of a school for their
school, centre staff for the city). A challenge or course: ``view`` for everyone of the lab who may see it (its
school's people, or everyone for a city-wide one), ``edit`` for its school's teachers, or centre staff for a
city-wide one. A project (a child's program): ``work`` for the child alone, ``view`` for the child and the
teachers of their classes (and their school's admins), never another child.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from school_portal.core.access import Actor, policy
from school_portal.core.models import ClassGroup, Enrollment

from .models import Challenge, Course, Project, Showcase


def _uses_coding_lab(actor: Actor) -> bool:
    return bool(actor.teacher_school_ids) or actor.student_id is not None or actor.is_centre_staff


def _authors(actor: Actor) -> bool:
    return bool(actor.teacher_school_ids) or actor.is_centre_staff


def _student_school_ids(actor: Actor) -> set[int]:
    return set(actor.fact("coding_lab.student_school"))


def _sees(actor: Actor, obj: Challenge | Course) -> bool:
    if not _uses_coding_lab(actor):
        return False
    if obj.school_id is None or actor.is_centre_staff:
        return True
    return obj.school_id in actor.teacher_school_ids | _student_school_ids(actor)


def _sees_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    if not _uses_coding_lab(actor):
        return qs.none()
    if actor.is_centre_staff:
        return qs
    return qs.filter(Q(school__isnull=True) | Q(school_id__in=actor.teacher_school_ids | _student_school_ids(actor)))


def _edits(actor: Actor, obj: Challenge | Course) -> bool:
    if obj.school_id is None:
        return actor.is_centre_staff
    return obj.school_id in actor.teacher_school_ids or actor.is_centre_staff


def _edits_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_centre_staff:
        return qs
    return qs.filter(school_id__in=actor.teacher_school_ids)


def _works_on(actor: Actor, project: Project) -> bool:
    return actor.student_id is not None and project.student_id == actor.student_id


def _works_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(student_id=actor.student_id) if actor.student_id is not None else qs.none()


def _taught_students(actor: Actor) -> Q:
    return Q(
        student__enrollments__class_group_id__in=actor.taught_class_ids,
    ) | Q(student__school_id__in=actor.admin_school_ids)


def _views_project(actor: Actor, project: Project) -> bool:
    if _works_on(actor, project):
        return True
    if project.student.school_id in actor.admin_school_ids:
        return True
    return Enrollment.objects.filter(student_id=project.student_id, class_group_id__in=actor.taught_class_ids).exists()


def _views_project_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    mine = Q(student_id=actor.student_id) if actor.student_id is not None else Q(pk__in=[])
    return qs.filter(mine | _taught_students(actor)).distinct()


def _follows_class(actor: Actor, class_group: ClassGroup) -> bool:
    return class_group.pk in actor.taught_class_ids or class_group.school_id in actor.admin_school_ids


def _follows_class_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(Q(pk__in=actor.taught_class_ids) | Q(school_id__in=actor.admin_school_ids))


def _sees_showcase(actor: Actor, showcase: Showcase) -> bool:
    return showcase.class_group_id in actor.own_class_ids or showcase.class_group_id in actor.taught_class_ids


def _sees_showcase_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(class_group_id__in=actor.own_class_ids | actor.taught_class_ids)


def _codes_freely(actor: Actor) -> bool:
    return actor.student_id is not None


def _student_school(user_id: int, day) -> QuerySet:
    from school_portal.core.models import Student

    return Student.objects.filter(user_id=user_id, is_active=True).values_list("school_id")


def register() -> None:
    policy.register_capability("coding_lab.use", check=_uses_coding_lab)
    policy.register_capability("coding_lab.author", check=_authors)
    policy.register_capability("coding_lab.sandbox", check=_codes_freely)
    policy.register_fact("coding_lab.student_school", _student_school)
    for model in (Challenge, Course):
        policy.register(model, "view", check=_sees, scope=_sees_scope, exact=True)
        policy.register(model, "edit", check=_edits, scope=_edits_scope, exact=True)
    policy.register(Project, "work", check=_works_on, scope=_works_scope, exact=True)
    policy.register(Project, "view", check=_views_project, scope=_views_project_scope)
    policy.register(Showcase, "view", check=_sees_showcase, scope=_sees_showcase_scope, exact=True)
    policy.register(ClassGroup, "coding_lab.follow", check=_follows_class, scope=_follows_class_scope, exact=True)
