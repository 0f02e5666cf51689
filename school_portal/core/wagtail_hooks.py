"""The core's Wagtail hooks: roster import (shown only to those the access policy lets import), and the access
policy asked before any document is served."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import page_cache
from .access import policy
from .roster import admin_views


class RosterImportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return policy.can(request, "core.import_rosters")


class RosterImportViewSet(ViewSet):
    name = admin_views.URL_NAMESPACE
    url_prefix = "roster-imports"
    icon = "upload"
    menu_label = _("Roster import")
    add_to_admin_menu = True
    menu_order = 850

    menu_item_class = RosterImportMenuItem

    def get_urlpatterns(self) -> list[URLPattern]:
        return [
            path("", admin_views.RosterImportIndexView.as_view(), name="index"),
            path("upload/", admin_views.RosterImportUploadView.as_view(), name="upload"),
            path("<int:pk>/", admin_views.RosterImportDetailView.as_view(), name="detail"),
            path("blank.<str:fmt>", admin_views.BlankRosterView.as_view(), name="blank"),
        ]


@hooks.register("register_admin_viewset")
def register_roster_import_viewset() -> ViewSet:
    return RosterImportViewSet()


@hooks.register("register_admin_viewset")
def register_city_page_viewset() -> ViewSet:
    """The page explorer's listing, with a site filter that does not list the 420 schools' sites."""
    from .admin_listings import CityPageViewSet

    return CityPageViewSet()


@hooks.register("before_serve_document")
def serve_document_only_to_readers(document: object, request: HttpRequest) -> HttpResponse | None:
    """``/documents/<id>/<name>`` asks the access policy; a visitor not signed in is sent to sign in, anyone else
    refused gets a 404 (ids are sequential: we do not confirm that a document exists)."""
    if policy.allows(request.user, "core.view", document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404


@hooks.register("on_serve_page")
def mark_pages_anonymous_visitors_may_share(serve_page: page_cache.ServePage) -> page_cache.ServePage:
    """After Wagtail's ``before_serve_page`` checks (view restrictions): tells the page cache's middleware that
    the page rendered for a visitor not signed in may be stored for the next ones (``page_cache``)."""
    return page_cache.marking_shareable_pages(serve_page)
