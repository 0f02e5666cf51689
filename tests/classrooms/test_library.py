"""The shared lesson library: search (Japanese included), preview, copy in one action, reuse counted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from classrooms import lesson_builder as lb
from classrooms.models import LessonCopy, LessonPage
from classrooms.testing import sample_body
from school_portal.core.access import policy

pytestmark = pytest.mark.django_db


def test_a_teacher_copies_a_library_lesson_into_their_unit_as_a_draft(client_as, cw, world):
    response = client_as("homeroom_teacher").post(
        reverse("classrooms:library_copy", args=[cw.library_lesson.pk]), {"unit": cw.unit.pk}
    )
    copy = LessonPage.objects.child_of(cw.unit).get(title=cw.library_lesson.title)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_pages:edit", args=[copy.pk])
    assert not copy.live and copy.copied_from_id == cw.library_lesson.pk
    assert [b.block_type for b in copy.body] == [b.block_type for b in cw.library_lesson.body]
    assert LessonCopy.objects.get(source=cw.library_lesson).school == world.school


def test_the_library_shows_how_often_each_lesson_was_reused(client_as, cw, world):
    for role in ("homeroom_teacher", "other_teacher"):
        client_as(role).post(reverse("classrooms:library_copy", args=[cw.library_lesson.pk]), {"unit": cw.unit.pk})
    html = client_as("other_school_teacher").get(reverse("classrooms:library"), HTTP_ACCEPT_LANGUAGE="en").content
    assert "Copied 2 times" in html.decode()
    copies = LessonPage.objects.child_of(cw.unit).filter(copied_from=cw.library_lesson)
    assert sorted(copies.values_list("slug", flat=True)) == ["furiko", "furiko-1"]  # both kept, side by side


def test_a_teacher_cannot_copy_into_another_schools_tree(client_as, cw, world):
    # the unit belongs to the world's school; the other school's teacher may not add pages there
    response = client_as("other_school_teacher").post(
        reverse("classrooms:library_copy", args=[cw.library_lesson.pk]), {"unit": cw.unit.pk}
    )
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("classrooms:library_lesson", args=[cw.library_lesson.pk])
    )
    assert not LessonPage.objects.child_of(cw.unit).filter(title=cw.library_lesson.title).exists()
    assert not LessonCopy.objects.exists()


def test_a_school_lesson_cannot_be_copied_as_if_it_were_in_the_library(client_as, cw):
    response = client_as("other_teacher").post(
        reverse("classrooms:library_copy", args=[cw.lesson.pk]), {"unit": cw.unit.pk}
    )
    assert response.status_code == 404


def test_search_by_japanese_keyword_subject_and_grade(client_as, cw):
    lb.lesson_ensure(
        parent=cw.library,
        slug="kanji",
        title="漢字の成り立ち",
        subject="japanese",
        grade=4,
        body=sample_body(),
        summary="象形文字から 漢字の しくみを 学ぶ",
        revision=False,
    )
    client = client_as("homeroom_teacher")

    def titles(**params):
        html = client.get(reverse("classrooms:library"), params).content.decode()
        return {t for t in ("漢字の成り立ち", "ふりこのきまり") if t in html}

    assert titles() == {"漢字の成り立ち", "ふりこのきまり"}
    assert titles(q="象形文字") == {"漢字の成り立ち"}
    assert titles(q="ふりこ") == {"ふりこのきまり"}
    assert titles(subject="science") == {"ふりこのきまり"}
    assert titles(grade=4) == {"漢字の成り立ち"}
    assert titles(q="存在しない言葉") == set()
    # Words in the middle of a sentence, with no spaces round them, as Japanese is written.
    assert titles(q="成り立ち") == {"漢字の成り立ち"}
    assert titles(q="しくみ 象形") == {"漢字の成り立ち"}
    assert titles(q="漢") == {"漢字の成り立ち"}
    # Text inside the lesson (an activity shared by both lessons), and half-width katakana folded.
    assert titles(q="おはじき") == {"漢字の成り立ち", "ふりこのきまり"}
    assert titles(q="三の段") == {"漢字の成り立ち", "ふりこのきまり"}  # 三《さん》の段《だん》: the furigana left out
    assert titles(q="だん") == {"漢字の成り立ち", "ふりこのきまり"}  # and the reading found too
    assert titles(q="ふりこ", grade=4) == set()


def test_a_lesson_published_later_is_found_by_its_japanese_words(client_as, cw):
    lesson = lb.lesson_ensure(
        parent=cw.library,
        slug="tenki",
        title="天気の変化",
        subject="science",
        grade=5,
        body=[lb.text("<p>雲《くも》の量《りょう》とアメダスの記録《きろく》をくらべよう。</p>")],
        summary="",
        revision=False,
    )
    client = client_as("other_school_teacher")

    def found(q: str) -> bool:
        return "天気の変化" in client.get(reverse("classrooms:library"), {"q": q}).content.decode()

    assert found("アメダス") and found("ｱﾒﾀﾞｽ") and found("記録") and found("くらべ")
    lesson.title = "雲と天気"
    lesson.save_revision().publish()
    assert not found("変化") and "雲と天気" in client.get(reverse("classrooms:library"), {"q": "雲と"}).content.decode()


def test_the_preview_shows_the_lesson_read_only(client_as, cw):
    html = (
        client_as("other_school_teacher")
        .get(reverse("classrooms:library_lesson", args=[cw.library_lesson.pk]))
        .content.decode()
    )
    assert "<ruby>九九" in html and "disabled" in html
    assert 'name="unit"' not in html  # no unit of theirs to copy into: no copy form
    own = client_as("homeroom_teacher").get(reverse("classrooms:library_lesson", args=[cw.library_lesson.pk]))
    assert f'<option value="{cw.unit.pk}"' in own.content.decode()  # a teacher with units gets the form


def test_the_copy_brings_its_own_images_into_the_schools_collection(client_as, cw, world, settings, tmp_path):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), "orange").save(buffer, format="PNG")
    picture = get_image_model().objects.create(
        title="ふりこの図", file=ImageFile(buffer, name="furiko.png"), collection=Collection.get_first_root_node()
    )
    lesson = lb.lesson_ensure(
        parent=cw.library,
        slug="with-picture",
        title="図のある授業",
        subject="science",
        grade=5,
        body=[
            lb.block("image", {"image": picture.pk, "alt_text": "ふりこ", "caption": ""}),
            lb.activity("手順", ["糸の長さをはかる"]),
        ],
        revision=False,
    )
    client_as("homeroom_teacher").post(reverse("classrooms:library_copy", args=[lesson.pk]), {"unit": cw.unit.pk})
    copy = LessonPage.objects.child_of(cw.unit).get(title="図のある授業")
    copied_picture = copy.body[0].value["image"]
    assert copied_picture.pk != picture.pk and copied_picture.collection_id == world.school.collection_id
    assert copied_picture.file.read() == picture.file.open("rb").read()
    assert LessonPage.objects.get(pk=lesson.pk).body[0].value["image"].pk == picture.pk  # the library keeps its own


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("homeroom_teacher", True),
        ("other_school_teacher", True),
        ("school_admin", True),
        ("centre_staff", True),
        ("student", False),
        ("guardian", False),
        ("librarian", False),
    ],
)
def test_the_access_policy_says_who_may_use_the_shared_library(client_as, cw, world, role, allowed):
    assert policy.can(world.users[role], "classrooms.use_library") is allowed
    status = client_as(role).get(reverse("classrooms:library")).status_code
    assert status == (200 if allowed else 403)
