"""The blocks of a notice's body: text with furigana, images, private attachments, an event, a reply form.

Attachments are rendered as links to the plug-in's own attachment view (the notice's audience, through the access
policy), never to Wagtail's document URL. A reply form block is rendered by the notice page itself (it needs the
family's children and their answers), keyed by the block's id.
"""

from __future__ import annotations

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock

from school_portal.core.blocks import HeadingBlock, ImageBlock


class FuriganaTextBlock(blocks.RichTextBlock):
    """Rich text where 漢字《かんじ》 (or ｜基準《きじゅん》) shows as furigana."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("features", ["bold", "italic", "link", "ol", "ul"])
        kwargs.setdefault(
            "help_text", _("Furigana: write 漢字《かんじ》, or ｜基準《きじゅん》 to mark where it starts.")
        )
        super().__init__(**kwargs)

    @cached_property
    def field(self) -> forms.Field:
        """The editor named by the block's label (Draftail's ``ariaLabel``): inside a StreamField Wagtail draws no
        ``<label>`` for it, and a text box without a name fails axe's check of the notice's edit page."""
        field = super().field
        field.widget.options = {**field.widget.options, "ariaLabel": self.label}
        return field

    class Meta:
        icon = "pilcrow"
        label = _("Text with furigana")
        template = "parent_notices/blocks/text.html"


class LabelledCharBlock(blocks.CharBlock):
    """A line of text whose input carries its label as ``aria-label``: Wagtail draws no ``<label>`` for the items of
    a ListBlock (a survey's choices), which axe then finds unnamed."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.field.widget.attrs["aria-label"] = self.label


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("File"))
    title = blocks.CharBlock(label=_("Link text"), max_length=120, required=False)

    class Meta:
        icon = "doc-full"
        label = _("Attachment (only the notice's families)")
        template = "parent_notices/blocks/attachment.html"


class EventBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Event"), max_length=120)
    date = blocks.DateBlock(label=_("Date"))
    starts = blocks.TimeBlock(label=_("Starts"), required=False)
    ends = blocks.TimeBlock(label=_("Ends"), required=False)
    place = blocks.CharBlock(label=_("Place"), max_length=120, required=False)
    bring = blocks.CharBlock(label=_("What to bring"), max_length=200, required=False)

    class Meta:
        icon = "date"
        label = _("Event")
        template = "parent_notices/blocks/event.html"


class ReplyKind:
    ATTENDANCE = "attendance"
    PERMISSION = "permission"
    SURVEY = "survey"


REPLY_KINDS = [
    (ReplyKind.ATTENDANCE, _("Attending / not attending")),
    (ReplyKind.PERMISSION, _("Permission slip (agree / do not agree)")),
    (ReplyKind.SURVEY, _("Survey (one choice)")),
]


class ReplyFormBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=REPLY_KINDS, default=ReplyKind.ATTENDANCE, label=_("Kind of reply"))
    question = blocks.CharBlock(label=pgettext_lazy("survey", "Question"), max_length=200)
    choices = blocks.ListBlock(
        LabelledCharBlock(max_length=80, label=_("Choice")),
        label=_("Choices (surveys only)"),
        required=False,
        default=[],
    )
    comment = blocks.BooleanBlock(label=_("Families may add a comment"), required=False, default=True)

    class Meta:
        icon = "form"
        label = _("Reply form")
        template = "parent_notices/blocks/reply_form.html"


def notice_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        ("heading", HeadingBlock()),
        ("text", FuriganaTextBlock()),
        ("image", ImageBlock()),
        ("attachment", AttachmentBlock()),
        ("event", EventBlock()),
        ("reply_form", ReplyFormBlock()),
    ]
