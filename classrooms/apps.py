from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassroomsConfig(AppConfig):
    """Tablet lessons: authored in the CMS, assigned to classes, answered on tablets, reviewed by teachers.

    Everything it adds elsewhere goes through the core's registries, so removing it from INSTALLED_APPS
    removes its URLs, menus, dashboard panels, permission cases and demo data, and nothing else.
    """

    name = "classrooms"
    verbose_name = _("Classrooms")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from school_portal.core.registry import DemoSeeder, demo_seeders, register_urls

        from . import access_rules, class_work, dashboards

        register_urls("classrooms", "classrooms.urls", "lessons")
        access_rules.register()
        dashboards.register()
        class_work.connect()  # a class's cached assignments renewed when they change
        # By dotted path: the demo lessons (and the test builders they use) load only when seed_demo runs.
        demo_seeders.register("classrooms", DemoSeeder(seed="classrooms.demo_lessons.seed_lessons", order=20))
