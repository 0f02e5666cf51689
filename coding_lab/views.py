"""The lab's pages: thin, asking the access policy, reading through selectors and writing through services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from school_portal.core.access import capability_required, policy
from school_portal.core.exports import table_response
from school_portal.core.models import ClassGroup, Student
from school_portal.core.services import PortalError

from . import exports, selectors, services
from .blockset import DEFAULT_TOOLBOX, SANDBOX
from .evaluator.jsonparse import JSONLimitError, parse
from .json_endpoints import BadRequest, json_errors
from .messages import lab_texts, outcome_message
from .models import Challenge, Course, Project, ProjectVersion, Result, Showcase


@capability_required("coding_lab.use")
def index(request: HttpRequest) -> HttpResponse:
    actor = policy.actor(request)
    return render(
        request,
        "coding_lab/index.html",
        {
            "courses": selectors.courses_for(actor),
            "classes": list(selectors.taught_classes(actor)),
            "is_student": actor.student_id is not None,
            "may_author": policy.can(request, "coding_lab.author"),
        },
    )


@capability_required("coding_lab.use")
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = policy.actor(request)
    course = policy.get_or_404(request, "view", Course.objects.all(), pk=pk)
    return render(request, "coding_lab/course.html", {"course": course, "steps": selectors.course_steps(actor, course)})


def _script_mode(request: HttpRequest) -> str:
    """Japanese with kanji, hiragana only (grades 1-3 by default; the page can switch), or English."""
    if get_language() != "ja":
        return "en"
    asked = request.GET.get("script")
    if asked in ("kanji", "hira"):
        return asked
    actor = policy.actor(request)
    if actor.student_id is not None:
        grades = ClassGroup.objects.filter(pk__in=actor.own_class_ids).values_list("grade", flat=True)
        if any(grade <= 3 for grade in grades):
            return "hira"
    return "kanji"


def _lab_config(
    *, challenge: Challenge | None, project: Project | None, read_only: bool, source: str = ""
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "stage": challenge.stage_type if challenge else SANDBOX,
        "toolbox": challenge.toolbox_types if challenge else DEFAULT_TOOLBOX[SANDBOX],
        "readOnly": read_only,
        "source": source,
    }
    if challenge:
        config.update(
            maze=challenge.maze_rows,
            startDirection=challenge.start_direction,
            target=challenge.target,
            textCases=challenge.text_cases,
            budget=challenge.block_budget,
            required=challenge.required_blocks,
        )
    if project and not read_only:
        config.update(
            saveUrl=reverse("coding_lab:save", args=[project.pk]),
            versionsUrl=reverse("coding_lab:versions", args=[project.pk]),
            projectId=project.pk,
            revision=project.revision,
            result=project.result,
            resultMessage=outcome_message(project.result, project.message) if project.result else "",
        )
    return config


def _lab(request: HttpRequest, *, challenge: Challenge | None, config: dict[str, Any], **extra: Any) -> HttpResponse:
    mode = _script_mode(request)
    return render(
        request,
        "coding_lab/lab.html",
        {"challenge": challenge, "config": config, "script_mode": mode, "texts": lab_texts(mode), **extra},
    )


@capability_required("coding_lab.use")
def challenge_lab(request: HttpRequest, pk: int) -> HttpResponse:
    actor = policy.actor(request)
    challenge = policy.get_or_404(request, "view", Challenge.objects.all(), pk=pk)
    project = None
    source = challenge.starter
    if actor.student_id is not None:
        if not selectors.challenge_open_for(actor, challenge):
            return render(request, "coding_lab/locked.html", {"challenge": challenge}, status=403)
        project = services.project_open(student=_student(actor), challenge=challenge)
        source = project.source
    config = _lab_config(challenge=challenge, project=project, read_only=False, source=source)
    return _lab(
        request,
        challenge=challenge,
        config=config,
        project=project,
        showcases=selectors.showcases_for(actor, challenge),
    )


def _student(actor: Any) -> Student:
    return Student.objects.get(pk=actor.student_id)


@capability_required("coding_lab.sandbox")
def sandbox(request: HttpRequest) -> HttpResponse:
    project = services.project_open(student=_student(policy.actor(request)), challenge=None)
    config = _lab_config(challenge=None, project=project, read_only=False, source=project.source)
    return _lab(request, challenge=None, config=config, project=project)


def _read_body(request: HttpRequest) -> dict[str, Any]:
    limit = getattr(settings, "CODING_LAB_MAX_BODY_BYTES", 1_100_000)
    if int(request.headers.get("Content-Length") or 0) > limit or len(request.body) > limit:
        raise BadRequest(_("This program is too large to save (at most 1 MB)."))
    if request.content_type != "application/json":  # a plain form post (no script): the same field
        source = request.POST.get("source")
        if not isinstance(source, str):
            raise BadRequest(_("The program could not be read."))
        return {"source": source}
    try:
        data = parse(request.body.decode("utf-8"), max_chars=limit, max_depth=4, max_nodes=100)
    except (JSONLimitError, UnicodeDecodeError) as error:
        raise BadRequest(_("The program could not be read.")) from error
    if not isinstance(data, dict) or not isinstance(data.get("source"), str):
        raise BadRequest(_("The program could not be read."))
    return data


@json_errors
@require_POST
def save(request: HttpRequest, pk: int) -> HttpResponse:
    project = policy.get_or_404(request, "work", Project.objects.select_related("challenge"), pk=pk)
    data = _read_body(request)  # a "result" the tablet may send is not read: the server checks the program
    saved = services.project_save(project=project, source=data["source"], by=request)
    return JsonResponse(
        {
            "revision": saved.project.revision,
            "result": saved.result,
            "message": saved.message,
            "blocks": saved.project.block_count,
            "solved": saved.project.is_solved,
        }
    )


@json_errors
@require_GET
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    project = policy.get_or_404(request, "work", Project.objects.all(), pk=pk)
    revision = request.GET.get("revision")
    if revision:
        version = ProjectVersion.objects.filter(project=project, revision=int(revision) if revision.isdigit() else -1)
        found = version.values("revision", "source").first()
        if found is None:
            raise Http404
        return JsonResponse(found)
    rows = ProjectVersion.objects.filter(project=project).values("revision", "saved_at", "result")[:50]
    return JsonResponse(
        {
            "versions": [
                {
                    **row,
                    "saved_at": row["saved_at"].isoformat(),
                    "restore_url": reverse("coding_lab:restore", args=[project.pk, row["revision"]]),
                }
                for row in rows
            ]
        }
    )


@json_errors
@require_POST
def restore(request: HttpRequest, pk: int, revision: int) -> HttpResponse:
    project = policy.get_or_404(request, "work", Project.objects.select_related("challenge"), pk=pk)
    saved = services.project_restore(project=project, revision=revision, by=request)
    return JsonResponse(
        {
            "revision": saved.project.revision,
            "result": saved.result,
            "message": saved.message,
            "source": saved.project.source,
        }
    )


@capability_required("coding_lab.use")
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A child's program, read-only (the child, their teachers)."""
    project = policy.get_or_404(request, "view", Project.objects.select_related("challenge", "student"), pk=pk)
    config = _lab_config(challenge=project.challenge, project=None, read_only=True, source=project.source)
    return _lab(request, challenge=project.challenge, config=config, viewed_project=project)


@capability_required("coding_lab.use")
def showcase_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The solution the teacher shows to the class, read-only, without the child's name."""
    showcase = policy.get_or_404(request, "view", Showcase.objects.select_related("project", "challenge"), pk=pk)
    config = _lab_config(challenge=showcase.challenge, project=None, read_only=True, source=showcase.project.source)
    return _lab(request, challenge=showcase.challenge, config=config, showcase=showcase)


@capability_required("coding_lab.use")
def class_grid(request: HttpRequest, class_id: int, course_id: int) -> HttpResponse:
    class_group = policy.get_or_404(request, "coding_lab.follow", ClassGroup.objects.all(), pk=class_id)
    course = policy.get_or_404(request, "view", Course.objects.all(), pk=course_id)
    grid = selectors.class_grid(class_group, course)
    return render(
        request,
        "coding_lab/class_grid.html",
        {"grid": grid, "courses": selectors.courses_for(policy.actor(request)), "labels": dict(_result_labels())},
    )


def _result_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Result.choices]


@capability_required("coding_lab.use")
def class_export(request: HttpRequest, class_id: int, course_id: int, fmt: str) -> HttpResponse:
    class_group = policy.get_or_404(request, "coding_lab.follow", ClassGroup.objects.all(), pk=class_id)
    course = policy.get_or_404(request, "view", Course.objects.all(), pk=course_id)
    header, rows = exports.grid_table(selectors.class_grid(class_group, course))
    return table_response(header, rows, filename=f"coding-{class_group.pk}-{course.pk}", fmt=fmt)


@require_POST
@capability_required("coding_lab.use")
def showcase_set(request: HttpRequest, class_id: int, project_id: int) -> HttpResponse:
    class_group = policy.get_or_404(request, "coding_lab.follow", ClassGroup.objects.all(), pk=class_id)
    project = policy.get_or_404(request, "view", Project.objects.select_related("student"), pk=project_id)
    try:
        services.showcase_set(class_group=class_group, project=project, by=request)
    except PortalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The solution is shown to the class."))
    course = request.POST.get("course", "")
    if course.isdigit():
        return redirect("coding_lab:class_grid", class_group.pk, int(course))
    return redirect("coding_lab:index")
