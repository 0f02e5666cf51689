from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassBellConfig(AppConfig):
    """Everything it adds elsewhere goes through the core's registries and policy, from here."""

    name = "tests.example_plugin"
    label = "class_bell"
    verbose_name = _("Class bell")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.registry import DemoSeeder, demo_seeders, register_urls, websocket_routes

        from . import access_rules, consumers

        access_rules.register()
        register_urls("class_bell", "tests.example_plugin.urls", "bell")
        websocket_routes.register("class_bell", consumers.websocket_urlpatterns)
        demo_seeders.register("class_bell", DemoSeeder(seed="tests.example_plugin.seeding.seed", order=90))
