"""No double booking on PostgreSQL: exclusion constraints on the time range of accepted sessions.

One accepted session at a time per Osaka class, per partner class and per video room: two rows whose
``tstzrange(starts_at, ends_at, '[)')`` overlap (``&&``) with the same class (``=``, which a GiST index offers for
integers through btree_gist) cannot both be accepted. A session ending at 10:00 and one starting at 10:00 do not
overlap (half-open ranges). On other databases the services make the equivalent check inside the transaction
that accepts (``services._book``), after writing, so that a second writer waits for the first.

Not a Meta constraint: Django's ExclusionConstraint would make the migration fail on SQLite, the embedded default.
"""

from django.db import migrations

CONSTRAINTS = {
    "exchange_session_no_double_class": "class_group_id",
    "exchange_session_no_double_partner": "partner_class_id",
    "exchange_session_no_double_room": "room_id",
}


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE exchange_session ADD CONSTRAINT {name} EXCLUDE USING gist "  # noqa: S608 (constants)
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (state = 'accepted' AND {column} IS NOT NULL)"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE exchange_session DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
