"""Reads of the library Wi-Fi portal, each a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.db.models.functions import ExtractHour
from wagtail.models import Locale, Page, Revision

from school_portal.core.models import City, Library

from .models import DisasterMode, Gateway, HourlyUse, LibraryPortalPage, TermsPage


def gateway_by_key(key: str) -> Gateway | None:
    return Gateway.objects.select_related("library", "library__city").filter(key=key, is_active=True).first()


def _in_language(page: Page | None, language: str) -> Page | None:
    """Wagtail's translation of ``page`` in ``language``, live, else the page itself."""
    if page is None:
        return None
    locale = Locale.objects.filter(language_code=language).first()
    if locale is not None and locale.pk != page.locale_id:
        translation = page.get_translation_or_none(locale)
        if translation is not None and translation.live:
            return translation.specific
    return page


def library_page_shown(original: LibraryPortalPage | None, language: str) -> LibraryPortalPage | None:
    return _in_language(original, language)


def source_library_page(library: Library) -> LibraryPortalPage | None:
    """The page in the default locale (the one whose session length and renewal apply)."""
    default = Locale.get_default()
    return LibraryPortalPage.objects.live().filter(library=library, locale=default).first() or (
        LibraryPortalPage.objects.live().filter(library=library).order_by("pk").first()
    )


@dataclass(frozen=True)
class Terms:
    page: TermsPage | None
    revision: Revision | None


def current_terms(city: City, language: str) -> Terms:
    """The live terms of use (in the visitor's language where translated) and the revision accepted with them."""
    default = Locale.get_default()
    original = TermsPage.objects.live().filter(locale=default).first()
    shown = _in_language(original, language)
    if shown is None:
        return Terms(page=None, revision=None)
    return Terms(page=shown, revision=shown.live_revision)


def disaster_active(city: City) -> bool:
    return DisasterMode.objects.filter(city=city, active=True).exists()


def gateways_for(libraries: QuerySet[Library]) -> QuerySet[Gateway]:
    return Gateway.objects.filter(library__in=libraries).select_related("library")


def usage_by_library(libraries: QuerySet[Library]) -> list[dict]:
    return list(
        HourlyUse.objects.filter(library__in=libraries)
        .values("library__name")
        .annotate(sessions=Sum("sessions"), new=Sum("new_devices"), returning=Sum("returning_devices"))
        .order_by("library__name")
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    percent: int


def _bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    top = max((value for _, value in pairs), default=0) or 1
    return [Bar(label=label, value=value, percent=round(100 * value / top)) for label, value in pairs]


def usage_charts(libraries: QuerySet[Library], *, since: datetime.datetime) -> dict[str, list[Bar]]:
    """Sessions by hour of the day (Asia/Tokyo) and by language since ``since``: two queries."""
    rows = HourlyUse.objects.filter(library__in=libraries, hour__gte=since)
    by_hour = dict(rows.annotate(h=ExtractHour("hour")).values("h").annotate(n=Sum("sessions")).values_list("h", "n"))
    by_language = list(rows.values("language").annotate(n=Sum("sessions")).order_by("-n").values_list("language", "n"))
    return {
        "hours": _bars([(f"{h}:00", by_hour.get(h, 0)) for h in range(7, 23)]),
        "languages": _bars([(language, n) for language, n in by_language]),
    }
