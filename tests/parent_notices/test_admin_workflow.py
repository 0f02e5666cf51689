"""Writing a notice in the Wagtail admin, and the head teacher's approval before families see it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from parent_notices.models import Audience, Notice

pytestmark = pytest.mark.django_db


def _admin(world, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def _form(world, **overrides) -> dict:
    data = {
        "title": "遠足《えんそく》のお知らせ",
        "category": "event",
        "school": world.school.pk,
        "audience": Audience.CLASS,
        "ward": "",
        "grade": "",
        "body": streamfield([("text", rich_text("<p>明日《あした》は遠足《えんそく》です。</p>"))]),
        "reply_deadline": "",
        "go_live_at": "",
        "expire_at": "",
    }
    lists = {"class_groups": overrides.pop("class_groups", [world.class_group.pk]), "children": []}
    data.update(overrides)
    return {**nested_form_data(data), **lists}


def test_a_teacher_writes_a_notice_the_head_teacher_approves_and_only_then_families_see_it(world, client_as) -> None:
    teacher = _admin(world, "homeroom_teacher")
    add_url = reverse("wagtailsnippets_parent_notices_notice:add")
    response = teacher.post(add_url, {**_form(world), "action-submit": "Submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = Notice.objects.get()
    assert not notice.live and notice.created_by == world.users["homeroom_teacher"]
    assert notice.current_workflow_task_state is not None
    guardian = client_as("guardian")
    assert "遠足" not in guardian.get(reverse("parent_notices:index")).content.decode()

    # the teacher cannot approve their own notice; the head teacher of another school cannot either
    for role in ("homeroom_teacher", "other_school_admin"):
        url = reverse(
            "wagtailsnippets_parent_notices_notice:workflow_action",
            args=[notice.pk, "approve", notice.current_workflow_task_state.pk],
        )
        _admin(world, role).post(url, {"comment": ""})
        notice.refresh_from_db()
        assert not notice.live

    head = _admin(world, "school_admin")
    url = reverse(
        "wagtailsnippets_parent_notices_notice:workflow_action",
        args=[notice.pk, "approve", notice.current_workflow_task_state.pk],
    )
    head.post(url, {"comment": ""})
    notice.refresh_from_db()
    assert notice.live
    assert "遠足" in guardian.get(reverse("parent_notices:index")).content.decode()


def test_a_teacher_may_not_publish_directly_nor_write_to_the_whole_city(world) -> None:
    teacher = _admin(world, "homeroom_teacher")
    add_url = reverse("wagtailsnippets_parent_notices_notice:add")
    teacher.post(add_url, {**_form(world), "action-publish": "Publish"})
    assert not Notice.objects.filter(live=True).exists()
    response = teacher.post(add_url, _form(world, audience=Audience.CITY, title="市全体"))
    assert response.status_code == 200
    assert not Notice.objects.filter(title="市全体").exists()
    assert "Only the board of education" in response.content.decode()


def test_a_teacher_cannot_send_to_another_schools_class(world) -> None:
    teacher = _admin(world, "homeroom_teacher")
    response = teacher.post(
        reverse("wagtailsnippets_parent_notices_notice:add"),
        _form(world, class_groups=[world.sibling_class.pk], title="よその学校"),
    )
    assert response.status_code == 200
    assert not Notice.objects.filter(title="よその学校").exists()


def test_the_admin_list_shows_a_teacher_only_their_schools_notices(world) -> None:
    from parent_notices.testing import notice_publish

    notice_publish(school=world.school, title="さくらの通知")
    notice_publish(school=world.other_school, title="うめの通知")
    page = _admin(world, "homeroom_teacher").get(reverse("wagtailsnippets_parent_notices_notice:list"))
    text = page.content.decode()
    assert "さくらの通知" in text and "うめの通知" not in text
    other = Notice.objects.get(title="うめの通知")
    edit = _admin(world, "homeroom_teacher").get(reverse("wagtailsnippets_parent_notices_notice:edit", args=[other.pk]))
    assert edit.status_code == 404


def test_wagtail_views_of_one_notice_ask_the_access_policy(world) -> None:
    """History, revisions, usage, workflow history...: another school's teacher gets a 404 and never the title."""
    from parent_notices.testing import notice_publish

    author = world.users["school_admin"]
    notice = notice_publish(school=world.school, title="さくら小だけのお知らせ", by=author)
    notice.title = "さくら小だけのお知らせ（改）"
    revision = notice.save_revision(user=author)
    urls = [
        reverse(f"wagtailsnippets_parent_notices_notice:{name}", args=[notice.pk])
        for name in ("history", "usage", "workflow_history", "edit", "delete", "copy")
    ]
    urls += [
        reverse(f"wagtailsnippets_parent_notices_notice:{name}", args=[notice.pk, revision.pk])
        for name in ("revisions_revert", "revisions_unschedule")
    ]
    urls.append(
        reverse(
            "wagtailsnippets_parent_notices_notice:revisions_compare",
            kwargs={"pk": notice.pk, "revision_id_a": "earliest", "revision_id_b": "latest"},
        )
    )
    outsider = _admin(world, "other_school_teacher")
    for url in urls:
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert "さくら小だけ" not in response.content.decode(), url
    own = _admin(world, "homeroom_teacher")
    for name in ("history", "workflow_history"):
        response = own.get(reverse(f"wagtailsnippets_parent_notices_notice:{name}", args=[notice.pk]))
        assert response.status_code == 200 and "さくら小だけ" in response.content.decode(), name
