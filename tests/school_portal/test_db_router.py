"""Reads on a replica, writes on the primary (``DATABASE_REPLICA_URL``, core/db_router.py): a process started with
both databases named counts the queries each connection runs. The replica here is a second connection to the same
database (SQLite file, or this run's PostgreSQL), as a streaming replica is a second server with the same data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, django
django.setup()
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.signals import request_started
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

primary = connections["default"]
tables = primary.introspection.table_names()
created = [model for model in (ContentType, Session) if model._meta.db_table not in tables]
with primary.schema_editor() as editor:
    for model in created:
        editor.create_model(model)
KEY = "db-router-test"
rows = ContentType.objects.filter(app_label=KEY)
found = {}

def counted(name, action):
    with CaptureQueriesContext(connections["default"]) as p, CaptureQueriesContext(connections["replica"]) as r:
        value = action()
    found[name] = {"primary": len(p), "replica": len(r), "value": value}

try:
    request_started.send(sender=None)
    counted("a read", lambda: rows.exists())
    counted("a write", lambda: bool(ContentType.objects.create(app_label=KEY, model="x")))
    counted("a read after the write", lambda: rows.exists())
    request_started.send(sender=None)
    counted("a read in the next request", lambda: rows.exists())

    def in_transaction():
        with transaction.atomic():
            return rows.exists()

    request_started.send(sender=None)
    counted("a read in a transaction", in_transaction)
    request_started.send(sender=None)
    Session.objects.create(session_key=KEY, session_data="x", expire_date=timezone.now())
    request_started.send(sender=None)
    counted("a session read in a fresh request", lambda: Session.objects.filter(session_key=KEY).exists())
finally:
    with primary.cursor() as cursor:  # not through the ORM: its collector would look into every related table
        cursor.execute("DELETE FROM django_content_type WHERE app_label = %s", [KEY])
    Session.objects.filter(session_key=KEY).delete()
    with primary.schema_editor() as editor:
        for model in created:
            editor.delete_model(model)
print(json.dumps(found))
"""


def test_reads_go_to_the_replica_and_writes_to_the_primary_until_the_request_ends(tmp_path):
    url = os.environ["DATABASE_URL"] if connection.vendor == "postgresql" else f"sqlite:///{tmp_path / 'p.sqlite3'}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school_portal.settings.test",
        "DATABASE_URL": url,
        "DATABASE_REPLICA_URL": url,
    }
    command = [sys.executable, "-c", SCRIPT]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])

    assert found["a read"] == {"primary": 0, "replica": 1, "value": False}
    assert found["a write"]["primary"] >= 1 and found["a write"]["replica"] == 0
    # Once it wrote, the request reads its own write on the primary (a replica may lag behind it).
    assert found["a read after the write"] == {"primary": 1, "replica": 0, "value": True}
    assert found["a read in the next request"] == {"primary": 0, "replica": 1, "value": True}
    assert found["a read in a transaction"]["replica"] == 0 and found["a read in a transaction"]["value"] is True
    # A session written by another process's sign-in is read where it was written, never on a lagging replica.
    assert found["a session read in a fresh request"] == {"primary": 1, "replica": 0, "value": True}


def test_without_a_replica_there_is_one_database_and_no_router():
    from django.conf import settings

    assert set(settings.DATABASES) == {"default"} and not settings.DATABASE_ROUTERS
