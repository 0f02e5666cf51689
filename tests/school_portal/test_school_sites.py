"""Each school is its own Wagtail Site: a teacher edits their school's pages and media, not another school's."""

from __future__ import annotations

import pytest
from wagtail.images import get_image_model
from wagtail.models import Site
from wagtail.permissions import policy_registry

from school_portal.core import services
from school_portal.core.models import SchoolHomePage, StandardPage


@pytest.fixture
def homes(world):
    return world.school.home_page, world.other_school.home_page


def test_each_school_has_its_own_site_home_and_collection(world):
    for school in (world.school, world.other_school):
        site = Site.objects.get(pk=school.site_id)
        assert isinstance(site.root_page.specific, SchoolHomePage)
        assert site.root_page.specific.school == school
        assert school.collection is not None
    assert world.school.collection != world.other_school.collection
    assert world.school.site.hostname != world.other_school.site.hostname


def test_teacher_edits_own_school_pages_only(world, homes):
    own, other = homes
    teacher = world.users["homeroom_teacher"]
    assert own.permissions_for_user(teacher).can_edit()
    assert own.permissions_for_user(teacher).can_add_subpage()
    assert own.permissions_for_user(teacher).can_publish()
    assert not other.permissions_for_user(teacher).can_edit()
    assert not other.permissions_for_user(teacher).can_add_subpage()


def test_only_the_school_admin_deletes_a_whole_section(world, homes):
    own, _ = homes
    section = own.add_child(instance=StandardPage(title="学校案内", slug="about"))
    section.add_child(instance=StandardPage(title="アクセス", slug="access"))
    assert not section.permissions_for_user(world.users["homeroom_teacher"]).can_delete()
    assert section.permissions_for_user(world.users["school_admin"]).can_delete()
    assert not section.permissions_for_user(world.users["other_school_admin"]).can_edit()
    assert not section.permissions_for_user(world.users["other_school_admin"]).can_delete()


def test_media_collections_follow_the_school(world):
    teacher = world.users["homeroom_teacher"]
    image_policy = policy_registry.get_by_type(get_image_model())
    collections = image_policy.collections_user_has_permission_for(teacher, "add")
    assert world.school.collection in collections
    assert world.other_school.collection not in collections
    assert get_image_model().objects.count() == 0


def test_people_without_a_school_role_cannot_edit_school_pages(world, homes):
    own, _ = homes
    for role in ("guardian", "student", "librarian", "partner_teacher"):
        assert not own.permissions_for_user(world.users[role]).can_edit(), role


def test_school_create_is_idempotent(world):
    again = services.school_create(
        city=world.city, name=world.school.name, kind=world.school.kind, code=world.school.code, slug=world.school.slug
    )
    assert again.pk == world.school.pk
    assert SchoolHomePage.objects.filter(school=world.school).count() == 1
    assert Site.objects.filter(root_page__schoolhomepage__school=world.school).count() == 1
