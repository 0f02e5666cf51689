"""Furigana for the lower grades, and the automatic marking of each kind of question."""

from __future__ import annotations

import pytest

from classrooms import worksheets
from classrooms.testing import Q_CHOICE, Q_NUMBER, Q_ORDER, Q_SHORT, sample_body
from classrooms.worksheets import AnswerRejected, Question
from school_portal.core import furigana


def test_kanji_with_a_reading_becomes_ruby_on_screen():
    html = furigana.ruby_text("九九《くく》を おぼえよう")
    assert html == "<ruby>九九<rp>(</rp><rt>くく</rt><rp>)</rp></ruby>を おぼえよう"


def test_a_bar_marks_where_the_word_starts():
    assert furigana.parenthesised("｜東京タワー《とうきょうタワー》") == "東京タワー(とうきょうタワー)"


def test_printed_furigana_goes_in_parentheses():
    assert furigana.parenthesised("ふりこの 長《なが》さ") == "ふりこの 長(なが)さ"


def test_furigana_markup_cannot_inject_html():
    html = furigana.ruby_text("<script>alert(1)</script>漢《かん》")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.fixture
def questions() -> dict[str, Question]:
    from wagtail.blocks import StreamValue

    from classrooms.models import LessonPage

    body = LessonPage._meta.get_field("body")
    value = body.to_python(sample_body())
    assert isinstance(value, StreamValue)
    return {q.id: q for q in worksheets.extract_questions(value)}


def test_questions_are_numbered_in_reading_order(questions):
    numbers = {qid: q.number for qid, q in questions.items()}
    assert numbers[Q_CHOICE] == 1 and numbers[Q_NUMBER] == 2 and numbers[Q_SHORT] == 3 and numbers[Q_ORDER] == 4


def test_choice_marking(questions):
    q = questions[Q_CHOICE]
    assert worksheets.mark(q, 1) is True  # "12", the teacher typed 2 (1-based)
    assert worksheets.mark(q, 0) is False


def test_number_marking_accepts_equal_numbers_written_differently(questions):
    q = questions[Q_NUMBER]
    assert worksheets.mark(q, worksheets.clean_value(q, "18.0")) is True
    assert worksheets.mark(q, worksheets.clean_value(q, "１８")) is True  # full-width digits from a kana keyboard
    assert worksheets.mark(q, worksheets.clean_value(q, "17")) is False


def test_short_answer_ignores_full_width_and_spaces(questions):
    q = questions[Q_SHORT]
    assert worksheets.mark(q, "かけ ざん") is True
    assert worksheets.mark(q, "たしざん") is False


def test_ordering_marking(questions):
    q = questions[Q_ORDER]
    assert worksheets.mark(q, [0, 1, 2]) is True
    assert worksheets.mark(q, [2, 1, 0]) is False


def test_ordering_is_never_shown_in_the_right_order(questions):
    q = questions[Q_ORDER]
    assert worksheets.display_order(q) != [0, 1, 2]
    assert sorted(worksheets.display_order(q)) == [0, 1, 2]


@pytest.mark.parametrize(
    "qid,value",
    [
        (Q_CHOICE, 7),
        (Q_CHOICE, "1"),
        (Q_ORDER, [0, 0, 1]),
        (Q_NUMBER, "12abc"),
        (Q_NUMBER, "NaN"),
        (Q_SHORT, "あ" * 501),
    ],
)
def test_impossible_answers_are_refused(questions, qid, value):
    with pytest.raises(AnswerRejected):
        worksheets.clean_value(questions[qid], value)
