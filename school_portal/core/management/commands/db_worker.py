"""``manage.py db_worker``: django-tasks-db's worker, plus the recovery of jobs whose worker died.

django-tasks-db claims a task with ``SELECT ... FOR UPDATE SKIP LOCKED`` and marks it RUNNING; a worker killed
mid-task leaves it RUNNING for ever. This command (it takes the place of the package's own, the core being
listed first in ``INSTALLED_APPS``) runs :func:`~school_portal.core.jobs.jobs_recover_stale` when it starts and
every ``JOB_LEASE_SECONDS / 2`` in a thread of its own, and makes running jobs write a heartbeat.
Options are the package's (``--queue-name``, ``--interval``, ``--batch``, ``--max-tasks``, ``--worker-id`` ...).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from ... import jobs

logger = logging.getLogger(__name__)


def _sweep_forever(every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            jobs.jobs_recover_stale()
        except Exception:  # a database hiccup must not end the sweeping for good
            logger.exception("recovering stale jobs failed")
        finally:
            connection.close()


class Command(DatabaseWorkerCommand):
    help = "Run a database background worker (django-tasks-db), recovering jobs of workers that died"

    def handle(self, **options: Any) -> None:
        jobs.mark_worker_process()
        recovered = jobs.jobs_recover_stale()
        if recovered:
            logger.warning("recovered %s job(s) of workers that stopped", recovered)
        connection.close()
        stop = threading.Event()
        sweeper = threading.Thread(
            target=_sweep_forever, args=(max(1.0, settings.JOB_LEASE_SECONDS / 2), stop), daemon=True
        )
        sweeper.start()
        try:
            super().handle(**options)
        finally:
            stop.set()
