"""The lesson tree in the CMS: where each page type may stand, plug-in blocks, tablet preview, who sees a lesson."""

from __future__ import annotations

import pytest
from wagtail.models import Page

from classrooms.models import CourseIndexPage, LessonLibraryPage, LessonPage, UnitPage
from school_portal.core.models import SchoolHomePage, StandardPage
from school_portal.core.registry import blocks_for

pytestmark = pytest.mark.django_db


def test_a_course_stands_under_a_school_home_and_a_lesson_under_a_unit(world):
    home = world.school.home_page
    assert CourseIndexPage.can_create_at(home)
    assert not LessonPage.can_create_at(home)
    assert UnitPage in CourseIndexPage.allowed_subpage_models()
    assert LessonPage in UnitPage.allowed_subpage_models()
    assert LessonPage in LessonLibraryPage.allowed_subpage_models()
    assert SchoolHomePage in CourseIndexPage.allowed_parent_page_models()
    assert StandardPage not in UnitPage.allowed_subpage_models()


def test_blocks_other_plug_ins_register_for_lessons_are_offered(world):
    names = set(LessonPage._meta.get_field("body").stream_block.child_blocks)
    assert {"text", "image", "media_file", "activity", "worksheet", "quiz"} <= names
    assert {name for name, _ in blocks_for("lesson")} <= names


def test_the_preview_opens_in_a_tablet_sized_frame(cw):
    assert cw.lesson.default_preview_size == "tablet"
    assert cw.lesson.preview_sizes[0]["device_width"] >= 768


def test_the_lesson_page_of_the_school_site(client_as, cw, world):
    url = cw.lesson.get_url_parts()[2]
    host = {"HTTP_HOST": world.school.site.hostname}
    assert client_as("homeroom_teacher").get(url, **host).status_code == 200
    assert client_as("other_school_teacher").get(url, **host).status_code == 404
    assert client_as("student").get(url, **host).status_code == 404  # children work from their assignment
    assert client_as("anonymous").get(url, **host).status_code == 302


def test_the_library_stands_at_the_top_of_the_tree(cw):
    assert cw.library.get_parent().pk == Page.get_first_root_node().pk
