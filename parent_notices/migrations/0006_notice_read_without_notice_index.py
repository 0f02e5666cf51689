"""The read receipts' index on the notice alone is dropped: the unique (notice, guardian) index serves lookups by
notice, and each receipt written on the storm morning updates one index fewer.

Only the index is dropped. Django's own ``AlterField`` for ``db_index=False`` also drops and re-adds the foreign
key on PostgreSQL, which checks every receipt while the table is locked (migrations run with the site up), and
rebuilds the whole table on SQLite; the field's new state is recorded without touching the database.
"""

import django.db.models.deletion
from django.db import migrations, models


def _notice_only_indexes(schema_editor, table: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] == ["notice_id"] and not (info["unique"] or info["primary_key"])
    ]


def drop_notice_index(apps, schema_editor) -> None:
    table = apps.get_model("parent_notices", "NoticeRead")._meta.db_table
    for name in _notice_only_indexes(schema_editor, table):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_notice_index(apps, schema_editor) -> None:
    model = apps.get_model("parent_notices", "NoticeRead")
    if not _notice_only_indexes(schema_editor, model._meta.db_table):
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field("notice")]))


class Migration(migrations.Migration):
    dependencies = [
        ("parent_notices", "0005_after_delivery"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="noticeread",
                    name="notice",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reads",
                        to="parent_notices.notice",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_notice_index, create_notice_index)],
        ),
    ]
