from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParentNoticesConfig(AppConfig):
    name = "parent_notices"
    verbose_name = _("Parent notices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.models import Role
        from school_portal.core.registry import NavLink, nav_links, register_urls

        register_urls("parent_notices", "parent_notices.urls", "notices")
        nav_links.register(
            "parent_notices.index",
            NavLink(
                _("School notices"),
                "parent_notices:index",
                frozenset({Role.TEACHER, Role.SCHOOL_ADMIN, Role.GUARDIAN}),
                order=50,
            ),
        )
