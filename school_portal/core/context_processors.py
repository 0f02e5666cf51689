from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .access import policy
from .models import Role
from .registry import nav_links


def portal(request: HttpRequest) -> dict:
    """The navigation links of the signed-in user's roles (none, and no query, for visitors)."""
    links = []
    account_link = False
    if request.user.is_authenticated:
        roles = policy.actor(request).role_names
        account_link = Role.STUDENT not in roles  # a child on a shared tablet has no account page
        for link in sorted(nav_links, key=lambda item: item.order):
            if link.roles & roles:
                try:
                    links.append({"label": link.label, "url": reverse(link.url_name)})
                except NoReverseMatch:
                    continue
    return {"portal_nav": links, "portal_account_link": account_link}
