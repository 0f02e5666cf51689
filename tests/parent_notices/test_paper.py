"""Paper for families without phones: A4 PDFs with the Japanese font embedded and furigana readable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parent_notices import paper
from parent_notices.models import Audience, Notice
from parent_notices.testing import attendance, notice_publish, text
from school_portal.core.models import Guardian, Job
from tests.pdf_reading import assert_japanese_font_embedded_as_subset, text_of

pytestmark = pytest.mark.django_db


def test_a_notice_prints_on_a4_with_its_furigana_in_parentheses_and_is_kept_per_revision(world, client_as, tmp_path):
    notice = notice_publish(
        school=world.school, body=[text("明日《あした》は運動会《うんどうかい》です。"), attendance()]
    )
    response = client_as("guardian").get(reverse("parent_notices:notice_pdf", args=[notice.pk]))
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert_japanese_font_embedded_as_subset(data, tmp_path)
    words = text_of(data, tmp_path).replace("\n", "").replace(" ", "")
    assert "明日(あした)" in words and "運動会(うんどうかい)" in words
    assert len(data) < 300 * 1024
    assert paper.notices_pdf_bytes([Notice.objects.get(pk=notice.pk)]) == data  # from the cache

    notice.title = "運動会《うんどうかい》（雨天延期）"
    notice.save_revision().publish()
    notice.refresh_from_db()
    again = paper.notices_pdf_bytes([notice])
    assert "雨天延期" in text_of(again, tmp_path)


def test_paper_copies_go_to_families_who_asked_for_paper_or_have_not_read(world, client_as, tmp_path) -> None:
    notice = notice_publish(school=world.school, audience=Audience.CLASS, class_groups=[world.class_group])
    client_as("guardian").get(reverse("parent_notices:notice", args=[notice.pk]))  # the child's family read it
    response = client_as("homeroom_teacher").post(reverse("parent_notices:paper_copies", args=[notice.pk]))
    job = Job.objects.get(kind="parent_notices.paper")
    assert response.url == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED
    labels = [label for _e, label in paper.paper_families(notice)]
    assert len(labels) == 1 and "佐藤 太郎" in labels[0]  # the classmate's family has not read it

    Guardian.objects.filter(user=world.users["guardian"]).update(wants_paper_copy=True)
    labels = [label for _e, label in paper.paper_families(notice)]
    assert len(labels) == 2 and any("山田 花子" in label for label in labels)
    data = paper.paper_copies_pdf(notice, labels)
    printed = text_of(data, tmp_path)
    assert "山田" in printed and "佐藤" in printed


def test_a_class_week_of_notices_prints_in_one_pdf(world, client_as, tmp_path) -> None:
    notice_publish(school=world.school, title="一つ目《ひとつめ》のお知らせ")
    notice_publish(
        school=world.school, title="二つ目のお知らせ", audience=Audience.CLASS, class_groups=[world.class_group]
    )
    notice_publish(school=world.school, title="他の組", audience=Audience.CLASS, class_groups=[world.other_class])
    response = client_as("homeroom_teacher").get(reverse("parent_notices:class_week_pdf", args=[world.class_group.pk]))
    printed = text_of(response.content, tmp_path)
    assert "一つ目(ひとつめ)" in printed.replace(" ", "") and "二つ目" in printed and "他の組" not in printed
