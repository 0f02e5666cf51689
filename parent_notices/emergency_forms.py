"""The forms of emergency mode: a proposal (city, title, message) and a correction."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from school_portal.core.models import City

from .emergency import MESSAGE_MAX, TITLE_MAX
from .emergency_models import CORRECTION_MAX


class ProposalForm(forms.Form):
    city = forms.ModelChoiceField(queryset=City.objects.order_by("pk"), label=_("City"), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    message = forms.CharField(label=_("Message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 5}))


class CorrectionForm(forms.Form):
    text = forms.CharField(label=_("Correction"), max_length=CORRECTION_MAX, widget=forms.Textarea(attrs={"rows": 3}))
