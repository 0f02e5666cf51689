"""The public pages and files: a school's notices and events, the city's, one public notice; the iCalendar feeds
and the open-data CSVs. Anyone may read them (no sign-in); each reads only public notices
(``selectors.public_notices``) and a single notice is asked of the policy's ``read_public`` rule. The files go
through the public outputs' cache (``cache.py``); the HTML pages through nothing (the header differs for someone
signed in)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from school_portal.core.access import policy
from school_portal.core.models import City, ClassGroup, School

from ..models import Notice
from . import ical, opendata
from .cache import cached_response
from .feeds import SchoolNoticesAtomFeed, SchoolNoticesFeed
from .selectors import PUBLIC_BLOCKS, PublicEvent, public_events, public_notices, upcoming

NOTICES_SHOWN = 20


def _event_url(request: HttpRequest) -> object:
    def url_for(event: PublicEvent) -> str:
        return request.build_absolute_uri(reverse("parent_notices:public_notice", args=[event.notice.pk]))

    return url_for


def _file(content: str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site's script may read it
    return response


def city_index(request: HttpRequest) -> HttpResponse:
    city = City.objects.order_by("pk").first()
    if city is None:
        raise Http404
    return redirect("parent_notices:public_city", slug=city.slug)


def _listing(request: HttpRequest, template: str, **scope: object) -> HttpResponse:
    """A page of coming events and notices for ``scope`` (``city=`` or ``school=``)."""
    context = {
        **scope,
        "events": upcoming(public_events(**scope), limit=50),
        "notices": public_notices(**scope)[:NOTICES_SHOWN],
    }
    return render(request, template, context)


def city_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _listing(request, "parent_notices/public/city.html", city=get_object_or_404(City, slug=slug))


def school_page(request: HttpRequest, slug: str) -> HttpResponse:
    school = get_object_or_404(School.objects.select_related("city"), slug=slug)
    return _listing(request, "parent_notices/public/school.html", school=school)


def notice_page(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.select_related("school", "city", "locale"), pk=pk)
    if not policy.allows(request, "read_public", notice):
        raise Http404
    blocks = [block for block in notice.body if block.block_type in PUBLIC_BLOCKS]
    return render(request, "parent_notices/public/notice.html", {"notice": notice, "blocks": blocks})


school_rss = cached_response(SchoolNoticesFeed())
school_atom = cached_response(SchoolNoticesAtomFeed())


@cached_response
def school_ical(request: HttpRequest, slug: str) -> HttpResponse:
    school = get_object_or_404(School, slug=slug)
    text = ical.calendar_text(name=school.name, events=public_events(school=school), url_for=_event_url(request))
    return _file(text, content_type="text/calendar; charset=utf-8", filename=f"{school.slug}.ics")


@cached_response
def class_ical(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's calendar: its school's public events for every class and those for this class. Public events
    only: a class's private events stay in its families' signed-in inbox."""
    class_group = get_object_or_404(ClassGroup.objects.select_related("school"), pk=pk)
    name = _("%(school)s %(class)s") % {"school": class_group.school.name, "class": class_group.label}
    text = ical.calendar_text(name=name, events=public_events(class_group=class_group), url_for=_event_url(request))
    return _file(text, content_type="text/calendar; charset=utf-8", filename=f"class-{class_group.pk}.ics")


@cached_response
def city_ical(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(City, slug=slug)
    text = ical.calendar_text(name=city.name, events=public_events(city=city), url_for=_event_url(request))
    return _file(text, content_type="text/calendar; charset=utf-8", filename=f"{city.slug}.ics")


@cached_response
def school_csv(request: HttpRequest, slug: str) -> HttpResponse:
    school = get_object_or_404(School, slug=slug)
    text = opendata.events_csv(public_events(school=school), url_for=_event_url(request))
    return _file(text, content_type="text/csv; charset=utf-8", filename=f"{school.slug}-events.csv")


@cached_response
def city_csv(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(City, slug=slug)
    text = opendata.events_csv(public_events(city=city), url_for=_event_url(request))
    return _file(text, content_type="text/csv; charset=utf-8", filename=f"{city.slug}-events.csv")
