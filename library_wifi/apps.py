from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryWifiConfig(AppConfig):
    name = "library_wifi"
    verbose_name = _("Library Wi-Fi")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.models import Role
        from school_portal.core.registry import NavLink, nav_links, register_urls

        register_urls("library_wifi", "library_wifi.urls", "library-wifi")
        nav_links.register(
            "library_wifi.index",
            NavLink(_("Library Wi-Fi"), "library_wifi:index", frozenset({Role.LIBRARIAN, Role.CENTRE_STAFF}), order=50),
        )
