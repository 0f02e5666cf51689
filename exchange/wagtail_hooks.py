"""The exchange's admin screens: Wagtail model viewsets for what the education centre keeps (partner schools and
their classes, holidays and availability; the Osaka schools' timetable periods, closed days and video rooms;
exchanges).

Wagtail's model permissions decide who sees each screen (the centre's staff are given them); the sessions
themselves are made through the exchange pages, where the services check every time.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import (
    Exchange,
    PartnerAvailability,
    PartnerClass,
    PartnerHoliday,
    PartnerSchool,
    Period,
    SchoolClosedDay,
    VideoRoom,
)


class PartnerSchoolViewSet(ModelViewSet):
    model = PartnerSchool
    icon = "globe"
    list_display = ["name", "country", "time_zone", "languages", "verified"]
    list_filter = ["country", "verified"]
    search_fields = ["name", "city"]
    form_fields = [
        "name",
        "country",
        "city",
        "time_zone",
        "languages",
        "age_min",
        "age_max",
        "subjects",
        "weekend_days",
        "verified",
    ]


class PartnerClassViewSet(ModelViewSet):
    model = PartnerClass
    icon = "group"
    list_display = ["name", "partner_school", "size", "age"]
    form_fields = ["partner_school", "name", "size", "age"]


class PartnerHolidayViewSet(ModelViewSet):
    model = PartnerHoliday
    icon = "date"
    list_display = ["name", "partner_school", "starts_on", "ends_on"]
    form_fields = ["partner_school", "name", "starts_on", "ends_on"]


class PartnerAvailabilityViewSet(ModelViewSet):
    model = PartnerAvailability
    icon = "time"
    list_display = ["partner_class", "weekday", "starts_at", "ends_at"]
    form_fields = ["partner_class", "weekday", "starts_at", "ends_at"]


class PeriodViewSet(ModelViewSet):
    model = Period
    icon = "time"
    list_display = ["school", "number", "starts_at", "ends_at"]
    form_fields = ["school", "number", "starts_at", "ends_at"]


class SchoolClosedDayViewSet(ModelViewSet):
    model = SchoolClosedDay
    icon = "date"
    list_display = ["name", "school", "starts_on", "ends_on"]
    form_fields = ["school", "name", "starts_on", "ends_on"]


class VideoRoomViewSet(ModelViewSet):
    model = VideoRoom
    icon = "media"
    list_display = ["name", "school"]
    form_fields = ["school", "name"]


class ExchangeViewSet(ModelViewSet):
    model = Exchange
    icon = "link"
    list_display = ["class_group", "partner_class", "teacher", "partner_teacher"]
    form_fields = [
        "school",
        "class_group",
        "teacher",
        "partner_class",
        "partner_teacher",
        "room",
        "language",
        "subject",
        "minutes",
    ]


class ExchangeAdminGroup(ModelViewSetGroup):
    menu_label = _("Video exchange")
    menu_icon = "globe"
    menu_order = 400
    items = (
        PartnerSchoolViewSet("exchange_partner_schools"),
        PartnerClassViewSet("exchange_partner_classes"),
        PartnerHolidayViewSet("exchange_partner_holidays"),
        PartnerAvailabilityViewSet("exchange_partner_availability"),
        PeriodViewSet("exchange_periods"),
        SchoolClosedDayViewSet("exchange_school_closed_days"),
        VideoRoomViewSet("exchange_video_rooms"),
        ExchangeViewSet("exchange_exchanges"),
    )


@hooks.register("register_admin_viewset")
def register_exchange_viewsets() -> ModelViewSetGroup:
    return ExchangeAdminGroup()
