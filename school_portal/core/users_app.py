"""Wagtail's users app with the portal's user viewset (``admin_listings.PortalUserViewSet``): in INSTALLED_APPS in
place of ``wagtail.users``, as Wagtail documents for a custom user viewset."""

from wagtail.users.apps import WagtailUsersAppConfig


class PortalUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "school_portal.core.admin_listings.PortalUserViewSet"
