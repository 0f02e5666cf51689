"""The upload form of the roster import screen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import RosterImport, School

EXTENSIONS = {
    RosterImport.Kind.CSV: ".csv",
    RosterImport.Kind.EXCEL: ".xlsx",
    RosterImport.Kind.ONEROSTER: ".zip",
}


class RosterUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of file"), choices=RosterImport.Kind.choices)
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"),
        queryset=School.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "Required for school CSV and Excel files. Education-centre staff may leave it empty "
            "for a city-wide OneRoster bundle."
        ),
    )
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args: Any, schools: QuerySet, city_wide: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city_wide = city_wide
        self.fields["school"].queryset = schools
        if schools.count() == 1 and not city_wide:
            self.fields["school"].initial = schools.first()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        max_bytes = settings.ROSTER_MAX_UPLOAD_BYTES
        if upload.size > max_bytes:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the largest accepted is %(max)s MB. Split it and import each part.")
                % {"size": round(upload.size / (1024 * 1024), 1), "max": max_bytes // (1024 * 1024)}
            )
        return upload

    def clean(self) -> dict:
        data = super().clean()
        kind, school, upload = data.get("kind"), data.get("school"), data.get("file")
        if kind and upload and not upload.name.lower().endswith(EXTENSIONS[kind]):
            self.add_error("file", _("A file of this kind must end in %(ext)s.") % {"ext": EXTENSIONS[kind]})
        if kind and school is None and (kind != RosterImport.Kind.ONEROSTER or not self.city_wide):
            self.add_error("school", _("Choose the school this file is for."))
        return data
