"""Forms of the classrooms plug-in: assigning a lesson, a teacher's feedback, copying from the library."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from school_portal.core.models import ClassGroup, Student

from .assign_defaults import default_due, default_opening
from .models import AnswerSheet, Subject, UnitPage


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AssignForm(forms.Form):
    """Open and due dates are read in the school's time (Asia/Tokyo, the project's TIME_ZONE).

    They start at now and at the end of the next school day; the children are offered in roster order
    (``students`` comes from ``selectors.assignable_students``, the order of the review grid).
    """

    class_groups = forms.ModelMultipleChoiceField(
        queryset=ClassGroup.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("Classes")
    )
    students = forms.ModelMultipleChoiceField(
        queryset=Student.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Only these students (optional)"),
        help_text=_("Leave all unticked to give the lesson to everyone in the chosen classes."),
    )
    opens_at = forms.DateTimeField(label=_("Opens"), widget=DateTimeLocalInput())
    due_at = forms.DateTimeField(label=_("Due"), widget=DateTimeLocalInput())
    order = forms.IntegerField(
        label=_("Order on the day"), min_value=0, max_value=99, initial=0, help_text=_("Smaller numbers come first.")
    )

    def __init__(self, *args: Any, class_groups: Any, students: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["class_groups"].queryset = class_groups
        self.fields["class_groups"].label_from_instance = lambda group: group.label
        self.fields["students"].queryset = students
        now = timezone.now()
        self.fields["opens_at"].initial = default_opening(now)
        self.fields["due_at"].initial = default_due(now)

    def clean(self) -> dict:
        data = super().clean()
        opens_at, due_at = data.get("opens_at"), data.get("due_at")
        if opens_at and due_at and due_at < opens_at:
            self.add_error("due_at", _("The due date must not be before the open date."))
        return data


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=_("Comment for the student"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    stamp = forms.ChoiceField(label=_("Stamp"), choices=AnswerSheet.Stamp.choices, required=False)
    return_for_revision = forms.BooleanField(
        label=_("Return for revision (the student can change the answers and hand in again)"), required=False
    )


class LibrarySearchForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    subject = forms.ChoiceField(label=_("Subject"), choices=[("", _("Any subject")), *Subject.choices], required=False)
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=[("", _("Any grade")), *[(g, str(g)) for g in range(1, 10)]],
        coerce=int,
        empty_value=None,
        required=False,
    )


class CopyForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=UnitPage.objects.none(), label=_("Copy into this unit"), empty_label=None)

    def __init__(self, *args: Any, units: list[UnitPage], lesson: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = UnitPage.objects.filter(pk__in=[u.pk for u in units])
        if lesson is not None:
            # Offer first a unit of the same subject and grade as the lesson, when the school has one.
            for unit in units:
                course = unit.get_parent().specific
                if (
                    getattr(course, "subject", None) == lesson.subject
                    and getattr(course, "grade", None) == lesson.grade
                ):
                    self.fields["unit"].initial = unit.pk
                    break
        labels = {u.pk: u for u in units}
        self.fields["unit"].label_from_instance = lambda unit: _unit_label(labels.get(unit.pk, unit))


def _unit_label(unit: UnitPage) -> str:
    ancestors = unit.get_ancestors().specific()
    return " / ".join(str(page.title) for page in ancestors[1:]) + f" / {unit.title}"
