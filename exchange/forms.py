"""The exchange's forms: a local date and time (in the viewer's own zone), and a reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_REASON


class ProposeForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON, widget=forms.TextInput())


class RescheduleForm(ProposeForm):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON, widget=forms.TextInput())


class ConsentForm(forms.Form):
    allowed = forms.BooleanField(label=_("Families consented to recording"), required=False)


class PartnerSearchForm(forms.Form):
    class_group = forms.TypedChoiceField(label=_("Class"), coerce=int)
    language = forms.CharField(label=_("Language (code, e.g. en)"), max_length=10, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=50, required=False)
