from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Video exchange")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.models import Role
        from school_portal.core.registry import NavLink, nav_links, register_urls

        register_urls("exchange", "exchange.urls", "exchange")
        nav_links.register(
            "exchange.index",
            NavLink(
                _("Video exchange"),
                "exchange:index",
                frozenset({Role.TEACHER, Role.SCHOOL_ADMIN, Role.STUDENT, Role.PARTNER_TEACHER}),
                order=50,
            ),
        )
