"""The core's Wagtail admin screens: roster import (shown only to those the access policy lets import)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

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
        ]


@hooks.register("register_admin_viewset")
def register_roster_import_viewset() -> ViewSet:
    return RosterImportViewSet()
