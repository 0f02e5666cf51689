"""Trigram indexes for the Wagtail admin's user search (PostgreSQL only; nothing on SQLite).

Wagtail's user listing searches with ``username__icontains | first_name__icontains | last_name__icontains |
email__icontains``, which PostgreSQL runs as ``UPPER("field"::text) LIKE UPPER('%q%')``: without an index, a scan
of every user (537k in a city: ~0.6 s per search). A GIN index of ``pg_trgm`` on each ``UPPER(field::text)``
serves each of the four conditions, and PostgreSQL ORs the four index scans (a BitmapOr). Creating the extension
needs a role that may (the database owner on PostgreSQL 13+, ``pg_trgm`` being a trusted extension).
"""

from django.db import migrations

FIELDS = ("username", "first_name", "last_name", "email")


def _index(field: str) -> str:
    return f"core_user_{field}_upper_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for field in FIELDS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {_index(field)} ON core_user USING gin (UPPER("{field}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index(field)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0008_signin_handoff_and_language")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
