from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryWifiConfig(AppConfig):
    name = "library_wifi"
    verbose_name = _("Library Wi-Fi")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.registry import (
            DemoSeeder,
            InterfaceLanguages,
            RetentionRule,
            demo_seeders,
            interface_languages,
            register_plugin_home,
            retention_rules,
        )

        from . import access_rules, portal_facts, stats
        from .languages import VISITOR_LANGUAGES

        access_rules.register()
        portal_facts.connect()
        register_plugin_home(
            "library_wifi", prefix="library-wifi", label=_("Library Wi-Fi"), capability="library_wifi.manage"
        )
        retention_rules.register(
            "library_wifi.sessions", RetentionRule("library_wifi_sessions", stats.prune, default_days=90)
        )
        # The visitors' pages speak Chinese and Korean too (the rest of the portal answers those in Japanese).
        interface_languages.register(
            "library_wifi", InterfaceLanguages(prefix="/library-wifi/", languages=VISITOR_LANGUAGES)
        )
        demo_seeders.register("library_wifi", DemoSeeder(seed="library_wifi.seeding.seed", order=80))
