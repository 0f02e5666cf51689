from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingLabConfig(AppConfig):
    name = "coding_lab"
    verbose_name = _("Coding lab")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.models import Role
        from school_portal.core.registry import NavLink, nav_links, register_urls

        register_urls("coding_lab", "coding_lab.urls", "coding")
        nav_links.register(
            "coding_lab.index",
            NavLink(
                _("Coding lab"),
                "coding_lab:index",
                frozenset({Role.TEACHER, Role.SCHOOL_ADMIN, Role.STUDENT}),
                order=50,
            ),
        )
