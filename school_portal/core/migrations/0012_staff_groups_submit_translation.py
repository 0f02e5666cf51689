"""The staff groups made before the core granted ``simple_translation.submit_translation`` get it too (each school's
editors and administrators, the education centre's staff): see ``services.STAFF_GROUP_PERMISSIONS``. New groups get
it where they are made (``services._group``)."""

from django.db import migrations

CENTRE_STAFF = "Education centre staff"


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    School = apps.get_model("core", "School")
    ids = set(School.objects.exclude(editors_group=None).values_list("editors_group_id", flat=True))
    ids |= set(School.objects.exclude(admins_group=None).values_list("admins_group_id", flat=True))
    ids |= set(Group.objects.filter(name=CENTRE_STAFF).values_list("pk", flat=True))
    if not ids:
        return  # a new database: the groups are made later, with the permission
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="simple_translation", model="simpletranslation")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="submit_translation", defaults={"name": "Can submit translations"}
    )
    permission.group_set.add(*Group.objects.filter(pk__in=ids))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_push"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("simple_translation", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
