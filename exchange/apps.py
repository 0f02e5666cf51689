from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Video exchange")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.models import Role
        from school_portal.core.registry import register_plugin_home

        register_plugin_home(
            "exchange",
            prefix="exchange",
            label=_("Video exchange"),
            roles={Role.TEACHER, Role.SCHOOL_ADMIN, Role.STUDENT, Role.PARTNER_TEACHER},
        )
