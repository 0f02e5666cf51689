from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PREFIX = "notices"


class ParentNoticesConfig(AppConfig):
    name = "parent_notices"
    verbose_name = _("Parent notices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from wagtail.signals import published, unpublished

        from school_portal.core.registry import (
            DemoSeeder,
            GuardianFastPath,
            demo_seeders,
            guardian_fast_paths,
            register_plugin_home,
            register_stream_block,
            websocket_routes,
        )

        from . import access_rules, approval, consumers, delivery, emergency, inbox_cache, locales, storm
        from .models import Notice
        from .public import access_rules as public_access_rules
        from .public import cache as public_cache
        from .public.blocks import PublicNoticesBlock

        access_rules.register()
        emergency.register()
        public_access_rules.register()
        public_cache.connect()
        inbox_cache.connect()
        published.connect(delivery.on_published, sender=Notice, dispatch_uid="parent_notices.delivery")
        published.connect(storm.on_notice_published, sender=Notice, dispatch_uid="parent_notices.storm.published")
        unpublished.connect(storm.on_notice_published, sender=Notice, dispatch_uid="parent_notices.storm.unpublished")
        post_migrate.connect(approval.on_post_migrate, sender=self, dispatch_uid="parent_notices.approval")
        post_migrate.connect(locales.on_post_migrate, sender=self, dispatch_uid="parent_notices.locales")
        register_plugin_home(
            "parent_notices", prefix=PREFIX, label=_("School notices"), capability="parent_notices.use"
        )
        # The storm morning: the board's emergency notice, for signed-in guardians, before the middleware.
        guardian_fast_paths.register(
            "parent_notices.emergency",
            GuardianFastPath(rf"/{PREFIX}/(?P<pk>[0-9]+)/", serve="parent_notices.storm.guardian_fast_page"),
        )
        register_stream_block("public_notices", PublicNoticesBlock(), contexts=("school_home", "city_home", "page"))
        websocket_routes.register("parent_notices", consumers.websocket_urlpatterns)
        demo_seeders.register("parent_notices", DemoSeeder(seed="parent_notices.seeding.seed", order=60))
