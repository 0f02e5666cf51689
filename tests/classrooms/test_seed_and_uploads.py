"""The demo city's lessons, and oversized or corrupt picture uploads in the CMS."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from classrooms.models import Answer, AnswerSheet, Assignment, LessonLibraryPage, LessonPage

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        LessonPage.objects.count(),
        Assignment.objects.count(),
        AnswerSheet.objects.count(),
        Answer.objects.count(),
        AnswerSheet.objects.exclude(feedback="").count(),
    )


def test_seed_demo_gives_every_demo_class_a_real_lesson_with_work_and_feedback():
    call_command("seed_demo", stdout=io.StringIO())
    titles = set(LessonPage.objects.values_list("title", flat=True))
    assert {"かけ算 ３のだん", "ふりこの 長さと 1往復の 時間"} <= titles
    lessons, assignments, sheets, answers, with_feedback = _counts()
    assert assignments == 6 and sheets == 24 and answers > 60 and with_feedback == 12
    assert AnswerSheet.objects.filter(status=AnswerSheet.Status.RETURNED).count() == 6
    assert LessonPage.objects.child_of(LessonLibraryPage.objects.get()).count() == 2
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == (lessons, assignments, sheets, answers, with_feedback)


def _bomb_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content,expected",
    [
        (_bomb_png, "pixels"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"broken" * 100, "Upload a valid image."),
    ],
    ids=["decompression-bomb", "corrupt"],
)
def test_a_teacher_uploading_a_bad_picture_gets_a_clear_message(
    client_as, world, settings, tmp_path, content, expected
):
    settings.MEDIA_ROOT = tmp_path
    response = client_as("homeroom_teacher").post(
        reverse("wagtailimages:add"),
        {
            "title": "ふりこ",
            "collection": world.school.collection_id,
            "file": SimpleUploadedFile("furiko.png", content(), content_type="image/png"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200  # the form again, with the message, and no image saved
    assert expected in response.content.decode()
    from wagtail.images import get_image_model

    assert not get_image_model().objects.exists()
