"""The page frame (the ``<head>``'s links and the header's navigation) rendered once per kind of visitor.

Every page of the portal carries the same frame, and it differs only by what :class:`Frame` holds: the
language, the header's links (those of the person's capabilities), whether they are signed in, have an account
page, or are a child on a shared tablet. Rendering it was a sixth of a guardian's dashboard (several
``{% url %}``, ``{% static %}`` and ``{% translate %}`` tags; docs/benchmarks.md, "Instructions counted"), so
``{% frame "core/frame/nav.html" %}`` (``templatetags/portal_frame.py``) renders a fragment once per process
and :class:`Frame`, from a context holding the frame's values and nothing else (whatever else a fragment names
renders empty: it cannot depend on the person beyond the key; it does on settings and on the active
translation, which the key's language names), and keeps the HTML.

What is the request's own is put in afterwards, in place of markers the fragment was rendered with: the CSRF
token's hidden input (Django's ``{% csrf_token %}``, asked for only when the fragment holds a form that needs
it) and the path the language switch returns to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.template import Context
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .access import policy
from .models import Role
from .registry import NavLink, nav_links

_NONCE = secrets.token_hex(8)  # per process: no page's text can hold the markers by chance or on purpose
CSRF_INPUT = mark_safe(f"<!--frame:{_NONCE}:csrf-->")  # noqa: S308 - hex, our own text
NEXT_PATH = mark_safe(f"frame:{_NONCE}:next")  # noqa: S308 - hex, our own text
_MAX_KEPT = 256  # languages x kinds of visitor: a few dozen; more would be a key that varies per person (a bug)
_kept: dict[tuple[str, Frame], str] = {}


@dataclass(frozen=True)
class Frame:
    """Everything the frame shows: the key of its rendered HTML."""

    language: str
    links: tuple[tuple[str, str], ...]  # (label, url) of the header's links, in order
    signed_in: bool
    account_link: bool
    for_child: bool

    def context(self) -> dict:
        return {
            "language": self.language,
            "links": [{"label": label, "url": url} for label, url in self.links],
            "signed_in": self.signed_in,
            "account_link": self.account_link,
            "for_child": self.for_child,
            "ui_languages": settings.PORTAL_UI_LANGUAGES,
            "csrf_input": CSRF_INPUT,
            "next_path": NEXT_PATH,
        }


def frame_of(request: HttpRequest) -> Frame:
    """The frame of ``request``'s person: the links whose capability they have (none, and no query, for
    visitors), whether they have an account page (not a child on a shared tablet), whether they are a child only
    (the header leaves out what a child has no use for)."""
    links: tuple[tuple[str, str], ...] = ()
    for_child = account_link = False
    signed_in = request.user.is_authenticated
    if signed_in:
        roles = policy.actor(request).role_names
        for_child = bool(roles) and roles <= {Role.STUDENT}
        account_link = Role.STUDENT not in roles
        allowed = tuple(
            link for link in sorted(nav_links, key=lambda item: item.order) if policy.can(request, link.capability)
        )
        links = _labelled(allowed, get_language(), get_script_prefix())
    return Frame(get_language(), links, signed_in, account_link, for_child)


@lru_cache(maxsize=_MAX_KEPT)
def _labelled(links: tuple[NavLink, ...], language: str | None, prefix: str) -> tuple[tuple[str, str], ...]:
    """The header's (label, url) of ``links`` in the active language, once per process for each set of links a
    person may have (``reverse()``-ing every link on every page was ~2 % of a dashboard). Hashing the key still
    looks each lazy label up in the catalogue, so the labels' language is in the key twice over."""
    labelled = []
    for link in links:
        try:
            labelled.append((str(link.label), reverse(link.url_name)))
        except NoReverseMatch:
            continue
    return tuple(labelled)


def render_frame(template_name: str, frame: Frame | None, context: Context) -> SafeString:
    """``template_name`` rendered for ``frame`` (once per process), with the request's own CSRF input and path.
    Without a frame (a page rendered without the request's context processors, as the guardians' fast path's)
    it is a visitor's in the current language."""
    key = (template_name, frame or Frame(get_language(), (), False, False, False))
    html = _kept.get(key)
    if html is None:
        html = render_to_string(template_name, key[1].context())
        if len(_kept) >= _MAX_KEPT:
            _kept.clear()
        if not settings.DEBUG:  # in development a template edited is seen at once, as Django's loaders do
            _kept[key] = html
    if CSRF_INPUT in html:
        html = html.replace(CSRF_INPUT, CsrfTokenNode().render(context))
    if NEXT_PATH in html:
        request = context.get("request")
        html = html.replace(NEXT_PATH, escape(request.get_full_path()) if request is not None else "")
    return mark_safe(html)  # noqa: S308 - a rendered template, Django's CSRF input and the path escaped


@receiver(setting_changed)
def _settings_changed(**kwargs: object) -> None:
    """A fragment reads settings (the languages offered, the URLs' prefix) when rendered, and a link's URL the
    URLconf: tests change them."""
    _kept.clear()
    _labelled.cache_clear()
