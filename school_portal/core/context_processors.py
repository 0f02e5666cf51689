from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .access import policy
from .models import Role
from .registry import nav_links


def portal(request: HttpRequest) -> dict:
    """The navigation links whose capability the signed-in user has (none, and no query, for visitors), and
    whether the user is a child only (``portal_for_child``: the header leaves out what a child has no use for), and
    the interface languages for the language switch."""
    links = []
    for_child = False
    account_link = False
    if request.user.is_authenticated:
        roles = policy.actor(request).role_names
        for_child = bool(roles) and roles <= {Role.STUDENT}
        account_link = Role.STUDENT not in roles  # a child on a shared tablet has no account page
        for link in sorted(nav_links, key=lambda item: item.order):
            if policy.can(request, link.capability):
                try:
                    links.append({"label": link.label, "url": reverse(link.url_name)})
                except NoReverseMatch:
                    continue
    return {
        "portal_nav": links,
        "portal_for_child": for_child,
        "portal_account_link": account_link,
        # The language switch offers only the languages whose interface is translated.
        "portal_ui_languages": settings.PORTAL_UI_LANGUAGES,
    }
