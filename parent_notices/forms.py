from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AbsenceKind, AbsenceReason, resend_hours_validate


class AbsenceForm(forms.Form):
    student = forms.TypedChoiceField(label=_("Child"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"), choices=AbsenceReason.choices)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        max_digits=3,
        decimal_places=1,
        min_value=34,
        max_value=43,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    time = forms.TimeField(
        label=_("Time (arriving late / leaving early)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, children: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = children
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("kind", AbsenceKind.ABSENT)
            if len(children) == 1:
                self.initial.setdefault("student", children[0][0])

    def clean_date(self) -> datetime.date:
        return self.cleaned_data["date"]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language for notices"), choices=settings.LANGUAGES)


class CutoffForm(forms.Form):
    """The school's settings for notices: the absence cutoff and the resend schedule."""

    absence_cutoff = forms.TimeField(
        label=_("Absence reports by"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    resend_hours = forms.CharField(
        label=_("Send notices again to families who have not read them, hours after sending"),
        required=False,
        max_length=40,
        validators=[resend_hours_validate],
        help_text=_("Comma-separated, e.g. “24, 48”; blank: never. Not after the reply deadline or the expiry."),
    )
