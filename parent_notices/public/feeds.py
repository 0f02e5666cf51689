"""RSS 2.0 and Atom feeds of a school's public notices (Django's syndication framework)."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from school_portal.core.models import School

from ..models import Notice
from .selectors import plain_text, plain_title, public_notices

ITEMS = 50


class SchoolNoticesFeed(Feed):
    feed_type = Rss201rev2Feed
    item_guid_is_permalink = False

    def get_object(self, request: HttpRequest, slug: str) -> School:
        return get_object_or_404(School, slug=slug)

    def title(self, school: School) -> str:
        return _("%(school)s: notices for the community") % {"school": school.name}

    def link(self, school: School) -> str:
        return reverse("parent_notices:public_school", args=[school.slug])

    def description(self, school: School) -> str:
        return _("Public notices and events of %(school)s.") % {"school": school.name}

    def items(self, school: School) -> list[Notice]:
        return list(public_notices(school=school)[:ITEMS])

    def item_title(self, notice: Notice) -> str:
        return plain_title(notice)

    def item_description(self, notice: Notice) -> str:
        return plain_text(notice)

    def item_link(self, notice: Notice) -> str:
        return reverse("parent_notices:public_notice", args=[notice.pk])

    def item_guid(self, notice: Notice) -> str:
        return f"urn:uuid:{notice.translation_key}"

    def item_pubdate(self, notice: Notice) -> datetime.datetime | None:
        return notice.first_published_at

    def item_updateddate(self, notice: Notice) -> datetime.datetime | None:
        return notice.last_published_at

    def item_categories(self, notice: Notice) -> list[str]:
        return [str(notice.get_category_display())]


class SchoolNoticesAtomFeed(SchoolNoticesFeed):
    feed_type = Atom1Feed

    def subtitle(self, school: School) -> str:
        return self.description(school)
