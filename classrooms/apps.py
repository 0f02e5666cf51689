from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassroomsConfig(AppConfig):
    name = "classrooms"
    verbose_name = _("Classrooms")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.models import Role
        from school_portal.core.registry import NavLink, nav_links, register_urls

        register_urls("classrooms", "classrooms.urls", "lessons")
        nav_links.register(
            "classrooms.index",
            NavLink(
                _("ICT lessons"),
                "classrooms:index",
                frozenset({Role.TEACHER, Role.SCHOOL_ADMIN, Role.STUDENT, Role.CENTRE_STAFF}),
                order=50,
            ),
        )
