"""The families' side (inbox, a notice, replies, attachments, absence reports, the language for notices) and the
staff's list of their notices. Thin: the policy, the selectors and the services decide."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from school_portal.core.access import capability_required, policy
from school_portal.core.models import Student
from school_portal.core.services import PortalError

from . import inbox_cache, selectors, services, storm, views_emergency
from .forms import AbsenceForm, LanguageForm
from .models import AbsenceReport, Notice


@capability_required("parent_notices.use")
def index(request: HttpRequest) -> HttpResponse:
    actor = policy.actor(request)
    context: dict = {"is_guardian": actor.guardian_id is not None}
    if actor.guardian_id is not None:
        language = selectors.family_language(request.user)

        def draw() -> tuple[str, datetime.datetime | None]:
            notices = selectors.inbox(request.user, language=language)
            html = render_to_string("parent_notices/includes/inbox_list.html", {"notices": notices})
            return html, min((n.expire_at for n in notices if n.expire_at), default=None)

        context.update(
            inbox_html=mark_safe(  # noqa: S308 - our template's output, stored as drawn
                inbox_cache.inbox_html(request.user, guardian_id=actor.guardian_id, language=language, draw=draw)
            ),
            language_form=LanguageForm(initial={"language": language}),
        )
    if policy.can(request, "parent_notices.write"):
        context["staff_notices"] = selectors.staff_notices(request.user)
        context["homerooms"] = sorted(actor.homeroom_class_ids)
        context["schools"] = sorted(actor.teacher_school_ids)
    context["is_board"] = policy.can(request, "parent_notices.emergency")
    return render(request, "parent_notices/index.html", context)


def _viewable(request: HttpRequest, pk: int) -> Notice:
    """The original notice (default locale): reads and replies belong to it; its translations are shown in it."""
    originals = Notice.objects.filter(locale__language_code=settings.LANGUAGE_CODE)
    return policy.get_or_404(request, "view", originals.select_related("school", "locale"), pk=pk)


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    hot = storm.hot_notice(pk)
    if hot is not None:  # the storm morning's path: no audience subqueries, the article from the cache
        if not policy.allows(request, "view", hot):
            raise Http404
        return views_emergency.notice_page(request, hot)
    original = _viewable(request, pk)
    services.notice_read_mark(notice=original, by=request.user)
    language = selectors.family_language(request.user)
    shown = selectors.notice_in_language(original, language) or original
    missing_translation = shown is original and language != original.locale.language_code
    children = selectors.family_children_for(original, request.user)
    replies = selectors.family_replies(original, request.user)
    # A translation keeps the reply forms' block ids (Wagtail copies the StreamField): its questions are shown.
    questions = {b.id: b.value["question"] for b in shown.reply_blocks()} if shown is not original else {}
    forms = []
    for block in original.reply_blocks():
        forms.append(
            {
                "block": block,
                "question": questions.get(block.id) or block.value["question"],
                "question_lang": shown.locale.language_code if block.id in questions else original.locale.language_code,
                "choices": services.reply_choice_labels(block.value),
                "children": [{"enrollment": e, "reply": replies.get((block.id, e.student_id))} for e in children],
            }
        )
    return render(
        request,
        "parent_notices/notice.html",
        {
            "notice": original,
            "shown": shown,
            "missing_translation": missing_translation,
            "language": language,
            "reply_forms": forms,
            "replies_open": original.replies_open(),
            "can_manage": policy.allows(request, "manage", original),
        },
    )


def _one(values: list[str]) -> str:
    """A reply has exactly one answer: two values for it (a forged form) count as none."""
    return values[0] if len(values) == 1 else ""


@require_POST
@login_required
def reply(request: HttpRequest, pk: int, block_id: str) -> HttpResponse:
    original = _viewable(request, pk)
    try:
        student_id = int(request.POST.get("student", ""))
    except ValueError:
        student_id = 0
    try:
        services.notice_reply_save(
            notice=original,
            by=request.user,
            block_id=block_id,
            student_id=student_id,
            choice=_one(request.POST.getlist("choice")),
            comment=request.POST.get("comment", ""),
        )
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your reply has been saved. You can change it until the deadline."))
    return redirect(reverse("parent_notices:notice", args=[original.pk]) + f"#reply-{block_id}")


@login_required
def attachment(request: HttpRequest, pk: int, block_id: str) -> HttpResponse:
    """A notice's attachment, to whoever may see the notice (never Wagtail's public document URL)."""
    original = _viewable(request, pk)
    shown = selectors.notice_in_language(original, selectors.family_language(request.user)) or original
    for candidate in (shown, original):
        for block in candidate.body:
            if block.block_type == "attachment" and block.id == block_id:
                document = block.value["document"]
                if document is None:
                    raise Http404
                response = FileResponse(
                    document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1]
                )
                response["Cache-Control"] = "private, no-store"
                return response
    raise Http404


@require_POST
@capability_required("parent_notices.report_absence")
def language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        services.family_language_set(by=request.user, language=form.cleaned_data["language"])
        messages.success(request, _("Notices will be shown in the language you chose when the school has it."))
    else:
        messages.error(request, _("Choose one of the languages offered."))
    return redirect("parent_notices:index")


@capability_required("parent_notices.report_absence")
def absence(request: HttpRequest) -> HttpResponse:
    children_ids = policy.actor(request).children_ids
    children = [
        (s.pk, f"{s.family_name} {s.given_name}")
        for s in Student.objects.filter(pk__in=children_ids, is_active=True).order_by("pk")
    ]
    form = AbsenceForm(request.POST or None, children=children)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.absence_report(
                by=request.user,
                student_id=data["student"],
                date=data["date"],
                kind=data["kind"],
                reason=data["reason"],
                temperature=data["temperature"],
                time=data["time"],
                note=data["note"],
            )
        except PortalError as exc:
            form.add_error(None, str(exc))
        else:
            if report.after_cutoff:
                messages.warning(
                    request, _("Received after the school's cutoff time: the school has it, but please also call.")
                )
            else:
                messages.success(request, _("The school has your report."))
            return redirect("parent_notices:absence")
    recent = (
        AbsenceReport.objects.filter(student_id__in=children_ids, date__gte=timezone.localdate())
        .select_related("student")
        .order_by("date", "student_id")[:20]
    )
    return render(request, "parent_notices/absence.html", {"form": form, "recent": recent})
