"""The Wagtail admin screens of roster import: the list of imports, the upload form, one import's report.

Who may use them is the access policy's answer (the ``core.import_rosters`` capability, then ``School``
"manage" and ``RosterImport`` "view" for which schools and imports); teachers reach the Wagtail admin to edit
pages but get a 404 here, as does anyone else.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..access import policy
from ..models import RosterImport, School
from .blank_roster import CSV_NAME, XLSX_NAME, blank_roster_csv, blank_roster_xlsx
from .forms import RosterUploadForm
from .services import roster_import_processed

URL_NAMESPACE = "roster_imports"


def manageable_schools(request: HttpRequest) -> Any:
    return policy.scope(request, "manage", School.objects.all()).order_by("kind", "name")


class _MayImportRosters:
    """Only for whoever may import rosters (the policy's ``core.import_rosters``)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policy.can(request, "core.import_rosters"):
            raise Http404  # not a 403: Wagtail turns those into a redirect, and we do not confirm the screen
        return super().dispatch(request, *args, **kwargs)


class _RosterAdminView(_MayImportRosters, WagtailAdminTemplateMixin):
    header_icon = "upload"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": reverse(f"{URL_NAMESPACE}:index"), "label": _("Roster import")}]


class RosterImportIndexView(_RosterAdminView, TemplateView):
    template_name = "core/roster/index.html"
    page_title = _("Roster import")

    def get_context_data(self, **kwargs: Any) -> dict:
        imports = policy.scope(self.request, "view", RosterImport.objects.select_related("school", "uploaded_by"))
        return super().get_context_data(imports=imports[:100], **kwargs)


class RosterImportUploadView(_RosterAdminView, FormView):
    template_name = "core/roster/upload.html"
    page_title = _("Upload a roster")
    form_class = RosterUploadForm

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_form_kwargs(self) -> dict:
        return {
            **super().get_form_kwargs(),
            "schools": manageable_schools(self.request),
            "city_wide": policy.can(self.request, "core.import_rosters_city_wide"),
        }

    def get_context_data(self, **kwargs: Any) -> dict:
        return super().get_context_data(max_mb=settings.ROSTER_MAX_UPLOAD_BYTES // (1024 * 1024), **kwargs)

    def form_valid(self, form: RosterUploadForm) -> HttpResponse:
        from ..tasks import roster_import_submit

        job = roster_import_submit(
            upload=form.cleaned_data["file"],
            school=form.cleaned_data["school"],
            kind=form.cleaned_data["kind"],
            by=self.request.user,
        )
        # The job's page shows the progress and then links the import's report.
        return HttpResponseRedirect(reverse("core:job_detail", args=[job.pk]))


class RosterImportDetailView(_RosterAdminView, TemplateView):
    template_name = "core/roster/detail.html"
    page_title = _("Roster import")

    @cached_property
    def roster_import(self) -> RosterImport:
        return policy.get_or_404(
            self.request, "view", RosterImport.objects.select_related("school", "uploaded_by"), pk=self.kwargs["pk"]
        )

    def get_page_subtitle(self) -> str:
        return self.roster_import.file_name

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.roster_import.file_name}]

    def get_context_data(self, **kwargs: Any) -> dict:
        roster_import = self.roster_import
        processed = roster_import_processed(roster_import)
        total = roster_import.total_rows
        return super().get_context_data(
            roster_import=roster_import,
            processed=processed,
            percent=int(100 * processed / total) if total else 0,
            in_progress=roster_import.status in (RosterImport.Status.PENDING, RosterImport.Status.RUNNING),
            **kwargs,
        )


BLANK_ROSTERS = {
    "csv": (CSV_NAME, "text/csv; charset=utf-8", blank_roster_csv),
    "xlsx": (XLSX_NAME, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", blank_roster_xlsx),
}


class BlankRosterView(_MayImportRosters, View):
    """The blank roster (header row only) as CSV or Excel, for those who may import."""

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse:
        if fmt not in BLANK_ROSTERS:
            raise Http404
        name, content_type, build = BLANK_ROSTERS[fmt]
        response = HttpResponse(build(), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
