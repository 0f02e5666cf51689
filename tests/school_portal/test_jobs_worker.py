"""Background jobs through real ``manage.py db_worker`` processes (django-tasks-db), as production runs them.

The web side is this test's client on the database backend: a request only queues the work and answers at once
with the job's page; a worker process claims the task, and the person sees its progress on the job's page (its
JSON, which the page's refresh shows) until it links the finished file. A worker killed with SIGKILL mid-task
leaves no job "running": the next worker runs it again, or ends it failed with a message.

The workers share this test's database: on PostgreSQL the test database itself (the test is transactional, so
what it writes is committed); on the embedded SQLite, a file copy of the in-memory test database, which this
test's own connection then uses too.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from school_portal.core.models import GuardianInvitation, Job, RosterImport, Student
from school_portal.core.testing.world import World

from .test_roster_import import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120  # seconds: a loaded two-core machine starts Django slowly


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A database URL that worker processes and this test's connection both use (see the module's docstring)."""
    connection.ensure_connection()
    if connection.vendor != "sqlite":
        db = connection.settings_dict
        credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        yield f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        return
    copy = tmp_path / "shared.sqlite3"
    target = sqlite3.connect(copy)
    connection.connection.backup(target)
    target.close()
    in_memory, name = connection.connection, connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(copy)
    try:
        yield f"sqlite:///{copy}"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = in_memory


@pytest.fixture
def database_backend(settings, shared_database):
    """This process queues tasks in the database (the test run's default is the immediate backend)."""
    settings.TASKS = {"default": django_settings.TASK_BACKENDS["database"]}
    return shared_database


@pytest.fixture
def start_worker(database_backend: str, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen]]:
    """``start_worker()`` starts one ``manage.py db_worker`` process on the shared database."""
    processes: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school_portal.settings.test",
        "DATABASE_URL": database_backend,
        "TASKS_BACKEND": "database",
        "PORTAL_PRIVATE_ROOT": str(django_settings.PRIVATE_ROOT),
        "JOB_HEARTBEAT_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }

    def start() -> subprocess.Popen:
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        command = [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    for log in sorted(tmp_path.glob("worker-*.log")):
        print(log.name, log.read_text(errors="replace")[-3000:])  # shown when the test fails


def watch(client: Client, job_id: int, until: Callable[[dict], bool], *, every: float = 0.05) -> list[dict]:
    """Poll the job's JSON as its page does, until ``until(state)``; returns every state seen."""
    seen: list[dict] = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        response = client.get(reverse("core:job_status", args=[job_id]))
        assert response.status_code == 200
        state = response.json()
        if not seen or state != seen[-1]:
            seen.append(state)
        if until(state):
            return seen
        time.sleep(every)
    pytest.fail(f"job {job_id} did not get there in {WAIT} s; seen: {seen[-5:]}")


def finished(state: dict) -> bool:
    return state["finished"]


def job_of(response) -> int:
    assert response.status_code in (302, 303)
    location = response["Location"]
    assert location.startswith("/jobs/"), location
    return int(location.split("/")[2])


def roster_rows(count: int) -> list[list[str]]:
    return [
        # Four classes, each child with their own attendance number in their class (a repeated one is refused).
        [f"w-{n:05d}", "山田", f"太郎{n}", "やまだ", "たろう", "5", str(1 + n % 4), str(1 + n // 4)]
        for n in range(count)
    ]


def upload(client: Client, world: World, data: bytes):
    return client.post(
        reverse("roster_imports:upload"),
        {"kind": "csv", "school": world.school.pk, "file": ContentFile(data, name="meibo.csv")},
    )


def test_a_roster_import_runs_in_a_worker_while_the_uploader_watches_its_progress(world, client_as, start_worker):
    admin = client_as("school_admin")
    response = upload(admin, world, csv_bytes(roster_rows(1500)))
    job_id = job_of(response)
    page = admin.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page  # it waits for a worker, and says so
    assert Job.objects.get(pk=job_id).status == Job.Status.QUEUED

    start_worker()
    seen = watch(admin, job_id, finished)

    final = seen[-1]
    assert final["status"] == "succeeded", final
    assert final["result_url"] == reverse("roster_imports:detail", args=[RosterImport.objects.get().pk])
    assert Student.objects.filter(sourced_id__startswith="w-").count() == 1500
    running = [state for state in seen if state["status"] == "running"]
    assert running and all(state["total"] == 1500 for state in running if state["total"])
    if connection.vendor == "postgresql":
        # The import writes everything in one transaction; its progress shows while that transaction is open.
        assert any(0 < state["done"] < 1500 for state in running), seen
    page = admin.get(reverse("core:job_detail", args=[job_id])).content.decode()
    assert 'http-equiv="refresh"' not in page and final["result_url"] in page


@pytest.fixture
def teacher(english_client_as) -> Client:
    return english_client_as("homeroom_teacher")


def test_a_classs_letters_are_made_by_a_worker_and_the_finished_file_is_linked(
    big_class, teacher, client_as, start_worker
):
    response = teacher.post(reverse("core:class_invitations_pdf", args=[big_class.pk]))
    job_id = job_of(response)
    assert not GuardianInvitation.objects.exists()  # nothing is done in the request

    start_worker()
    seen = watch(teacher, job_id, finished)

    final = seen[-1]
    assert final["status"] == "succeeded", final
    assert any(state["status"] == "running" and 0 < state["done"] < state["total"] for state in seen), seen
    page = teacher.get(reverse("core:job_detail", args=[job_id])).content.decode()
    assert final["file_url"] in page
    pdf = teacher.get(final["file_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 35
    assert GuardianInvitation.objects.filter(used_at__isnull=True).count() == 35
    # The file is the starter's: the school's administrator gets nothing, not even the job's existence.
    other = client_as("school_admin")
    assert other.get(final["file_url"]).status_code == 404
    assert other.get(reverse("core:job_detail", args=[job_id])).status_code == 404


def _kill_when(client: Client, job_id: int, worker: subprocess.Popen, ready: Callable[[dict], bool]) -> None:
    """SIGKILL the worker (no clean-up of any kind) as soon as ``ready(state)`` while the job runs."""
    watch(client, job_id, lambda state: state["finished"] or ready(state), every=0.02)
    assert Job.objects.get(pk=job_id).status == Job.Status.RUNNING, "the job ended before the worker was killed"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def test_letters_whose_worker_is_killed_mid_way_are_made_again_by_the_next_worker(big_class, teacher, start_worker):
    job_id = job_of(teacher.post(reverse("core:class_invitations_pdf", args=[big_class.pk])))
    worker = start_worker()
    _kill_when(teacher, job_id, worker, lambda state: state["status"] == "running")

    job = Job.objects.get(pk=job_id)
    first_task = job.task_result_id
    assert job.status == Job.Status.RUNNING  # what a dead worker leaves behind ...
    start_worker()  # ... until the next worker starts and finds its process gone
    seen = watch(teacher, job_id, finished)

    assert seen[-1]["status"] == "succeeded", seen
    job.refresh_from_db()
    assert job.attempts == 2
    lost = DBTaskResult.objects.get(id=first_task)
    assert lost.status == TaskResultStatus.FAILED and lost.exception_class_path.endswith("WorkerLost")
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    assert teacher.get(seen[-1]["file_url"]).status_code == 200


def test_an_import_whose_worker_is_killed_ends_failed_with_a_message_and_changes_nothing(
    world, client_as, start_worker, settings
):
    world.users["school_admin"].preferred_language = "en"
    world.users["school_admin"].save(update_fields=["preferred_language"])
    admin = client_as("school_admin")
    job_id = job_of(upload(admin, world, csv_bytes(roster_rows(3000))))
    worker = start_worker()

    def importing(state: dict) -> bool:
        # Once the import has begun (before that, running it again is all there is to do), well into it.
        if RosterImport.objects.get().status != RosterImport.Status.RUNNING:
            return False
        time.sleep(0.5)
        return True

    _kill_when(admin, job_id, worker, importing)

    start_worker()
    seen = watch(admin, job_id, finished)

    final = seen[-1]
    assert final["status"] == "failed"
    assert "interrupted" in final["message"], final
    roster_import = RosterImport.objects.get()
    assert roster_import.status == RosterImport.Status.REJECTED and not roster_import.file
    assert not Student.objects.filter(sourced_id__startswith="w-").exists()
    assert not list(Path(settings.PRIVATE_ROOT, "roster-imports").glob("*"))  # the personal data is gone
