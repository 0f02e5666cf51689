"""The parent_notices plug-in's rules in the core's access policy (registered from its AppConfig.ready()).

- ``parent_notices.use``: guardians, the schools' teachers and administrators, the education centre's staff.
  Children do not sign in for notices (they go to the families); librarians and partner teachers receive none.
- Notice ``view``: a published notice by the guardians of a child in its audience (this school year's classes:
  city, ward by ``School.ward``, school, grade, classes, chosen children, public = the city), by the staff of the
  sending school, and by the centre's staff. ``exact``: one query fetches and decides.
- Notice ``manage`` (who read, replies, reminders, exports, paper copies): the sending school's teachers and
  administrators; the centre's staff for every notice.
- Approval (the workflow's task): the sending school's administrators; the centre's staff for the board's notices.
- ``parent_notices.report_absence`` (a guardian), ``parent_notices.absences`` (a homeroom teacher's morning list, a
  school's totals): capabilities; each class and school is checked with the rules on ClassGroup and School below.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from school_portal.core.access import Actor, policy
from school_portal.core.models import ClassGroup, Enrollment, School, SchoolYear
from school_portal.core.selectors import school_cities

from .models import Audience, FamilyNoticeSettings, Notice

CHILDREN_CLASSES = "parent_notices.children_classes"
NOTICE_LANGUAGE = "parent_notices.notice_language"


def _children_classes(user_id: int, day: datetime.date) -> QuerySet:
    """(class group, school) of the guardian's active children this school year."""
    years = SchoolYear.objects.active(day).values("id")
    return Enrollment.objects.filter(
        student__guardian_links__guardian__user_id=user_id, student__is_active=True, school_year__in=years
    ).values_list("class_group_id", "class_group__school_id")


def _notice_language(user_id: int, day: datetime.date) -> QuerySet:
    """The family's language for notices, as its place in ``settings.LANGUAGES`` counted from 1 (a fact is a
    number): read with the rest of the Actor's facts, not in a query of its own on every guardian page."""
    return (
        FamilyNoticeSettings.objects.filter(guardian__user_id=user_id)
        .annotate(
            language_number=Case(
                *(When(language=code, then=Value(n)) for n, (code, _name) in enumerate(settings.LANGUAGES, 1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .values_list("language_number")
    )


def notice_language(actor: Actor) -> str:
    """The language the family chose for notices (``settings.LANGUAGE_CODE`` if none, or for anyone else)."""
    numbers = actor.fact(NOTICE_LANGUAGE) if actor.guardian_id else frozenset()
    number = next(iter(numbers), 0)
    return settings.LANGUAGES[number - 1][0] if 0 < number <= len(settings.LANGUAGES) else settings.LANGUAGE_CODE


def family_classes(actor: Actor) -> tuple[set[int], set[int]]:
    rows = actor.fact_rows(CHILDREN_CLASSES) if actor.guardian_id else []
    return {c for c, _ in rows if c}, {s for _, s in rows if s}


def audience_q(*, classes: set[int], schools: set[int], children: set[int], cities: object, wards: object) -> Q:
    """Notices whose audience holds a child of ``classes`` (this year's classes), of ``schools``, or one of
    ``children`` by name. ``cities`` and ``wards``: values or subqueries of the schools' cities and wards."""
    same_grade = ClassGroup.objects.filter(pk__in=classes, school_id=OuterRef("school_id"), grade=OuterRef("grade"))
    in_class = Notice.class_groups.through.objects.filter(notice_id=OuterRef("pk"), classgroup_id__in=classes)
    named = Notice.children.through.objects.filter(notice_id=OuterRef("pk"), student_id__in=children)
    return (
        Q(audience__in=[Audience.CITY, Audience.PUBLIC], city_id__in=cities)
        | Q(audience=Audience.WARD, city_id__in=cities, ward__in=wards)
        | Q(audience=Audience.SCHOOL, school_id__in=schools)
        | Q(Exists(same_grade), audience=Audience.GRADE)
        | Q(Exists(in_class), audience=Audience.CLASS)
        | Q(Exists(named), audience=Audience.CHILDREN)
    )


def _audience_q(actor: Actor) -> Q:
    """Notices whose audience holds one of the guardian's children (no query: built from the actor's facts)."""
    classes, schools = family_classes(actor)
    if not classes:
        return Q(pk__in=[])
    return audience_q(
        classes=classes,
        schools=schools,
        children=actor.children_ids,
        cities=School.objects.filter(pk__in=schools).values("city_id"),
        wards=School.objects.filter(pk__in=schools).exclude(ward="").values("ward"),
    )


def _view_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_centre_staff:
        return qs
    q = Q(school_id__in=actor.teacher_school_ids)
    if actor.guardian_id:
        unexpired = Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now())
        q |= Q(_audience_q(actor), unexpired, live=True)
    return qs.filter(q)


def _views(actor: Actor, notice: Notice) -> bool:
    if notice.audience in (Audience.CITY, Audience.PUBLIC):
        return _views_city_wide(actor, notice)
    return _view_scope(actor, Notice.objects.filter(pk=notice.pk)).exists()


def _views_city_wide(actor: Actor, notice: Notice) -> bool:
    """The same decision as :func:`_view_scope` for a notice to the whole city, with one small query instead of
    the audience's subqueries: the storm morning's emergency notice is asked this by every family at once."""
    if actor.is_centre_staff or notice.school_id in actor.teacher_school_ids:
        return True
    if actor.guardian_id is None or not notice.live or (notice.expire_at and notice.expire_at <= timezone.now()):
        return False
    classes, schools = family_classes(actor)
    return bool(classes) and notice.city_id in school_cities(schools)


def _manage_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_centre_staff:
        return qs
    return qs.filter(school_id__in=actor.teacher_school_ids)


def _manages(actor: Actor, notice: Notice) -> bool:
    return actor.is_centre_staff or notice.school_id in actor.teacher_school_ids


def approves(user: object, notice: Notice) -> bool:
    actor = policy.actor(user)
    if notice.school_id is None:
        return actor.is_centre_staff
    return notice.school_id in actor.admin_school_ids or actor.is_centre_staff


def approvable_notice_ids(user: object) -> QuerySet:
    actor = policy.actor(user)
    if actor.is_centre_staff:
        return Notice.objects.values_list("pk", flat=True)
    return Notice.objects.filter(school_id__in=actor.admin_school_ids).values_list("pk", flat=True)


def _uses_notices(actor: Actor) -> bool:
    return actor.guardian_id is not None or bool(actor.teacher_school_ids) or actor.is_centre_staff


def _writes_notices(actor: Actor) -> bool:
    return bool(actor.teacher_school_ids) or actor.is_centre_staff


def _reports_absence(actor: Actor) -> bool:
    return actor.guardian_id is not None and bool(actor.children_ids)


def _sees_absences(actor: Actor) -> bool:
    return bool(actor.teacher_school_ids)


def _class_absences(actor: Actor, class_group: ClassGroup) -> bool:
    return class_group.pk in actor.taught_class_ids or class_group.school_id in actor.admin_school_ids


def _class_absences_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(Q(pk__in=actor.taught_class_ids) | Q(school_id__in=actor.admin_school_ids))


def _school_absences(actor: Actor, school: School) -> bool:
    return school.pk in actor.teacher_school_ids


def _school_absences_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(pk__in=actor.teacher_school_ids)


def _sets_cutoff(actor: Actor, school: School) -> bool:
    return school.pk in actor.admin_school_ids or actor.is_centre_staff


def _sets_cutoff_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(pk__in=actor.admin_school_ids)


def _prints_class(actor: Actor, class_group: ClassGroup) -> bool:
    return actor.is_centre_staff or class_group.school_id in actor.teacher_school_ids


def _prints_class_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(school_id__in=actor.teacher_school_ids)


def register() -> None:
    policy.register_capability("parent_notices.use", check=_uses_notices)
    policy.register_capability("parent_notices.write", check=_writes_notices)
    policy.register_capability("parent_notices.report_absence", check=_reports_absence)
    policy.register_capability("parent_notices.absences", check=_sees_absences)
    policy.register_fact(CHILDREN_CLASSES, _children_classes)
    policy.register_fact(NOTICE_LANGUAGE, _notice_language)
    policy.register(Notice, "view", check=_views, scope=_view_scope, exact=True)
    policy.register(Notice, "manage", check=_manages, scope=_manage_scope, exact=True)
    policy.register(
        ClassGroup, "parent_notices.absences", check=_class_absences, scope=_class_absences_scope, exact=True
    )
    policy.register(ClassGroup, "parent_notices.print", check=_prints_class, scope=_prints_class_scope, exact=True)
    policy.register(School, "parent_notices.absences", check=_school_absences, scope=_school_absences_scope, exact=True)
    policy.register(School, "parent_notices.set_cutoff", check=_sets_cutoff, scope=_sets_cutoff_scope, exact=True)
