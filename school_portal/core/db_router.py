"""Reads on a PostgreSQL streaming replica, writes on the primary: for the city at 10x (docs/operations.md).

Off unless ``DATABASE_REPLICA_URL`` names the replica: the settings then add the database alias ``replica`` and
this router. A read goes to the replica, except where it must see what was just written (a replica lags the
primary by a little): inside a transaction on the primary, and for the rest of a request (or task) once it has
written anything. What is read right after another process wrote it is always read on the primary: sessions
(a sign-in on one process, the next request on another), the sign-in throttle's counters and failures, the
sign-in hand-off's passes and linked sessions, the job queue (``PINNED``). Writes, ``select_for_update`` and
migrations go to the primary only.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.core.signals import request_started
from django.db import connections
from django.db.models import Model

PRIMARY = "default"
REPLICA = "replica"
PINNED = frozenset(
    {
        "sessions.session",
        "core.signinfailure",
        "core.signincounter",
        "core.signinhandoff",
        "core.linkedsession",
        "core.job",
        "django_tasks_database.dbtaskresult",
    }
)

_wrote: ContextVar[bool] = ContextVar("portal_wrote_to_primary", default=False)


def _new_request(**kwargs: Any) -> None:
    _wrote.set(False)


request_started.connect(_new_request, dispatch_uid="school_portal.core.db_router")


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if _wrote.get() or model._meta.label_lower in PINNED or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
