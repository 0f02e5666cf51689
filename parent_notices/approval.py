"""The head teacher's approval workflow, present whenever the database is.

Migration 0002 makes it; a database emptied and refilled without migrations (a test run's flush between
transactional tests, ``manage.py flush``) emits ``post_migrate`` only, so the same idempotent step runs there too,
as Django does for permissions: a notice submitted afterwards still waits for the head teacher.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.contrib.contenttypes.models import ContentType

WORKFLOW_NAME = "お知らせの承認"
TASK_NAME = "校長の承認"


def approval_workflow_ensure(**kwargs: Any) -> None:
    """Make the notices' approval workflow (one task: the head teacher's) unless it exists; safe to run again."""
    from wagtail.models import Workflow, WorkflowContentType, WorkflowTask

    from .models import HeadTeacherApprovalTask, Notice

    notice_type = ContentType.objects.get_for_model(Notice)
    if WorkflowContentType.objects.filter(content_type=notice_type).exists():
        return
    task = HeadTeacherApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = HeadTeacherApprovalTask.objects.create(name=TASK_NAME, active=True)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowContentType.objects.get_or_create(content_type=notice_type, defaults={"workflow": workflow})


def on_post_migrate(sender: AppConfig, **kwargs: Any) -> None:
    approval_workflow_ensure()
