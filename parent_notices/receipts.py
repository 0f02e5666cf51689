"""Read receipts of the storm morning: written behind the request, in batches, by one thread of each process.

On a typhoon morning nearly every request for the emergency notice is a family's first read. Written in the
request, each receipt was an ``INSERT`` and a commit of its own in PostgreSQL and a trip to Redis to draw the
family's inbox afresh: a quarter of the request's CPU, and most of the database's (docs/benchmarks.md, issue 13).
So a request only queues the receipt (:func:`read_record`), and a thread of the process writes what was queued
every ``PARENT_NOTICES_RECEIPTS_BEHIND_SECONDS`` (0.1 s by default) in one statement (``bulk_create``, a
receipt already there left as it is), replaces the families' inbox tokens in one trip to the cache, and tells the
board's tally once per ``TICK_SECONDS``. With the setting at 0 the request writes its receipt itself, the same
way (the test settings: a test's transaction holds the data the receipt points at).

What a queued receipt can and cannot lose:

- A receipt whose family or notice was deleted before it was written is dropped alone: the batch is written again
  a row at a time, and the others are kept.
- The database unreachable: the rows stay queued, tried again with a growing pause (up to 30 s). The queue holds
  at most ``QUEUE_LIMIT`` rows; beyond that a request writes its own receipt (slower, never lost).
- The process stopping (a deploy, granian replacing a worker for its age or memory, gunicorn's ``max_requests``,
  Ctrl-C): what is queued is written before it exits (``atexit``, and multiprocessing's exit for a worker it
  started, as granian's are; waiting up to ``STOP_SECONDS``); the board's tally is not told then (the channel
  layer's thread pools are already shut down), it hears of them from the next process's reads. A process killed
  outright (``SIGKILL``, a worker timeout, the machine failing), or stopping while the database is unreachable,
  loses what it had queued: normally the last ``BEHIND_SECONDS``, more if the database was away. Those families
  are then counted as not having read it and get the school's reminder (``delivery``), nothing worse; the log
  says how many.
- A family that opens its inbox within ``BEHIND_SECONDS`` of the notice may still see it as unread, once. Every
  receipt written draws its family's inbox afresh (a repeat visit that another process served writes nothing new
  but draws it once more: the statement cannot tell first reads apart).
- The setting is a Django setting (a settings module), like the plug-in's others, not read from the environment.

A process remembers the receipts it queued or wrote (``RECORDED_LIMIT`` of them, one int each), so a family opening
the notice again (from the push, the inbox, to look for a correction) costs nothing here.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import multiprocessing.util
import os
import threading
import time

from django.conf import settings
from django.db import IntegrityError, close_old_connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from school_portal.core.realtime import notify_group

from . import inbox_cache
from .consumers import notice_group
from .models import NoticeRead

logger = logging.getLogger(__name__)

BEHIND_SECONDS = 0.1
TICK_SECONDS = 2.0
QUEUE_LIMIT = 100_000
RECORDED_LIMIT = 200_000  # (notice, family) receipts remembered per process, as one int each: ~15 MB at most
RETRY_SECONDS_MAX = 30.0
STOP_SECONDS = 10.0

Row = tuple[int, int, datetime.datetime]  # notice id, guardian id, when it was read

_lock = threading.Lock()
_wake = threading.Event()  # the writer's sleep, cut short when the process stops
_pending: list[Row] = []
_recorded: set[int] = set()  # notice id << 32 | guardian id
_ticks: dict[int, float] = {}
_writer: threading.Thread | None = None
_writer_pid = 0
_stopping = False


def behind_seconds() -> float:
    """How long a receipt may wait to be written; 0: the request writes it."""
    return float(getattr(settings, "PARENT_NOTICES_RECEIPTS_BEHIND_SECONDS", BEHIND_SECONDS))


def read_record(*, notice_id: int, guardian_id: int) -> None:
    """The family ``guardian_id`` opened the notice ``notice_id``: its receipt, queued (or written at once, see the
    module's docstring); nothing when this process has seen it before."""
    pair = notice_id << 32 | guardian_id
    if pair in _recorded:
        return
    row = (notice_id, guardian_id, timezone.now())
    if behind_seconds() > 0:
        with _lock:
            if len(_pending) < QUEUE_LIMIT and not _stopping:
                _pending.append(row)
                _remember_locked(pair)
                _writer_start_locked()
                return
    receipts_write([row])
    transaction.on_commit(lambda: _remember(pair), using=router.db_for_write(NoticeRead))  # at once in autocommit


def _remember(pair: int) -> None:
    with _lock:
        _remember_locked(pair)


def receipts_write(rows: list[Row]) -> None:
    """Write ``rows`` (a receipt already there is left as it is), then draw those families' inboxes afresh and tell
    the board's tally. A row whose notice or family is gone is dropped; any other database error is raised with
    nothing written. What follows the write is best effort: a failure there is logged, the receipts stay."""
    written = _insert(rows)
    if not written:
        return
    try:
        inbox_cache.reads_changed(*{guardian_id for _, guardian_id in written})
        for notice_id in {notice_id for notice_id, _ in written}:
            _tally_tell(notice_id)
    except Exception:  # the cache (tolerant of Redis away already) or the channel layer: never the receipts
        logger.exception("%d read receipts written; their families' inboxes or the tally not told", len(written))


def _insert(rows: list[Row]) -> list[tuple[int, int]]:
    """The rows written (or already there), as (notice id, guardian id); those whose notice or family is gone left
    out."""
    receipts = [NoticeRead(notice_id=n, guardian_id=g, read_at=at) for n, g, at in rows]
    alias = router.db_for_write(NoticeRead)

    def insert(some: list[NoticeRead]) -> None:
        with transaction.atomic(using=alias):  # PostgreSQL checks the foreign keys when this commits
            NoticeRead.objects.using(alias).bulk_create(some, ignore_conflicts=True)

    try:
        insert(receipts)
    except IntegrityError:  # a family or notice deleted since: the others are written one by one
        kept = []
        for receipt in receipts:
            try:
                insert([receipt])
            except IntegrityError:
                logger.info("receipt of notice %s by guardian %s dropped: gone", receipt.notice_id, receipt.guardian_id)
            else:
                kept.append(receipt)
        receipts = kept
    return [(receipt.notice_id, receipt.guardian_id) for receipt in receipts]


def _tally_tell(notice_id: int) -> None:
    """The board's live tally is refreshed at most once per ``TICK_SECONDS`` by this process, not once per read: at
    a thousand reads a second a message per read would flood the channel layer and the board's browsers."""
    now = time.monotonic()
    with _lock:
        if _stopping or now - _ticks.get(notice_id, -TICK_SECONDS) < TICK_SECONDS:
            return  # (a process stopping cannot reach the channel layer: its thread pools are shut down)
        _ticks[notice_id] = now
    notify_group(
        group=notice_group(notice_id),
        event={"kind": "parent_notices.read", "message": _("Families are reading it."), "refresh": True},
    )


def _remember_locked(pair: int) -> None:
    if len(_recorded) >= RECORDED_LIMIT:  # a new storm's families, not the last one's
        _recorded.clear()
    _recorded.add(pair)


def _writer_start_locked() -> None:
    """The process's writer thread, started by the first receipt queued in this process (a forked server worker
    starts its own: a thread does not survive ``fork``)."""
    global _writer, _writer_pid
    if _writer is not None and _writer_pid == os.getpid() and _writer.is_alive():
        return
    _writer_pid = os.getpid()
    _wake.clear()  # a flush with no writer alive set it
    _writer = threading.Thread(target=_write_queued, name="parent-notices-receipts", daemon=True)
    _writer.start()


def _write_queued() -> None:
    """The writer thread: every ``behind_seconds()`` what was queued, in one batch; on a database error the batch
    goes back to the front of the queue and is tried again after a growing pause. Ends when the process stops,
    with the queue written."""
    pause = 0.0
    while True:
        if not _stopping:
            _wake.wait(pause or behind_seconds())
            _wake.clear()
        with _lock:
            if not _pending and _stopping:
                return
            batch = _pending[:]
            _pending.clear()
        if not batch:
            continue
        try:
            receipts_write(batch)
            pause = 0.0
        except Exception:  # the database away, a connection lost: the batch is kept for the next try
            logger.exception("%d read receipts not written (again later, unless the process stops)", len(batch))
            with _lock:
                _pending[:0] = batch
            pause = min(RETRY_SECONDS_MAX, max(1.0, pause * 2))
            if _stopping:
                return  # the process is going: the error is logged with how many receipts it held
        finally:
            close_old_connections()  # as after a request: back to the pool, or closed


def receipts_flush() -> None:
    """What is queued, written now (the process is stopping, or a test wants it written): the writer thread is
    asked to finish and waited for, up to ``STOP_SECONDS``."""
    global _stopping
    with _lock:
        writer = _writer if _writer_pid == os.getpid() else None
        _stopping = True
    _wake.set()
    try:
        if writer is not None and writer.is_alive():
            writer.join(STOP_SECONDS)
        with _lock:
            left = [] if writer is not None and writer.is_alive() else _pending[:]
            del _pending[: len(left)]
        if left:  # no writer ran (or it ended on an error): written here, or logged with how many
            try:
                receipts_write(left)
            except Exception:
                logger.exception("%d read receipts lost: the process stops and they cannot be written", len(left))
    finally:
        with _lock:
            _stopping = False


_flushed_at_exit_by: int | None = None  # the process whose exit flushed already


def _flush_at_exit() -> None:
    """:func:`receipts_flush` once as the process ends, however it ends: from ``atexit``, and from multiprocessing's
    exit for a worker it started (granian's, docs/operations.md), which ends with ``os._exit`` after running its own
    finalizers but not ``atexit``'s. The finalizer alone would not do: multiprocessing skips it in a process
    forked after this module was imported (gunicorn's ``--preload``), where ``atexit``'s handler still runs. A
    process that runs both (multiprocessing's run from ``atexit``) flushes once: the second call does nothing, so a
    writer stuck on the database is waited for ``STOP_SECONDS`` once, not twice."""
    global _flushed_at_exit_by
    if _flushed_at_exit_by == os.getpid():
        return
    _flushed_at_exit_by = os.getpid()
    receipts_flush()


atexit.register(_flush_at_exit)
multiprocessing.util.Finalize(None, _flush_at_exit, exitpriority=10)


def receipts_reset() -> None:
    """Forget the receipts remembered and when the tally was last told (tests)."""
    with _lock:
        _recorded.clear()
        _ticks.clear()
