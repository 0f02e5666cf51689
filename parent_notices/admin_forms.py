"""The notice's editing form in the Wagtail admin: only the writer's own schools, classes and children, and an
audience that fits who writes it (a school's staff write to their school, the board to a city or a ward)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from school_portal.core.access import policy
from school_portal.core.models import City, ClassGroup, School, SchoolYear, Student

from .models import Audience

BOARD_AUDIENCES = {Audience.CITY, Audience.WARD, Audience.PUBLIC}


class NoticeForm(WagtailAdminModelForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        actor = policy.actor(self.for_user)
        self._centre = actor.is_centre_staff
        schools = School.objects.all() if self._centre else School.objects.filter(pk__in=actor.teacher_school_ids)
        years = SchoolYear.objects.active(timezone.localdate()).values("id")
        if "school" in self.fields:
            self.fields["school"].queryset = schools
            self.fields["school"].required = not self._centre
        if "class_groups" in self.fields:
            self.fields["class_groups"].queryset = ClassGroup.objects.filter(
                school__in=schools, school_year__in=years
            ).select_related("school")
        if "children" in self.fields:
            self.fields["children"].queryset = Student.objects.filter(school__in=schools, is_active=True)

    def clean(self) -> dict:
        data = super().clean()
        audience, school = data.get("audience"), data.get("school")
        if audience in BOARD_AUDIENCES and not self._centre:
            raise ValidationError(_("Only the board of education sends notices to a whole city, a ward or the public."))
        if audience not in BOARD_AUDIENCES and school is None:
            self.add_error("school", _("Choose the school this notice is for."))
        if audience == Audience.WARD and not data.get("ward"):
            self.add_error("ward", _("Name the ward."))
        if audience == Audience.GRADE and not data.get("grade"):
            self.add_error("grade", _("Give the grade."))
        if audience == Audience.CLASS:
            classes = data.get("class_groups") or []
            if not classes:
                self.add_error("class_groups", _("Choose at least one class."))
            elif school and any(c.school_id != school.pk for c in classes):
                self.add_error("class_groups", _("Choose classes of the sending school only."))
        if audience == Audience.CHILDREN:
            children = data.get("children") or []
            if not children:
                self.add_error("children", _("Choose at least one child."))
            elif school and any(c.school_id != school.pk for c in children):
                self.add_error("children", _("Choose children of the sending school only."))
        return data

    def save(self, commit: bool = True) -> object:
        notice = super().save(commit=False)
        school = self.cleaned_data.get("school")
        if school is not None:
            notice.city_id = school.city_id
        elif not notice.city_id:
            notice.city = City.objects.order_by("pk").first()
        if not notice.created_by_id and self.for_user is not None:
            notice.created_by = self.for_user
        if commit:
            notice.save()
            self._save_m2m()
        return notice

    class Meta:
        widgets = {"class_groups": forms.CheckboxSelectMultiple}
