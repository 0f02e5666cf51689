"""The blocks a teacher builds a tablet lesson from. Each renders from templates/classrooms/blocks/.

Questions live inside a worksheet or a quiz; each question is a child of a StreamBlock, so it has a stable
UUID (``child.id``) that answers are keyed by, and that survives edits and re-ordering of the lesson.
"""

from __future__ import annotations

from functools import cached_property

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from school_portal.core.blocks import core_blocks

FURIGANA_HELP = _("Furigana: write 漢字《かんじ》, or ｜基準《きじゅん》 to mark where the word starts.")


class LessonTextBlock(blocks.RichTextBlock):
    """Rich text with furigana for the lower grades."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", ["h3", "bold", "italic", "ol", "ul", "link", "hr"])
        kwargs.setdefault("help_text", FURIGANA_HELP)
        super().__init__(**kwargs)

    @cached_property
    def field(self) -> forms.Field:
        # A block straight in the lesson's stream gets a header but no <label>: the editor names itself.
        field = super().field
        field.widget.options["ariaLabel"] = self.label
        return field

    class Meta:
        icon = "pilcrow"
        label = _("Text with furigana")
        template = "classrooms/blocks/lesson_text.html"


class MediaFileBlock(blocks.StructBlock):
    """An uploaded video or audio file (from the school's documents), played in the page."""

    kind = blocks.ChoiceBlock(choices=[("video", _("Video")), ("audio", _("Audio"))], default="video", label=_("Kind"))
    file = DocumentChooserBlock(label=_("File (MP4, WebM, MP3, M4A)"))
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    transcript = blocks.TextBlock(label=_("Transcript or description"), required=False)

    class Meta:
        icon = "media"
        label = _("Uploaded video or audio")
        template = "classrooms/blocks/media_file.html"


class StepBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("What to do"), help_text=FURIGANA_HELP)
    image = ImageChooserBlock(label=_("Picture"), required=False)
    image_alt = blocks.CharBlock(label=_("Alternative text of the picture"), required=False, max_length=200)


class ActivityBlock(blocks.StructBlock):
    """A step-by-step activity: the child goes through the steps one by one and ticks them off."""

    title = blocks.CharBlock(label=_("Title"), max_length=120)
    steps = blocks.ListBlock(StepBlock(), label=_("Steps"), min_num=1)

    class Meta:
        icon = "list-ol"
        label = _("Step-by-step activity")
        template = "classrooms/blocks/activity.html"


class ListItemBlock(blocks.CharBlock):
    """One line of a list (a choice, an accepted answer, an item to order).

    Wagtail renders a list's items without a ``<label>``, so the input carries the item's label as its
    accessible name (``aria-label``): a screen reader says 「選択肢」 rather than "edit text".
    """

    def __init__(self, *, label: str, **kwargs) -> None:
        super().__init__(label=label, **kwargs)
        self.field.widget.attrs["aria-label"] = label


# --- questions --------------------------------------------------------------------------------------------


class QuestionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock(label=_("Question"), help_text=FURIGANA_HELP)
    points = blocks.IntegerBlock(label=_("Points"), default=1, min_value=0, max_value=100)

    class Meta:
        icon = "help"


class ChoiceQuestionBlock(QuestionBlock):
    choices = blocks.ListBlock(
        ListItemBlock(label=_("Choice"), max_length=120),
        label=_("Choices"),
        min_num=2,
        max_num=8,
        help_text=_("Two to eight choices, in the order the children see them."),
    )
    correct = blocks.IntegerBlock(
        label=_("Number of the correct choice (1 = first)"),
        min_value=1,
        max_value=8,
        help_text=_("Count the choices above from the top."),
    )

    class Meta:
        icon = "list-ul"
        label = _("Multiple choice")
        template = "classrooms/blocks/q_choice.html"


class ShortAnswerQuestionBlock(QuestionBlock):
    accepted = blocks.ListBlock(
        ListItemBlock(label=_("Accepted answer"), max_length=120),
        label=_("Accepted answers"),
        required=False,
        help_text=_("Leave empty to mark by hand. Full-width and half-width characters count as the same."),
    )

    class Meta:
        icon = "edit"
        label = _("Short answer")
        template = "classrooms/blocks/q_short.html"


class OrderingQuestionBlock(QuestionBlock):
    items = blocks.ListBlock(
        ListItemBlock(label=_("Item"), max_length=120),
        label=_("Items, in the correct order"),
        min_num=2,
        max_num=8,
        help_text=_("Write them in the correct order: the children see them shuffled."),
    )

    class Meta:
        icon = "order"
        label = _("Put in order")
        template = "classrooms/blocks/q_ordering.html"


class NumberQuestionBlock(QuestionBlock):
    answer = blocks.DecimalBlock(label=_("Correct answer"), required=False, decimal_places=3)
    unit = blocks.CharBlock(label=_("Unit (shown after the box)"), required=False, max_length=20)

    class Meta:
        icon = "decimal"
        label = _("Number (number pad)")
        template = "classrooms/blocks/q_number.html"


class DrawingQuestionBlock(QuestionBlock):
    """Answered with a finger or a pen on the tablet; marked by the teacher."""

    background = ImageChooserBlock(label=_("Background picture"), required=False)

    class Meta:
        icon = "image"
        label = _("Drawing or handwriting")
        template = "classrooms/blocks/q_drawing.html"


QUESTION_TYPES = {
    "choice": ChoiceQuestionBlock,
    "short_answer": ShortAnswerQuestionBlock,
    "ordering": OrderingQuestionBlock,
    "number": NumberQuestionBlock,
    "drawing": DrawingQuestionBlock,
}


def question_blocks() -> list[tuple[str, blocks.Block]]:
    return [(name, klass()) for name, klass in QUESTION_TYPES.items()]


class WorksheetBlock(blocks.StructBlock):
    """Questions the child answers on the tablet, marked automatically where possible, reviewed by the teacher."""

    title = blocks.CharBlock(label=_("Title"), max_length=120)
    instructions = blocks.TextBlock(label=_("Instructions"), required=False, help_text=FURIGANA_HELP)
    questions = blocks.StreamBlock(question_blocks(), label=_("Questions"), min_num=1)

    show_results = False

    class Meta:
        icon = "form"
        label = _("Worksheet")
        template = "classrooms/blocks/worksheet.html"


class QuizBlock(WorksheetBlock):
    """A worksheet whose marks the child sees as soon as they submit."""

    show_results = True

    class Meta:
        icon = "tasks"
        label = _("Quiz (marked automatically)")
        template = "classrooms/blocks/worksheet.html"


def lesson_blocks() -> list[tuple[str, blocks.Block]]:
    """The lesson's own blocks; plug-ins add theirs through the core registry (context "lesson")."""
    return [
        *core_blocks(),
        ("text", LessonTextBlock()),
        ("media_file", MediaFileBlock()),
        ("activity", ActivityBlock()),
        ("worksheet", WorksheetBlock()),
        ("quiz", QuizBlock()),
    ]


WORKSHEET_BLOCK_TYPES = ("worksheet", "quiz")
