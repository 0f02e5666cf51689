"""Building lesson trees and lessons in code: for the demo city, the permission-matrix world and the tests.

Lessons are written in the StreamField's raw JSON form, the same form the Wagtail editor saves.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page

from school_portal.core.models import School

from .models import CourseIndexPage, LessonLibraryPage, LessonPage, UnitPage


def block(kind: str, value: Any, block_id: str | None = None) -> dict:
    return {"type": kind, "value": value, "id": block_id or str(uuid.uuid4())}


def choice(prompt: str, choices: list[str], correct: int, points: int = 1, block_id: str | None = None) -> dict:
    """``correct`` is 1-based, as the teacher types it in the editor."""
    return block("choice", {"prompt": prompt, "points": points, "choices": choices, "correct": correct}, block_id)


def short_answer(prompt: str, accepted: list[str], points: int = 1, block_id: str | None = None) -> dict:
    return block("short_answer", {"prompt": prompt, "points": points, "accepted": accepted}, block_id)


def number(prompt: str, answer: str | None, unit: str = "", points: int = 1, block_id: str | None = None) -> dict:
    return block("number", {"prompt": prompt, "points": points, "answer": answer, "unit": unit}, block_id)


def ordering(prompt: str, items: list[str], points: int = 1, block_id: str | None = None) -> dict:
    return block("ordering", {"prompt": prompt, "points": points, "items": items}, block_id)


def drawing(prompt: str, points: int = 2, block_id: str | None = None) -> dict:
    return block("drawing", {"prompt": prompt, "points": points, "background": None}, block_id)


def worksheet(title: str, questions: list[dict], instructions: str = "", quiz: bool = False) -> dict:
    kind = "quiz" if quiz else "worksheet"
    return block(kind, {"title": title, "instructions": instructions, "questions": questions})


def text(html: str) -> dict:
    return block("text", html)


def activity(title: str, steps: list[str]) -> dict:
    return block(
        "activity",
        {"title": title, "steps": [{"text": s, "image": None, "image_alt": ""} for s in steps]},
    )


def _child(parent: Page, model: type[Page], slug: str, *, revision: bool = True, **fields: Any) -> Page:
    """A live child page; with ``revision`` it is published through a revision, as an editor would."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    if revision:
        page.save_revision().publish()
        page = model.objects.get(pk=page.pk)
    return page


def unit_ensure(
    *,
    school: School,
    subject: str,
    grade: int,
    course_title: str,
    unit_title: str,
    unit_slug: str,
    term: int = 0,
    revision: bool = True,
) -> UnitPage:
    """The course (subject + grade) and the unit under a school's home page, created if missing."""
    home = school.home_page
    course = _child(
        home,
        CourseIndexPage,
        f"{subject}-{grade}",
        title=course_title,
        subject=subject,
        grade=grade,
        live=True,
        revision=revision,
    )
    return _child(course, UnitPage, unit_slug, title=unit_title, term=term, live=True, revision=revision)


LIBRARY_EDITORS = "Lesson library editors"


def library_ensure() -> LessonLibraryPage:
    """The city's shared library at the top of the page tree, and the group whose members publish in it."""
    library = LessonLibraryPage.objects.first()
    if library is None:
        library = Page.get_first_root_node().add_child(
            instance=LessonLibraryPage(title="共有教材ライブラリ", slug="lesson-library", live=True)
        )
    group, _created = Group.objects.get_or_create(name=LIBRARY_EDITORS)
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=library,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    return library


def lesson_ensure(
    *, parent: Page, slug: str, title: str, subject: str, grade: int, body: list[dict], **fields
) -> LessonPage:
    """A published lesson under a unit (or the library); an existing one with that slug is left as it is."""
    return _child(parent, LessonPage, slug, title=title, subject=subject, grade=grade, body=body, live=True, **fields)
