from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "school_portal.core"
    label = "core"
    verbose_name = _("School portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (  # noqa: F401
            access_rules,
            checks,
            dashboards,
            handoff,
            language,
            retention,
            session_policy,
            site_lookup,
        )

        access_rules.register()
        site_lookup.install()
        dashboards.register()
        retention.register()

        from .realtime import websocket_urlpatterns
        from .registry import websocket_routes

        websocket_routes.register("core.notifications", websocket_urlpatterns)
