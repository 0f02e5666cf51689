"""The blocks of a library's Wi-Fi page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class HoursBlock(blocks.StructBlock):
    days = blocks.CharBlock(label=_("days"), max_length=60)
    opens = blocks.TimeBlock(label=_("opens"))
    closes = blocks.TimeBlock(label=_("closes"))

    class Meta:
        icon = "time"
        label = _("Opening hours")
        template = "library_wifi/blocks/hours.html"


class EventBlock(blocks.StructBlock):
    date = blocks.DateBlock(label=_("date"))
    title = blocks.CharBlock(label=_("title"), max_length=120)
    description = blocks.TextBlock(label=_("description"), required=False)

    class Meta:
        icon = "date"
        label = _("Event")
        template = "library_wifi/blocks/event.html"


class NoticeBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.TextBlock(label=_("text"))

    class Meta:
        icon = "warning"
        label = _("Notice")
        template = "library_wifi/blocks/notice.html"
