"""The education centre's staff keep the city's partner list: the model permissions for the partner schools,
their classes, holidays and availability (the exchange's Wagtail screens for them) go to the centre staff group.

The group is the one ``school_portal.core.services.centre_staff_group`` gives every centre staff member (by
name). Timetable periods, video rooms and exchanges stay with the superusers: the schools keep them through
the exchange pages.
"""

from django.db import migrations

GROUP = "Education centre staff"
MODELS = ["partnerschool", "partnerclass", "partnerholiday", "partneravailability"]
ACTIONS = ["view", "add", "change", "delete"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("exchange")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)  # otherwise made only after every migration has run
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{action}_{model}" for model in MODELS for action in ACTIONS]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="exchange", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="exchange"))


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0002_no_double_booking"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
