"""The "notices and events for the community" block: a school's home page (or any page of its site) shows its
school's public notices and coming events with the links to its feeds; the city portal's shows the whole city's.
Registered into the core's pages through ``register_stream_block``; the core never names it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from school_portal.core.models import City


class PublicNoticesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120, required=False)
    events = blocks.IntegerBlock(label=_("Events shown"), min_value=0, max_value=50, default=5)
    notices = blocks.IntegerBlock(label=_("Notices shown"), min_value=0, max_value=50, default=5)

    class Meta:
        icon = "date"
        label = _("Notices and events for the community")
        template = "parent_notices/blocks/public_notices.html"

    def get_context(self, value: Any, parent_context: dict | None = None) -> dict:
        from .selectors import public_events, public_notices, upcoming

        context = super().get_context(value, parent_context=parent_context)
        page = (parent_context or {}).get("page")
        school = page.get_school() if page is not None and hasattr(page, "get_school") else None
        if school is not None:
            scope: dict[str, Any] = {"school": school}
        else:
            scope = {"city": City.objects.order_by("pk").first()}
        context.update(
            school=school,
            city=scope.get("city"),
            public_events=upcoming(public_events(**scope), limit=value["events"]),
            public_notices=list(public_notices(**scope)[: value["notices"]]),
        )
        return context
