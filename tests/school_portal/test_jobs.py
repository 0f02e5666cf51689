"""Background jobs as a person meets them (immediate backend) and class sheets kept per roster version.

The same jobs through real worker processes: test_jobs_worker.py.
"""

from __future__ import annotations

import datetime
import logging
import os
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from school_portal.core import services
from school_portal.core.jobs import job_progress, job_recover, job_running, job_start
from school_portal.core.models import Job


@pytest.fixture
def teacher(english_client_as) -> Client:
    return english_client_as("homeroom_teacher")


@pytest.fixture
def renders(caplog) -> list[str]:
    """The PDF templates rendered from here on (``core/pdf.py`` logs each render)."""
    caplog.set_level(logging.INFO, logger="school_portal.core.pdf")

    class Renders(list):
        def __call__(self) -> list[str]:
            return [r.getMessage().split()[1] for r in caplog.records if r.getMessage().startswith("rendered ")]

    return Renders()


CODE = re.compile(rb"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")


def test_a_classs_badges_are_rendered_once_per_roster_version(world, big_class, teacher, renders, add_student):
    url = reverse("core:class_badges_pdf", args=[big_class.pk])
    first = teacher.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert renders() == ["core/pdf/badges.html"]

    again = teacher.get(url)
    assert again.content == first.content
    assert renders() == ["core/pdf/badges.html"]  # not rendered again

    child = big_class.enrollments.order_by("number").first().student
    child.given_name = "改名"
    child.save()
    renamed = teacher.get(url)
    assert renders() == ["core/pdf/badges.html"] * 2
    assert renamed.content != first.content

    add_student(big_class, "big-new", ("新井", "あらい"), ("一郎", "いちろう"), 36)
    teacher.get(url)
    assert len(renders()) == 3


def test_unchanged_letters_come_back_with_the_same_codes_and_a_used_or_new_code_makes_them_anew(
    world, teacher, renders
):
    url = reverse("core:class_invitations_pdf", args=[world.class_group.pk])
    first = teacher.post(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert renders() == ["core/pdf/invitations.html"]
    again = teacher.post(url)
    assert renders() == ["core/pdf/invitations.html"]  # the letters kept for this version, not rendered again
    assert again.content == first.content
    assert world.child.invitations.count() == 1  # and no new code was issued

    services.guardian_invitation_issue(student=world.child)  # a single letter reprinted: the codes changed
    teacher.post(url)
    assert len(renders()) == 2

    world.classmate.is_active = False  # a child has left
    world.classmate.save()
    teacher.post(url)
    assert len(renders()) == 3


def test_a_cancelled_code_makes_the_letters_anew_rather_than_serve_the_cancelled_one(world, teacher, renders):
    url = reverse("core:class_invitations_pdf", args=[world.class_group.pk])
    teacher.post(url)
    invitation = world.child.invitations.get()

    services.guardian_invitation_cancel(invitation=invitation, by=world.users["homeroom_teacher"])
    teacher.post(url)

    assert len(renders()) == 2
    assert world.child.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).count() == 1


def test_letters_kept_for_one_teacher_are_never_handed_to_another(world, teacher, english_client_as, renders):
    url = reverse("core:class_invitations_pdf", args=[world.class_group.pk])
    mine = teacher.post(url)

    admins = english_client_as("school_admin").post(url)

    assert len(renders()) == 2  # letters of the admin's own, not the teacher's kept file with its live codes
    assert admins.content != mine.content
    assert world.child.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).count() == 1


def test_a_job_and_its_file_are_only_for_whoever_started_it_and_centre_staff(world, big_class, client_as):
    starter = client_as("homeroom_teacher")
    starter.get(reverse("core:class_badges_pdf", args=[big_class.pk]))
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED and job.started_by == world.users["homeroom_teacher"]
    page = reverse("core:job_detail", args=[job.pk])
    file = reverse("core:job_file", args=[job.pk])
    for role in ("homeroom_teacher", "centre_staff"):
        client = client_as(role)
        assert client.get(page).status_code == 200, role
        assert client.get(file)["Content-Type"] == "application/pdf", role
    for role in ("school_admin", "other_teacher", "guardian", "student"):
        client = client_as(role)
        assert client.get(page).status_code == 404, role
        assert client.get(file).status_code == 404, role
        assert client.get(reverse("core:job_status", args=[job.pk])).status_code == 404, role
    anonymous = Client().get(page)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert f"/media/{job.result_file.name}" not in str(starter.get(page).content)


@task()
def failing_task(job_id: int) -> None:
    with job_running(job_id) as job:
        job_progress(job=job, done=1, total=3, message="step one")
        raise ValueError("the second step broke")


@task()
def counting_task(job_id: int, steps: int) -> None:
    with job_running(job_id) as job:
        for done in range(1, steps + 1):
            job_progress(job=job, done=done, total=steps, message=f"{done} done")


def test_a_task_that_raises_ends_its_job_failed_with_a_message_not_running(world, english_client_as):
    user = world.users["homeroom_teacher"]
    with translation.override("en"):  # the person who starts it reads English
        job = job_start(task=failing_task, kind="test.failing", title="Fails", by=user)
    assert job.status == Job.Status.FAILED
    assert job.done == 1 and job.total == 3
    page = english_client_as("homeroom_teacher").get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "The work stopped because of an error" in page
    assert 'http-equiv="refresh"' not in page


def test_a_job_page_refreshes_itself_while_the_job_waits_and_shows_its_progress(world, english_client_as):
    job = Job.objects.create(kind="test", title="Waits", started_by=world.users["homeroom_teacher"])
    job.status, job.done, job.total = Job.Status.RUNNING, 3, 12
    job.heartbeat_at, job.worker = timezone.now(), "elsewhere:1"
    job.save()
    client = english_client_as("homeroom_teacher")
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page
    assert '<progress max="100" value="25"' in page and "3 of 12" in page
    assert client.get(reverse("core:job_status", args=[job.pk])).json()["percent"] == 25

    counted = job_start(task=counting_task, kind="test.counting", title="Counts", by=job.started_by, steps=4)
    assert (counted.status, counted.done, counted.total) == (Job.Status.SUCCEEDED, 4, 4)


def test_a_job_whose_worker_on_another_machine_fell_silent_ends_failed_after_its_lease(world, settings):
    settings.JOB_LEASE_SECONDS = 60
    job = Job.objects.create(
        kind="test",
        title="Lost",
        started_by=world.users["homeroom_teacher"],
        status=Job.Status.RUNNING,
        attempts=settings.JOB_MAX_ATTEMPTS,
        worker="another-machine:4242",
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=30),
    )
    assert not job_recover(job)  # within its lease: still working
    assert job.status == Job.Status.RUNNING
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=61))
    job.refresh_from_db()  # as the job page's next poll reads it
    assert job_recover(job)
    assert job.status == Job.Status.FAILED
    assert job.message and job.finished_at


def test_finished_jobs_and_their_files_go_after_the_retention_period_but_running_ones_stay(
    world, big_class, client_as, settings
):
    from school_portal.core.retention import prune_jobs

    client_as("homeroom_teacher").post(reverse("core:class_invitations_pdf", args=[big_class.pk]))
    done = Job.objects.get()
    path = done.result_file.path
    running = Job.objects.create(kind="test", title="Runs", status=Job.Status.RUNNING)
    week_ago = timezone.now() - datetime.timedelta(days=8)
    Job.objects.update(created_at=week_ago)
    os.utime(path, (week_ago.timestamp(), week_ago.timestamp()))

    assert prune_jobs(7) >= 2  # the job and its sheet (the letters carry one-time codes)
    assert list(Job.objects.all()) == [running]
    assert not os.path.exists(path)
