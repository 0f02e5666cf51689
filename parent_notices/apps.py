from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParentNoticesConfig(AppConfig):
    name = "parent_notices"
    verbose_name = _("Parent notices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from wagtail.signals import published

        from school_portal.core.registry import DemoSeeder, demo_seeders, register_plugin_home, websocket_routes

        from . import access_rules, approval, consumers, delivery
        from .models import Notice

        access_rules.register()
        published.connect(delivery.on_published, sender=Notice, dispatch_uid="parent_notices.delivery")
        post_migrate.connect(approval.on_post_migrate, sender=self, dispatch_uid="parent_notices.approval")
        register_plugin_home(
            "parent_notices", prefix="notices", label=_("School notices"), capability="parent_notices.use"
        )
        websocket_routes.register("parent_notices", consumers.websocket_urlpatterns)
        demo_seeders.register("parent_notices", DemoSeeder(seed="parent_notices.seeding.seed", order=60))
