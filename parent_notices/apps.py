from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParentNoticesConfig(AppConfig):
    name = "parent_notices"
    verbose_name = _("Parent notices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.registry import register_plugin_home

        from . import access_rules

        access_rules.register()
        register_plugin_home(
            "parent_notices", prefix="notices", label=_("School notices"), capability="parent_notices.use"
        )
