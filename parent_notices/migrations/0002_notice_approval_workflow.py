"""The head teacher's approval: a Wagtail workflow of one task, assigned to notices."""

from django.db import migrations


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    Task = apps.get_model("parent_notices", "HeadTeacherApprovalTask")
    notice_type, _ = ContentType.objects.get_or_create(app_label="parent_notices", model="notice")
    task_type, _ = ContentType.objects.get_or_create(app_label="parent_notices", model="headteacherapprovaltask")
    task, _ = Task.objects.get_or_create(name="校長の承認", defaults={"content_type": task_type, "active": True})
    workflow, _ = Workflow.objects.get_or_create(name="お知らせの承認", defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowContentType.objects.get_or_create(content_type=notice_type, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("parent_notices", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_workflow, migrations.RunPython.noop)]
