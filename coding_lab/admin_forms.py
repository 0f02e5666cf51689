"""The Wagtail admin's forms for challenges and courses: the school offered is one the author may write for
(a teacher's own school; centre staff also the whole city), the toolbox and required blocks are ticked from the
lab's block set, and programs are checked by the evaluator before they are saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from school_portal.core.access import policy
from school_portal.core.models import School

from .blockset import block_choices
from .evaluator import ProgramError, read_program
from .messages import program_error_message


class _SchoolScopedForm(WagtailAdminModelForm):
    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        field = self.fields.get("school")
        if field is None or for_user is None:
            return
        actor = policy.actor(for_user)
        if actor.is_centre_staff:
            field.queryset = School.objects.all()
            field.required = False
        else:
            field.queryset = School.objects.filter(pk__in=actor.teacher_school_ids)
            field.required = True
            field.empty_label = None


class ChallengeForm(_SchoolScopedForm):
    toolbox = forms.MultipleChoiceField(
        label=_("Toolbox"), choices=block_choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    required_blocks = forms.MultipleChoiceField(
        label=_("Required blocks"), choices=block_choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def _clean_program(self, name: str) -> str:
        text = (self.cleaned_data.get(name) or "").strip()
        if text:
            try:
                read_program(text)
            except ProgramError as error:
                raise forms.ValidationError(program_error_message(error.code)) from error
        return text

    def clean_starter(self) -> str:
        return self._clean_program("starter")

    def clean_solution(self) -> str:
        return self._clean_program("solution")

    def clean_text_cases(self) -> list:
        cases = self.cleaned_data.get("text_cases") or []
        if not isinstance(cases, list) or not all(
            isinstance(case, dict) and set(case) <= {"input", "output"} for case in cases
        ):
            raise forms.ValidationError(_('Write a list of {"input": "...", "output": "..."}.'))
        return cases

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        stage = data.get("stage_type")
        if stage == "maze":
            rows = [row for row in (data.get("maze") or "").splitlines() if row.strip()]
            text = "".join(rows)
            if text.count("S") != 1 or text.count("G") < 1 or set(text) - set("#.SG"):
                self.add_error("maze", _("A maze needs one S, at least one G, and only # . S G."))
        if stage == "turtle" and not (data.get("solution") or "").strip():
            self.add_error("solution", _("A turtle challenge needs the model solution that draws the picture."))
        return data


class CourseForm(_SchoolScopedForm):
    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        from .models import Challenge

        visible = policy.scope(for_user, "view", Challenge.objects.all())
        for form in self.formsets["steps"].forms + [self.formsets["steps"].empty_form]:
            form.fields["challenge"].queryset = visible
