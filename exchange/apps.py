from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Video exchange")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.registry import DemoSeeder, demo_seeders, register_plugin_home, websocket_routes

        from . import access_rules, consumers

        access_rules.register()
        websocket_routes.register("exchange", consumers.websocket_urlpatterns)
        demo_seeders.register("exchange", DemoSeeder(seed="exchange.seeding.seed", order=60))
        register_plugin_home("exchange", prefix="exchange", label=_("Video exchange"), capability="exchange.use")
