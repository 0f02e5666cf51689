from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingLabConfig(AppConfig):
    name = "coding_lab"
    verbose_name = _("Coding lab")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.models import Role
        from school_portal.core.registry import register_plugin_home

        register_plugin_home(
            "coding_lab", prefix="coding", label=_("Coding lab"), roles={Role.TEACHER, Role.SCHOOL_ADMIN, Role.STUDENT}
        )
