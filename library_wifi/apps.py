from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryWifiConfig(AppConfig):
    name = "library_wifi"
    verbose_name = _("Library Wi-Fi")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.registry import register_plugin_home

        from . import access_rules

        access_rules.register()
        register_plugin_home(
            "library_wifi", prefix="library-wifi", label=_("Library Wi-Fi"), capability="library_wifi.manage"
        )
