"""The printable sheets: a class's QR sign-in badges and the guardian invitation letters."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from school_portal.core.models import ClassGroup, GuardianLink, Student
from school_portal.core.testing.world import World
from tests.pdf_reading import assert_japanese_font_embedded_as_subset

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
MAX_BYTES = 400 * 1024


def students_of(class_group: ClassGroup) -> list[Student]:
    return list(Student.objects.filter(enrollments__class_group=class_group).order_by("enrollments__number"))


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def teacher(english_client_as) -> Client:
    return english_client_as("homeroom_teacher")


def test_the_badge_sheet_has_one_badge_per_child_with_readable_japanese_names(
    world: World, big_class, teacher, tmp_path
):
    response = teacher.get(reverse("core:class_badges_pdf", args=[big_class.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    data = response.content
    assert data.startswith(b"%PDF-")
    assert len(data) < MAX_BYTES
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    students = students_of(big_class)
    assert len(students) == 35
    for student in students:
        assert text.count(student.badge_code) == 1, student
        assert student.full_name in text
        assert student.full_name_kana in text
    assert big_class.class_code in text
    assert "Sign-in badges: さくら小学校" in text
    qr_codes = sum(len(page.images) for page in reader.pages)
    assert qr_codes == 35
    assert_japanese_font_embedded_as_subset(data, tmp_path)


def test_a_child_who_has_left_gets_no_badge(world: World, big_class, teacher):
    gone = students_of(big_class)[0]
    Student.objects.filter(pk=gone.pk).update(is_active=False)

    text = "\n".join(pdf_text(teacher.get(reverse("core:class_badges_pdf", args=[big_class.pk])).content))

    assert gone.badge_code not in text
    assert students_of(big_class)[1].badge_code in text


def test_the_invitation_letters_have_one_page_and_one_working_code_per_child(
    world: World, big_class, teacher, tmp_path
):
    response = teacher.post(reverse("core:class_invitations_pdf", args=[big_class.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert len(data) < MAX_BYTES
    pages = pdf_text(data)
    students = students_of(big_class)
    assert len(pages) == len(students) == 35
    codes = []
    for student, page in zip(students, pages, strict=True):
        assert f"To the guardian of {student.full_name}" in page
        assert "Your account on the school portal" in page
        assert "http://testserver/guardian/join/" in page
        found = CODE.findall(page)
        assert len(set(found)) == 1, page
        codes.append(found[0])
    assert len(set(codes)) == 35
    assert_japanese_font_embedded_as_subset(data, tmp_path)

    # A parent types the code from the paper: it links their new account to that child, once.
    parent = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = {"display_name": "親", "username": "parent-of-7", "password1": "paper-letter-2026", "password2": ""}
    form["password2"] = form["password1"]
    assert parent.post(reverse("core:guardian_join"), {**form, "code": codes[6]}).status_code == 302
    assert GuardianLink.objects.filter(guardian__user__username="parent-of-7", student=students[6]).exists()
    again = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("core:guardian_join"), {**form, "username": "someone-else", "code": codes[6]}
    )
    assert "already been used" in again.content.decode()


def test_one_childs_invitation_letter(world: World, client_as):
    response = client_as("school_admin").post(reverse("core:student_invitation_pdf", args=[world.child.pk]))

    pages = pdf_text(response.content)
    assert len(pages) == 1
    assert "To the guardian of 山田 花子" in pages[0]
    assert len(set(CODE.findall(pages[0]))) == 1


def test_letters_are_printed_only_on_purpose(world: World, teacher):
    """A link or a prefetch (GET) must not mint codes: printing letters is a POST."""
    response = teacher.get(reverse("core:class_invitations_pdf", args=[world.class_group.pk]))

    assert response.status_code == 405
    assert not world.child.invitations.exists()
