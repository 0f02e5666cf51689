"""A school's teachers translate its notices in the Wagtail admin (simple_translation's "Translate"); the translation
is a draft that goes through the head teacher's approval before a family who chose its language reads it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Locale
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from parent_notices.models import Audience, FamilyNoticeSettings, Notice
from parent_notices.testing import ATTEND, attendance, notice_publish, text
from school_portal.core.models import Guardian

pytestmark = pytest.mark.django_db


def _admin(world, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def _translate_url(notice: Notice) -> str:
    return reverse("simple_translation:submit_snippet_translation", args=["parent_notices", "notice", notice.pk])


def _kept_ids(stream: dict, ids: list[str]) -> dict:
    """The editor posts each block with the id it was copied with (the translation keeps the original's ids)."""
    for index, block_id in enumerate(ids):
        stream[str(index)]["id"] = block_id
    return stream


def _english_form(translation: Notice, **overrides: object) -> dict:
    data = {
        "title": "Sports day",
        "category": translation.category,
        "school": translation.school_id,
        "audience": translation.audience,
        "ward": "",
        "grade": "",
        "body": _kept_ids(
            streamfield(
                [
                    ("text", rich_text("<p>Sports day is next Saturday.</p>")),
                    (
                        "reply_form",
                        {
                            "kind": "attendance",
                            "question": "Will your child take part?",
                            "choices": {"count": 0},
                            "comment": True,
                        },
                    ),
                ]
            ),
            ["text-0001", ATTEND],
        ),
        "reply_deadline": "",
        "go_live_at": "",
        "expire_at": "",
    }
    data.update(overrides)
    return nested_form_data(data)


def test_every_content_language_is_a_locale_a_teacher_can_translate_into(world) -> None:
    codes = set(Locale.objects.values_list("language_code", flat=True))
    assert {"en", "zh-hans", "ko", "vi", "fil", "pt-br", "ne", "ja-x-easy"} <= codes
    original = notice_publish(school=world.school, title="運動会《うんどうかい》")
    page = _admin(world, "homeroom_teacher").get(_translate_url(original))
    assert page.status_code == 200
    assert "English" in page.content.decode() and "Vietnamese" in page.content.decode()


def test_a_teacher_translates_a_notice_the_head_teacher_approves_it_and_only_then_the_family_reads_english(
    world, client_as
) -> None:
    original = notice_publish(
        school=world.school, title="運動会《うんどうかい》", body=[text("運動会は土曜日です。"), attendance()]
    )
    guardian = client_as("guardian")
    FamilyNoticeSettings.objects.create(guardian=Guardian.objects.get(user=world.users["guardian"]), language="en")
    teacher = _admin(world, "homeroom_teacher")

    english = Locale.objects.get(language_code="en")
    response = teacher.post(_translate_url(original), {"locales": [english.pk]})
    translation = Notice.objects.get(translation_key=original.translation_key, locale=english)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailsnippets_parent_notices_notice:edit", args=[translation.pk])
    # The copy is a draft in the source's words: nothing changes for the family yet.
    assert not translation.live and translation.first_published_at is None
    page = guardian.get(reverse("parent_notices:notice", args=[original.pk])).content.decode()
    assert "運動会は土曜日です" in page and "is not available in" in page

    edit_url = reverse("wagtailsnippets_parent_notices_notice:edit", args=[translation.pk])
    response = teacher.post(edit_url, {**_english_form(translation), "action-submit": "Submit"})
    assert response.status_code == 302, response.content.decode()[:3000]
    translation.refresh_from_db()
    assert not translation.live and translation.current_workflow_task_state is not None
    assert translation.created_by == world.users["homeroom_teacher"]
    assert "Sports day" not in guardian.get(reverse("parent_notices:index")).content.decode()

    # Publishing directly is the head teacher's: the teacher's "publish" leaves it waiting.
    teacher.post(edit_url, {**_english_form(translation), "action-publish": "Publish"})
    translation.refresh_from_db()
    assert not translation.live

    head = _admin(world, "school_admin")
    head.post(
        reverse(
            "wagtailsnippets_parent_notices_notice:workflow_action",
            args=[translation.pk, "approve", translation.current_workflow_task_state.pk],
        ),
        {"comment": ""},
    )
    translation.refresh_from_db()
    assert translation.live

    inbox = guardian.get(reverse("parent_notices:index")).content.decode()
    assert "Sports day" in inbox and inbox.count("Sports day") == 1
    page = guardian.get(reverse("parent_notices:notice", args=[original.pk])).content.decode()
    assert "Sports day is next Saturday." in page and 'lang="en"' in page
    assert "is not available in" not in page
    assert "Will your child take part?" in page  # the reply form's question, translated; the answer is the original's
    assert f'action="{reverse("parent_notices:reply", args=[original.pk, ATTEND])}"' in page


def test_a_teacher_of_another_school_a_guardian_and_a_librarian_cannot_translate_the_notice(world) -> None:
    original = notice_publish(school=world.school, title="さくら小だけのお知らせ", audience=Audience.SCHOOL)
    english = Locale.objects.get(language_code="en")
    for role in ("other_school_teacher", "other_school_admin"):
        response = _admin(world, role).post(_translate_url(original), {"locales": [english.pk]}, follow=True)
        assert response.redirect_chain == [(reverse("wagtailadmin_home"), 302)], role  # Wagtail's refusal
        assert "さくら小だけ" not in response.content.decode()
    for role in ("guardian", "librarian"):
        response = _admin(world, role).post(_translate_url(original), {"locales": [english.pk]})
        assert response.status_code == 302 and "/login/" in response["Location"], role
    assert not Notice.objects.filter(locale=english).exists()


def test_the_centre_staff_translate_the_boards_notice(world) -> None:
    board = notice_publish(school=None, city=world.school.city, audience=Audience.CITY, title="台風《たいふう》")
    korean = Locale.objects.get(language_code="ko")
    response = _admin(world, "centre_staff").post(_translate_url(board), {"locales": [korean.pk]})
    assert response.status_code == 302
    assert not Notice.objects.get(translation_key=board.translation_key, locale=korean).live
    refused = _admin(world, "school_admin").post(_translate_url(board), {"locales": [korean.pk]})
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert Notice.objects.filter(locale=korean).count() == 1
