"""Who a notice is for: the children in its audience this school year (and so their families)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from school_portal.core.models import Enrollment, SchoolYear

from .models import Audience, Notice


def enrollments(notice: Notice) -> QuerySet:
    """This school year's enrolments of the active children the notice is for (one row per child)."""
    years = SchoolYear.objects.active(timezone.localdate()).values("id")
    qs = Enrollment.objects.filter(school_year__in=years, student__is_active=True)
    match notice.audience:
        case Audience.CITY | Audience.PUBLIC:
            q = Q(class_group__school__city_id=notice.city_id)
        case Audience.WARD:
            q = Q(class_group__school__city_id=notice.city_id, class_group__school__ward=notice.ward)
        case Audience.SCHOOL:
            q = Q(class_group__school_id=notice.school_id)
        case Audience.GRADE:
            q = Q(class_group__school_id=notice.school_id, class_group__grade=notice.grade)
        case Audience.CLASS:
            q = Q(class_group__in=Notice.class_groups.through.objects.filter(notice=notice).values("classgroup_id"))
        case Audience.CHILDREN:
            q = Q(student__in=Notice.children.through.objects.filter(notice=notice).values("student_id"))
        case _:
            q = Q(pk__in=[])
    return qs.filter(q)
