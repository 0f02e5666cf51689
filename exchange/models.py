"""The exchange plug-in's data: partner schools abroad, their classes and availability, the exchanges between an
Osaka class and a partner class, and the sessions they book.

Times a person enters are local wall-clock times in their own zone (a partner class's availability in its
school's IANA zone, an Osaka class's as timetable periods in Asia/Tokyo); a session is stored as an instant
(UTC) with ``starts_at`` / ``ends_at``. Nothing here holds a child's name: a partner sees a class's name and size.
"""

from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from school_portal.core.models import ClassGroup, School


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def validate_time_zone(value: str) -> None:
    """An IANA zone name the system's zone database knows (``Europe/London``), never an offset or a path."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            _("“%(zone)s” is not a known IANA time zone (for example Europe/London)."),
            code="time_zone",
            params={"zone": value},
        ) from None


def validate_weekdays(value: str) -> None:
    for part in filter(None, (p.strip() for p in value.split(","))):
        if not part.isdigit() or int(part) > 6:
            raise ValidationError(
                _("List days as numbers from 0 (Monday) to 6 (Sunday), separated by commas."), code="weekdays"
            )


def split_list(value: str) -> list[str]:
    return [part.strip().lower() for part in value.split(",") if part.strip()]


class PartnerSchool(models.Model):
    """A school abroad: where it is, when it is in school, and what its classes may share."""

    name = models.CharField(_("name"), max_length=150)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. GB"))
    city = models.CharField(_("city"), max_length=100, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone], help_text=_("IANA name, e.g. Europe/London")
    )
    languages = models.CharField(_("languages"), max_length=100, help_text=_("Language codes, e.g. en,fr"))
    age_min = models.PositiveSmallIntegerField(_("youngest pupils' age"))
    age_max = models.PositiveSmallIntegerField(_("oldest pupils' age"))
    subjects = models.CharField(_("subjects"), max_length=300, blank=True, help_text=_("e.g. english,science,art"))
    weekend_days = models.CharField(
        _("weekend days"),
        max_length=20,
        default="5,6",
        validators=[validate_weekdays],
        help_text=_("0 is Monday, 6 is Sunday; e.g. 4,5 for Friday and Saturday"),
    )
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("partner school")
        verbose_name_plural = _("partner schools")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(age_max__gte=models.F("age_min")), name="partner_ages")]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def weekend(self) -> set[int]:
        return {int(day) for day in split_list(self.weekend_days)}

    @property
    def language_list(self) -> list[str]:
        return split_list(self.languages)

    @property
    def subject_list(self) -> list[str]:
        return split_list(self.subjects)


class ClosedDays(models.Model):
    """A named run of days a school is closed, in its own local dates (first and last day included)."""

    IN_ORDER = Q(ends_on__gte=models.F("starts_on"))

    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class PartnerHoliday(ClosedDays):
    """Days the partner school is closed (its calendar), in its own local dates."""

    partner_school = models.ForeignKey(PartnerSchool, on_delete=models.CASCADE, related_name="holidays")

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["starts_on"]
        constraints = [models.CheckConstraint(condition=ClosedDays.IN_ORDER, name="holiday_days")]


class PartnerClass(models.Model):
    """A class at a partner school: a name, a size and an age, never its pupils."""

    partner_school = models.ForeignKey(PartnerSchool, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(_("class"), max_length=100)
    size = models.PositiveSmallIntegerField(_("number of pupils"))
    age = models.PositiveSmallIntegerField(_("pupils' age"))

    class Meta:
        verbose_name = _("partner class")
        verbose_name_plural = _("partner classes")
        ordering = ["partner_school", "name"]

    def __str__(self) -> str:
        return f"{self.partner_school.name} {self.name}"


class PartnerAvailability(models.Model):
    """When a partner class can meet: a weekday and local wall-clock times in its school's zone."""

    partner_class = models.ForeignKey(PartnerClass, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        ordering = ["weekday", "starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="partner_hours")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Period(models.Model):
    """A period of an Osaka school's timetable (校時), in Asia/Tokyo."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField(_("period"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        verbose_name = _("timetable period")
        verbose_name_plural = _("timetable periods")
        ordering = ["school", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="unique_period"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="period_hours"),
        ]

    def __str__(self) -> str:
        return _("Period %(number)s") % {"number": self.number}


class SchoolClosedDay(ClosedDays):
    """Days an Osaka school is closed besides Japan's national holidays (which are computed, not kept: see
    ``school_portal.core.jp_holidays``): its founding day, sports-day make-up days, the spring break."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("school closed day")
        verbose_name_plural = _("school closed days")
        ordering = ["school", "starts_on"]
        constraints = [models.CheckConstraint(condition=ClosedDays.IN_ORDER, name="school_closed_days")]


class ClassAvailability(models.Model):
    """An Osaka class's free period for exchanges: a weekday and a period of its school's timetable."""

    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("class availability")
        verbose_name_plural = _("class availability")
        constraints = [
            models.UniqueConstraint(fields=["class_group", "weekday", "period"], name="unique_class_availability")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.period}"


class VideoRoom(models.Model):
    """A room of an Osaka school with the video equipment (one session at a time)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("video room")
        verbose_name_plural = _("video rooms")
        ordering = ["school", "name"]

    def __str__(self) -> str:
        return self.name


class Exchange(models.Model):
    """An Osaka class and a partner class meeting by video, each with its teacher."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="+", verbose_name=_("class"))
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    partner_class = models.ForeignKey(PartnerClass, on_delete=models.CASCADE, related_name="exchanges")
    partner_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner teacher")
    )
    room = models.ForeignKey(VideoRoom, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(_("language"), max_length=10, default="en")
    subject = models.CharField(_("subject"), max_length=50, blank=True)
    minutes = models.PositiveSmallIntegerField(_("session length (minutes)"), default=45)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["class_group", "partner_class"], name="unique_exchange"),
        ]

    def __str__(self) -> str:
        return f"{self.class_group.label} ⇄ {self.partner_class}"

    def clean(self) -> None:
        if self.class_group_id and self.school_id and self.class_group.school_id != self.school_id:
            raise ValidationError({"class_group": _("Choose a class of the exchange's school.")})
        if self.room_id and self.room.school_id != self.school_id:
            raise ValidationError({"room": _("Choose a video room of the exchange's school.")})


class Session(models.Model):
    """One proposed or booked video session of an exchange, as instants (UTC).

    The class, the partner class and the room are copied from the exchange so that the database itself can
    refuse two accepted sessions of one of them at overlapping times (an exclusion constraint on PostgreSQL,
    see migration 0002; a transactional check in ``services`` elsewhere).
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        COUNTERED = "countered", _("Countered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        CANCELLED = "cancelled", _("Cancelled")

    class Side(models.TextChoices):
        SCHOOL = "school", _("Osaka school")
        PARTNER = "partner", _("Partner school")

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="sessions")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="+")
    partner_class = models.ForeignKey(PartnerClass, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(VideoRoom, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_side = models.CharField(max_length=10, choices=Side.choices)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )  # the proposal this one counters or the session it reschedules
    reason = models.TextField(_("reason"), blank=True)
    recording_consent = models.BooleanField(_("recording allowed"), default=False)
    uid = models.UUIDField(default=uuid.uuid4, editable=False)  # the iCalendar UID, kept across reschedules
    sequence = models.PositiveIntegerField(default=0)  # the iCalendar SEQUENCE, raised on every change
    reminders_sent = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_times")]
        indexes = [models.Index(fields=["state", "starts_at"], name="exchange_session_state_start")]

    def __str__(self) -> str:
        return f"{self.exchange} {self.starts_at:%Y-%m-%d %H:%M}Z"

    @property
    def is_open(self) -> bool:
        """Still waiting for an answer."""
        return self.state in (self.State.PROPOSED, self.State.COUNTERED)
