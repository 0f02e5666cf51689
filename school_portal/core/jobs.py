"""Background jobs a person can watch: any task reports its progress and its result through a :class:`Job` row.

The service that starts slow work calls :func:`job_start`; it creates the Job (who started it, what, for which
school) and enqueues a django-tasks task with ``job_id`` among its arguments. The task wraps its work in
:func:`job_running` and calls :func:`job_progress` as it goes; it ends with :func:`job_succeed` (optionally with a
file or a page to show) or, by raising or calling :func:`job_fail`, failed with a message. The person who started
it follows it at ``/jobs/<id>/`` (the access policy: the starter and centre staff), which links the result.

Why the writes go through a thread in a worker: a task may do its work inside one transaction (a roster import
writes everything or nothing), and progress written on the task's own connection would only show at the commit.
In a ``db_worker`` process a small reporter thread, with its own database connection, writes the latest progress
and a heartbeat; elsewhere (the immediate backend in tests, or a shell) the write is direct.

A worker that dies mid-task (SIGKILL, a lost machine) leaves its job "running" and django-tasks-db's row
RUNNING for ever: the database backend has no lease. :func:`jobs_recover_stale` fills that gap: a job whose
worker is gone (its process has exited, on the same machine, or its heartbeat is older than
``JOB_LEASE_SECONDS``) is enqueued again, up to ``JOB_MAX_ATTEMPTS`` runs in all, then ends failed with a
message. Every ``db_worker`` runs it at start and then periodically, and the job page runs it for the job it
shows, so that nobody watches a bar that never moves. Tasks must therefore be safe to run again.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend
from django_tasks.base import Task

from .models import Job, School, User

logger = logging.getLogger(__name__)

# The identity of this process when it is a worker (set by ``manage.py db_worker``): "host:pid".
_worker_identity: str | None = None
_reporters: dict[int, _Reporter] = {}


class WorkerLost(RuntimeError):
    """Recorded on a task result whose worker died while it ran."""


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def mark_worker_process() -> None:
    """Called once by ``db_worker``: progress goes through reporter threads, and jobs name this process."""
    global _worker_identity
    _worker_identity = worker_identity()


# --- starting -------------------------------------------------------------------------------------------------


def job_start(
    *,
    task: Task,
    kind: str,
    title: str,
    by: User,
    school: School | None = None,
    total: int = 0,
    **task_kwargs: Any,
) -> Job:
    """Create a Job for ``by`` and enqueue ``task(job_id=..., **task_kwargs)`` (JSON-serialisable arguments).

    On the database backend the task row is written in the caller's transaction, so a worker sees it only
    once the Job exists. On the immediate backend the task has run when this returns.
    """
    job = Job.objects.create(
        kind=kind,
        title=title[:200],
        started_by=by,
        school=school,
        total=total,
        language=translation.get_language() or "",
    )
    _enqueue(job, task, task_kwargs)
    job.refresh_from_db()
    return job


def _enqueue(job: Job, task: Task, task_kwargs: dict[str, Any]) -> None:
    # The id is written before the task can run (the immediate backend runs it inside ``enqueue``).
    result = task.enqueue(job_id=job.pk, **task_kwargs)
    Job.objects.filter(pk=job.pk, task_result_id="").update(task_result_id=str(result.id))


# --- inside the task ------------------------------------------------------------------------------------------


class _Reporter(threading.Thread):
    """Writes a running job's latest progress and heartbeat on its own database connection."""

    def __init__(self, job_id: int) -> None:
        super().__init__(name=f"job-{job_id}-reporter", daemon=True)
        self.job_id = job_id
        self.pending: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def report(self, fields: dict[str, Any]) -> None:
        with self.lock:
            self.pending.update(fields)

    def run(self) -> None:
        beat = settings.JOB_HEARTBEAT_SECONDS
        last_beat = 0.0
        try:
            while not self.stopping.wait(min(0.5, beat)):
                now = timezone.now().timestamp()
                with self.lock:
                    due = bool(self.pending) or now - last_beat >= beat
                if due and self._flush():
                    last_beat = now
            self._flush()
        finally:
            connection.close()

    def _flush(self) -> bool:
        with self.lock:
            fields, self.pending = self.pending, {}
        try:
            Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now(), **fields)
        except DatabaseError:  # SQLite busy behind the task's own write transaction: try again next time
            logger.debug("job %s: progress not written yet", self.job_id, exc_info=True)
            with self.lock:
                self.pending = {**fields, **self.pending}
            return False
        return True

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


def _write(job: Job, **fields: Any) -> None:
    reporter = _reporters.get(job.pk)
    for name, value in fields.items():
        setattr(job, name, value)
    if reporter is not None:
        reporter.report(fields)
    else:
        Job.objects.filter(pk=job.pk).update(**fields)


@contextlib.contextmanager
def job_running(job_id: int) -> Iterator[Job | None]:
    """The body of a job's task: marks the job running (one attempt more) and reports while the body runs.

    The body runs in the language of the person who started the job (its messages are for them).

    Yields ``None`` when the job is no longer waiting (a duplicate or late run): the task then does nothing.
    An exception from the body ends the job failed with a general message and is raised again (the task's
    own result records it); a body that returns without :func:`job_succeed` or :func:`job_fail` succeeds.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=_worker_identity or worker_identity(),
        message="",
        # Counted in the claim itself: a worker killed right after claiming has still used an attempt.
        attempts=F("attempts") + 1,
    )
    job = Job.objects.filter(pk=job_id).first() if claimed else None
    if job is None:
        yield None
        return
    if _worker_identity is not None:
        reporter = _reporters[job.pk] = _Reporter(job.pk)
        reporter.start()
    try:
        with translation.override(job.language or None):
            yield job
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        with translation.override(job.language or None):
            job_fail(job=job, message=_("The work stopped because of an error. Please try again later."))
        raise
    else:
        if not job.is_finished:
            job_succeed(job=job)
    finally:
        _stop_reporter(job)


def _stop_reporter(job: Job) -> None:
    reporter = _reporters.pop(job.pk, None)
    if reporter is not None:
        reporter.stop()


def job_progress(*, job: Job, done: int, total: int, message: str = "") -> None:
    """Report ``done`` of ``total`` steps (and what is happening, translated) to whoever watches the job.

    Cheap enough to call for every row: in a worker the last value is written at most twice a second.
    """
    _write(job, done=max(0, done), total=max(0, total), message=message[:300])


def job_succeed(
    *, job: Job, message: str = "", file: bytes | None = None, file_name: str = "", url: str = "", name: str = ""
) -> None:
    """End the job done, offering a download and/or a page (``url``) to the person who started it.

    ``file`` (bytes) is stored privately as ``file_name``; without ``file``, ``file_name`` names a file already in
    the private storage (a cached sheet). ``name`` is the name the download gets (default: the file's).
    """
    _stop_reporter(job)
    if file is not None:
        job.result_file.save(f"{job.pk}/{file_name}", ContentFile(file), save=False)
    elif file_name:
        job.result_file.name = file_name
    _finish(job, Job.Status.SUCCEEDED, message, result_url=url, result_name=name or os.path.basename(file_name))


def job_fail(*, job: Job, message: str) -> None:
    """End the job failed, with a message (translated) that tells the person what to do."""
    _stop_reporter(job)
    _finish(job, Job.Status.FAILED, message)


def _finish(job: Job, status: str, message: str, **fields: Any) -> None:
    job.status = status
    job.message = message[:300]
    job.finished_at = timezone.now()
    if status == Job.Status.SUCCEEDED:
        job.done = max(job.done, job.total)
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()


# --- workers that died ----------------------------------------------------------------------------------------


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def job_is_abandoned(job: Job, now: datetime.datetime | None = None) -> bool:
    """Is the job "running" on a worker that is gone?

    On this machine the process itself answers (a killed worker is seen at once, and a worker busy in a long
    SQLite transaction that cannot write its heartbeat is not mistaken for dead); elsewhere, the heartbeat.
    """
    if job.status != Job.Status.RUNNING:
        return False
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    silent = job.heartbeat_at is None or job.heartbeat_at < now - lease
    host, _, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        # A pid may be reused: a job silent for ten leases is abandoned whatever holds its pid now.
        return not _process_alive(int(pid)) or (job.heartbeat_at or now) < now - 10 * lease
    return silent


def _mark_task_lost(task_result_id: str) -> None:
    """django-tasks-db leaves a dead worker's row RUNNING: record it as failed, with the reason."""
    from django.apps import apps

    if not task_result_id or not apps.is_installed("django_tasks_db"):
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_result_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{__name__}.WorkerLost",
        traceback="The worker running this task stopped (killed or lost) before it finished.",
    )


def _run_again(job: Job) -> bool:
    """Enqueue the job's task again with its arguments; False if the task can no longer be found."""
    try:
        previous = default_task_backend.get_result(job.task_result_id)
    except Exception:  # the immediate backend keeps no results; a result pruned or of a removed task
        return False
    result = previous.task.enqueue(*previous.args, **previous.kwargs)
    job.task_result_id = str(result.id)
    return True


def job_recover(job: Job) -> bool:
    """If ``job``'s worker is gone, run it again or end it failed; True if it did. Safe from several workers.

    ``job`` is a row just read (the job page's, the stale-job sweep's): decided first from it without a lock and
    without another query, since the job page asks on every poll and on SQLite a locking transaction would wait
    for the worker's own (a roster import writes in one). Only an abandoned-looking job is read again, locked."""
    if not job_is_abandoned(job):
        return False
    with transaction.atomic():
        locked = Job.objects.select_for_update(skip_locked=True).filter(pk=job.pk).first()
        if locked is None or not job_is_abandoned(locked):
            return False
        _mark_task_lost(locked.task_result_id)
        locked.heartbeat_at = None
        locked.worker = ""
        retry = locked.attempts < settings.JOB_MAX_ATTEMPTS and _run_again(locked)
        language = translation.override(locked.language or None)
        if retry:
            locked.status = Job.Status.QUEUED
            with language:
                locked.message = _("The worker stopped while working on this; it is being done again.")
            logger.warning("job %s: worker lost, enqueued again (attempt %s)", locked.pk, locked.attempts + 1)
        else:
            locked.status = Job.Status.FAILED
            locked.finished_at = timezone.now()
            with language:
                locked.message = _("The work was interrupted and could not be finished. Please start it again.")
            logger.error("job %s: worker lost, failed after %s attempts", locked.pk, locked.attempts)
        locked.save()
    job.refresh_from_db()
    return True


def jobs_recover_stale() -> int:
    """Recover every job whose worker is gone (``db_worker`` runs this at start and periodically)."""
    recovered = 0
    for job in Job.objects.filter(status=Job.Status.RUNNING).only("pk", "status", "heartbeat_at", "worker"):
        recovered += job_recover(job)
    close_old_connections()
    return recovered
