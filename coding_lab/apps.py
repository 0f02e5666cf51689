from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingLabConfig(AppConfig):
    """A block-programming lab: challenges and courses authored in the CMS, programs checked by the server,
    the class's progress live for the teacher. Everything it adds elsewhere goes through the core's registries."""

    name = "coding_lab"
    verbose_name = _("Coding lab")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.registry import (
            DemoSeeder,
            demo_seeders,
            register_plugin_home,
            register_stream_block,
            websocket_routes,
        )

        from . import access_rules, blocks, consumers

        access_rules.register()
        register_plugin_home("coding_lab", prefix="coding", label=_("Coding lab"), capability="coding_lab.use")
        register_stream_block("coding_challenge", blocks.CodingChallengeBlock(), contexts=("page", "lesson"))
        websocket_routes.register("coding_lab", consumers.websocket_urlpatterns)
        demo_seeders.register("coding_lab", DemoSeeder(seed="coding_lab.seeding.seed", order=40))
