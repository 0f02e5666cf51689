"""The library Wi-Fi in the Wagtail admin: gateways (education-centre staff), asked of the core's access policy."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from school_portal.core.access import policy

from .admin_forms import GatewayForm
from .models import Gateway


class GatewayPermissionPolicy(BasePermissionPolicy):
    """Only whoever holds ``library_wifi.gateways`` (education-centre staff) registers and edits gateways."""

    def user_has_permission(self, user, action: str) -> bool:
        return bool(user.is_authenticated and policy.can(user, "library_wifi.gateways"))

    def user_has_any_permission(self, user, actions) -> bool:
        return self.user_has_permission(user, "")

    def users_with_any_permission(self, actions):
        from school_portal.core.models import User

        return User.objects.none()

    def users_with_permission(self, action):
        return self.users_with_any_permission([action])


register_permission_policy(Gateway, GatewayPermissionPolicy(Gateway))


class GatewayViewSet(ModelViewSet):
    model = Gateway
    icon = "globe"
    menu_label = _("Wi-Fi gateways")
    add_to_admin_menu = True
    menu_order = 860
    list_display = ["name", "library", "kind", "is_active"]
    list_filter = ["kind", "library"]
    search_fields = ["name"]
    form_fields = GatewayForm.Meta.fields

    def get_form_class(self, for_update: bool = False) -> type[GatewayForm]:
        return GatewayForm

    def get_urlpatterns(self) -> list:
        """Every screen answers 404 to someone without the capability (as the roster import does), rather than
        Wagtail's redirect to the dashboard."""
        patterns = super().get_urlpatterns()
        for pattern in patterns:
            pattern.callback = _only_with("library_wifi.gateways", pattern.callback)
        return patterns


def _only_with(capability: str, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.can(request, capability):
            raise Http404
        return view(request, *args, **kwargs)

    return checked


@hooks.register("register_admin_viewset")
def register_gateway_viewset() -> ModelViewSet:
    return GatewayViewSet("library_wifi_gateways")


class UsageMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return policy.can(request, "library_wifi.manage")


class UsageViewSet(ViewSet):
    """Librarians (their library) and the board (every library): use of the Wi-Fi, with charts."""

    name = "library_wifi_usage"
    url_prefix = "library-wifi-usage"
    icon = "table"
    menu_label = _("Library Wi-Fi use")
    add_to_admin_menu = True
    menu_order = 870
    menu_item_class = UsageMenuItem

    def get_urlpatterns(self) -> list:
        from . import views

        return [path("", _only_with("library_wifi.manage", views.dashboard), name="index")]


@hooks.register("register_admin_viewset")
def register_usage_viewset() -> ViewSet:
    return UsageViewSet()
