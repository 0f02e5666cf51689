"""``{% frame "core/frame/nav.html" %}``: a fragment of the page frame, rendered once per kind of visitor
(:mod:`school_portal.core.frame`)."""

from __future__ import annotations

from django import template
from django.template import Context
from django.utils.safestring import SafeString

from ..frame import render_frame

register = template.Library()


@register.simple_tag(takes_context=True)
def frame(context: Context, template_name: str) -> SafeString:
    return render_frame(template_name, context.get("portal_frame"), context)
