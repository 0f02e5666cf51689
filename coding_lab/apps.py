from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingLabConfig(AppConfig):
    name = "coding_lab"
    verbose_name = _("Coding lab")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.registry import register_plugin_home

        from . import access_rules

        access_rules.register()
        register_plugin_home("coding_lab", prefix="coding", label=_("Coding lab"), capability="coding_lab.use")
