"""The coding challenge as a StreamField block any lesson or page may include (through the core's registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class CodingChallengeBlock(blocks.StructBlock):
    challenge = SnippetChooserBlock("coding_lab.Challenge", label=_("Coding challenge"))
    intro = blocks.TextBlock(label=_("What to do"), required=False)

    class Meta:
        icon = "code"
        label = _("Coding challenge")
        template = "coding_lab/blocks/challenge.html"
