"""What a parent reads off the paper: every word inside the margins, the whole address, every child's name.

Read back the way a person or a screen reader would: ``pdftotext`` (poppler) for the text and where each word
stands, ``pdffonts`` for the fonts the file carries.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from school_portal.core.models import Student
from school_portal.core.testing.world import World
from tests.pdf_reading import assert_japanese_font_embedded_as_subset, embedded_fonts, text_of, words_right_edges

A4_WIDTH_PT = 595.28
MARGIN_PT = 12 / 25.4 * 72  # @page margin: 12mm

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(world: World) -> Client:
    client = Client()
    client.force_login(world.users["school_admin"], backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def letter_of(office: Client, student: Student) -> bytes:
    response = office.post(reverse("core:student_invitation_pdf", args=[student.pk]))
    assert response.status_code == 200
    return response.content


def test_the_invitation_letter_keeps_its_japanese_paragraph_inside_the_right_margin(world, office, tmp_path):
    words = words_right_edges(letter_of(office, world.child), tmp_path)

    assert any("スマートフォン" in word for word, _ in words)
    beyond = [(word, right) for word, right in words if right > A4_WIDTH_PT - MARGIN_PT + 1]
    assert beyond == []


def test_the_invitation_letter_carries_the_whole_registration_address_for_a_parent_to_type(world, office, tmp_path):
    text = text_of(letter_of(office, world.child), tmp_path)

    address = "http://testserver" + reverse("core:guardian_join")
    # Once under the Japanese text and once under the English one, each whole on its line.
    assert [line.strip() for line in text.splitlines() if "testserver" in line] == [address, address]


def test_no_pdf_lists_a_font_it_does_not_carry(world, office, big_class, tmp_path):
    badges = office.get(reverse("core:class_badges_pdf", args=[big_class.pk])).content
    letters = office.post(reverse("core:class_invitations_pdf", args=[big_class.pk])).content

    for data in (badges, letters):
        assert_japanese_font_embedded_as_subset(data, tmp_path)


@pytest.mark.parametrize(
    ("family", "given"),
    [
        ("𠮷田", "一郎"),  # U+20BB7: not in IPAex; IPAmj明朝 has it
        ("山田", "𩸽子"),  # U+29E3D: in IPAex, but a code point past U+FFFF copied out as another character
        ("髙橋", "﨑子"),  # variants of 高 and 崎, common in names
    ],
)
def test_a_childs_name_prints_and_copies_out_exactly_as_registered(world, office, tmp_path, family, given):
    Student.objects.filter(pk=world.child.pk).update(family_name=family, given_name=given)
    world.child.refresh_from_db()

    data = letter_of(office, world.child)

    assert f"{family} {given}さんの保護者様" in text_of(data, tmp_path)
    assert [row["name"] for row in embedded_fonts(data, tmp_path) if row["emb"] != "yes"] == []


def test_a_rare_kanji_is_drawn_by_the_names_font_not_left_as_a_box(world, office, tmp_path):
    Student.objects.filter(pk=world.child.pk).update(family_name="𠮷田")

    fonts = [row["name"] for row in embedded_fonts(letter_of(office, world.child), tmp_path)]

    assert any("IPAmj" in name for name in fonts), fonts


def test_an_ordinary_letter_does_not_carry_the_names_font(world, office, tmp_path):
    fonts = [row["name"] for row in embedded_fonts(letter_of(office, world.child), tmp_path)]

    assert not any("IPAmj" in name for name in fonts), fonts
