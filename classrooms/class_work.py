"""A class's assignments, read once for the whole class and kept in the cache (a child's day, the student day).

Forty children of a class open their day in the same minutes, and the assignments given to their class are the
same for each of them: which lesson, its title and subject, when it opens and is due, its place on the day, and
to which children it is restricted by name. That list is read once per class and kept under a generation token
per class; a child's own part (their sheets) is read per request. Any change that could alter the list renews
the token of every class it touches, when the change commits (and at once, so that the writer's own next
request sees it): an assignment saved or deleted, its classes or named children changed, a lesson's title or
subject edited or published. Nothing else is shown from the list, so nothing else can make it stale.

The list is the rule's candidates, not its answer: the selector still applies the ``work`` rule's time and name
conditions to it (``classrooms/selectors.py``), and a child's classes come from the request's own facts.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Assignment, LessonPage

KEEP_SECONDS = 3600
_GENERATION = "classrooms:class-work:generation:{}"
_ENTRY = "classrooms:class-work:{}:{}"


@dataclass(frozen=True)
class ClassWork:
    """One assignment as every child of its classes sees it; ``named`` empty: for every child of the classes."""

    assignment: Assignment  # with ``lesson`` (title and subject only)
    named: frozenset[int]


def _generations(class_ids: Iterable[int]) -> list[str]:
    ids = sorted(set(class_ids))
    keys = [_GENERATION.format(pk) for pk in ids]
    found = cache.get_many(keys)
    missing = {key: secrets.token_hex(8) for key in keys if key not in found}
    if missing:
        cache.set_many(missing, None)
        found.update(missing)
    return [f"{pk}.{found[key]}" for pk, key in zip(ids, keys, strict=True)]


def class_work(class_ids: Iterable[int], *, due_since: datetime.date) -> list[ClassWork]:
    """The assignments given to any of ``class_ids`` and due on ``due_since`` or later, whatever their opening
    time: from the cache, or two queries."""
    ids = sorted(set(class_ids))
    if not ids:
        return []
    key = _ENTRY.format(",".join(_generations(ids)), due_since.isoformat())
    entries = cache.get(key)
    if entries is None:
        entries = _read(ids, due_since)
        cache.set(key, entries, KEEP_SECONDS)
    return entries


def _read(class_ids: list[int], due_since: datetime.date) -> list[ClassWork]:
    given = Assignment.class_groups.through.objects.filter(assignment_id=OuterRef("pk"), classgroup_id__in=class_ids)
    since = datetime.datetime.combine(due_since, datetime.time.min, tzinfo=datetime.UTC)
    assignments = list(
        Assignment.objects.filter(Exists(given), due_at__gte=since)
        .select_related("lesson")
        .only("pk", "school_id", "opens_at", "due_at", "order", "lesson_id", "lesson__title", "lesson__subject")
    )
    named: dict[int, set[int]] = {}
    for assignment_id, student_id in Assignment.students.through.objects.filter(
        assignment_id__in=[a.pk for a in assignments]
    ).values_list("assignment_id", "student_id"):
        named.setdefault(assignment_id, set()).add(student_id)
    return [ClassWork(a, frozenset(named.get(a.pk, ()))) for a in assignments]


def renew(class_ids: Iterable[int]) -> None:
    """Make the cached lists of these classes stale, now and again when the transaction commits."""
    keys = [_GENERATION.format(pk) for pk in set(class_ids)]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _classes_of(assignment_ids: Iterable[int]) -> list[int]:
    return list(
        Assignment.class_groups.through.objects.filter(assignment_id__in=list(assignment_ids))
        .values_list("classgroup_id", flat=True)
        .distinct()
    )


def _assignment_changed(sender, instance: Assignment, **kwargs) -> None:
    if instance.pk is not None:
        renew(_classes_of([instance.pk]))


def _assignment_deleting(sender, instance: Assignment, **kwargs) -> None:
    # Its class links are gone once it is deleted: read them before.
    instance._class_work_classes = _classes_of([instance.pk])


def _assignment_deleted(sender, instance: Assignment, **kwargs) -> None:
    renew(getattr(instance, "_class_work_classes", []))


def _classes_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_") and action != "pre_clear":
        return
    if reverse:  # from a class group's side: instance is the class group
        renew([instance.pk])
    elif action == "pre_clear" or pk_set is None:
        renew(_classes_of([instance.pk]))
    else:
        renew(pk_set)


def _students_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_") and action != "pre_clear":
        return
    if reverse:  # from a student's side: every assignment naming them (or, after a clear, any of theirs)
        assignment_ids = pk_set or Assignment.students.through.objects.filter(student_id=instance.pk).values_list(
            "assignment_id", flat=True
        )
        renew(_classes_of(assignment_ids))
    else:
        renew(_classes_of([instance.pk]))


def _lesson_changed(sender, instance: LessonPage, **kwargs) -> None:
    if instance.pk is not None:
        renew(_classes_of(Assignment.objects.filter(lesson_id=instance.pk).values_list("pk", flat=True)))


def connect() -> None:
    from django.db.models.signals import pre_delete

    post_save.connect(_assignment_changed, sender=Assignment, dispatch_uid="class_work_assignment_saved")
    pre_delete.connect(_assignment_deleting, sender=Assignment, dispatch_uid="class_work_assignment_deleting")
    post_delete.connect(_assignment_deleted, sender=Assignment, dispatch_uid="class_work_assignment_deleted")
    m2m_changed.connect(
        _classes_changed, sender=Assignment.class_groups.through, dispatch_uid="class_work_assignment_classes"
    )
    m2m_changed.connect(
        _students_changed, sender=Assignment.students.through, dispatch_uid="class_work_assignment_students"
    )
    post_save.connect(_lesson_changed, sender=LessonPage, dispatch_uid="class_work_lesson_saved")
