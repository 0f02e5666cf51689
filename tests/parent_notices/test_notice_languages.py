"""A family reads notices in the language it chose: the translation when the school has one, else the Japanese
with furigana and a note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parent_notices import selectors
from parent_notices.models import FamilyNoticeSettings
from parent_notices.testing import notice_publish, text
from school_portal.core.access import policy
from school_portal.core.models import Guardian, User

pytestmark = pytest.mark.django_db


def test_a_family_chooses_vietnamese_and_reads_the_translation_or_the_japanese_with_a_note(world, client_as) -> None:
    client = client_as("guardian")
    response = client.post(reverse("parent_notices:language"), {"language": "vi"})
    assert response.status_code == 302
    assert FamilyNoticeSettings.objects.get(guardian__user=world.users["guardian"]).language == "vi"

    translated = notice_publish(school=world.school, title="運動会《うんどうかい》", body=[text("日本語の本文")])
    notice_publish(
        school=world.school,
        title="Ngày hội thể thao",
        body=[text("Nội dung tiếng Việt")],
        language="vi",
        translation_of=translated,
    )
    untranslated = notice_publish(school=world.school, title="遠足《えんそく》", body=[text("遠足《えんそく》です")])

    inbox = client.get(reverse("parent_notices:index")).content.decode()
    assert "Ngày hội thể thao" in inbox and "遠足" in inbox
    assert inbox.count("Ngày hội thể thao") == 1  # the translation is not a second notice

    page = client.get(reverse("parent_notices:notice", args=[translated.pk])).content.decode()
    assert "Nội dung tiếng Việt" in page and 'lang="vi"' in page
    page = client.get(reverse("parent_notices:notice", args=[untranslated.pk])).content.decode()
    assert "<ruby>遠足<rp>(</rp><rt>えんそく</rt>" in page
    # the note: in English for whoever does not read Japanese, then in the page's language, each marked as such
    assert '<span lang="en">This notice is not available in Vietnamese yet.' in page
    assert '<span lang="ja">このお知らせはまだベトナム語に翻訳されていません。' in page


def test_a_language_that_is_not_offered_is_refused(world, client_as) -> None:
    client = client_as("guardian")
    client.post(reverse("parent_notices:language"), {"language": "xx"})
    assert not FamilyNoticeSettings.objects.exists()


def test_the_familys_language_comes_with_the_facts_every_request_reads_and_costs_no_query_of_its_own(
    world, django_assert_num_queries
) -> None:
    guardian = User.objects.get(pk=world.users["guardian"].pk)
    assert selectors.family_language(guardian) == "ja"  # nothing chosen yet
    FamilyNoticeSettings.objects.create(guardian=Guardian.objects.get(user=guardian), language="vi")

    guardian = User.objects.get(pk=guardian.pk)  # a new request: a new user, a new Actor
    assert policy.actor(guardian).guardian_id  # the facts, read once per request whatever the page
    with django_assert_num_queries(0):
        assert selectors.family_language(guardian) == "vi"
    teacher = User.objects.get(pk=world.users["homeroom_teacher"].pk)
    assert selectors.family_language(teacher) == "ja"
