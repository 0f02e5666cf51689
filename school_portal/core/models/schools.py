"""The city's institutions: the board of education, its schools and libraries, school years and class groups."""

from __future__ import annotations

import datetime
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CLASS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: children copy these from a board


def new_class_code() -> str:
    return "".join(secrets.choice(CLASS_CODE_ALPHABET) for _ in range(6))


class City(models.Model):
    """A board of education (教育委員会) and the city it serves."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Kind(models.TextChoices):
        ELEMENTARY = "elementary", _("Elementary school")
        JUNIOR_HIGH = "junior_high", _("Junior high school")

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="schools", verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ward = models.CharField(_("ward"), max_length=50, blank=True)
    code = models.CharField(
        _("school code"),
        max_length=64,
        unique=True,
        help_text=_("The school code (学校コード), as in a OneRoster bundle's orgs.csv “identifier”."),
    )
    oneroster_sourced_id = models.CharField(
        _("OneRoster org ID"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("The org's sourcedId in the city's OneRoster bundles; remembered by the roster import."),
    )
    slug = models.SlugField(_("slug"), unique=True)
    site = models.OneToOneField(
        "wagtailcore.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="school"
    )
    collection = models.ForeignKey(
        "wagtailcore.Collection", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The school's Wagtail groups, found by this relation and never by name: the name carries the school code,
    # which may change.
    editors_group = models.OneToOneField(
        "auth.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="school_as_editors"
    )
    admins_group = models.OneToOneField(
        "auth.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="school_as_admins"
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def max_grade(self) -> int:
        return 6 if self.kind == self.Kind.ELEMENTARY else 3


class Library(models.Model):
    """A public library: its librarians run the Wi-Fi portal pages."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="libraries", verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    ward = models.CharField(_("ward"), max_length=50, blank=True)
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        verbose_name = _("library")
        verbose_name_plural = _("libraries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchoolYearQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> SchoolYearQuerySet:
        """The school year(s) running on ``on`` (today in Asia/Tokyo by default)."""
        day = on or timezone.localdate()
        return self.filter(starts_on__lte=day, ends_on__gte=day)

    def current(self, on: datetime.date | None = None) -> SchoolYear | None:
        day = on or timezone.localdate()
        return self.filter(starts_on__lte=day, ends_on__gte=day).order_by("-starts_on").first()


class SchoolYear(models.Model):
    """A Japanese school year (年度): 1 April to 31 March."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="school_years")
    start_year = models.PositiveSmallIntegerField(_("year"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    sourced_id = models.CharField(max_length=64, blank=True)

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        constraints = [models.UniqueConstraint(fields=["city", "start_year"], name="unique_school_year")]
        ordering = ["-start_year"]

    def __str__(self) -> str:
        return _("%(year)s school year") % {"year": self.start_year}

    @staticmethod
    def start_year_for(day: datetime.date) -> int:
        return day.year if day.month >= 4 else day.year - 1


class ClassGroup(models.Model):
    """A homeroom class (学級) such as 3年2組, in one school year."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="class_groups")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="class_groups")
    grade = models.PositiveSmallIntegerField(_("grade"))
    name = models.CharField(_("class"), max_length=20, help_text=_("e.g. 2 for 3年2組"))
    class_code = models.CharField(_("class code"), max_length=12, unique=True, default=new_class_code)
    sourced_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school", "grade", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "grade", "name"], name="unique_class_group")
        ]

    def __str__(self) -> str:
        return f"{self.school.name} {self.label}"

    @property
    def label(self) -> str:
        return _("Grade %(grade)s, class %(name)s") % {"grade": self.grade, "name": self.name}
