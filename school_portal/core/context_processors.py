from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .access import policy
from .registry import nav_links


def portal(request: HttpRequest) -> dict:
    """The navigation links whose capability the signed-in user has (none, and no query, for visitors)."""
    links = []
    if request.user.is_authenticated:
        for link in sorted(nav_links, key=lambda item: item.order):
            if policy.can(request, link.capability):
                try:
                    links.append({"label": link.label, "url": reverse(link.url_name)})
                except NoReverseMatch:
                    continue
    return {"portal_nav": links}
