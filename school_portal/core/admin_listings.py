"""Wagtail admin listings that grow with the city: paginated, and with filters whose choices do not.

A city of 420 schools has 424 sites, 846 school groups (each school's editors and administrators) and 423 school
collections. Wagtail lists every collection on one page (177 KB of HTML), and offers every site as a checkbox
in the page explorer's filters and every group in the user listing's filters (100 KB and 110 KB of each page).

- ``CollectionIndex``: Wagtail's collections listing, 50 a page; ``school_portal/urls.py`` mounts it at
  Wagtail's address (``/admin/collections/``), before Wagtail's admin URLs, with the same checks (admin access,
  never cached).
- ``CityPageViewSet``: Wagtail's default page viewset (Wagtail's documented way to change the explorer's
  listing), whose site filter offers the sites that are not a school's (the city portal): a school's pages are
  found by walking its ward in the tree, or by searching.
- ``PortalUserViewSet``: Wagtail's user viewset (set by ``core/users_app.py``, Wagtail's documented way)
  whose group filter offers the groups that are not a school's (the centre's staff, groups made by hand): a
  school's people are found by searching (the trigram indexes of migration ``core.0009`` serve it).
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.forms import CheckboxSelectMultiple
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.collections import Index
from wagtail.admin.views.pages.listing import GenericPageFilterSet, SiteFilter
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Page, Site
from wagtail.users.views.users import IndexView as UserIndexView
from wagtail.users.views.users import UserFilterSet, UserViewSet

COLLECTIONS_PER_PAGE = 50


class CollectionIndex(Index):
    paginate_by = COLLECTIONS_PER_PAGE


class CityPageFilterSet(GenericPageFilterSet):
    site = SiteFilter(
        label=_("Site"),
        queryset=Site.objects.filter(school__isnull=True),
        widget=CheckboxSelectMultiple,
    )


class CityPageViewSet(PageViewSet):
    model = Page
    name = "city_pages"
    filterset_class = CityPageFilterSet


class PortalUserFilterSet(UserFilterSet):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["group"].queryset = Group.objects.filter(
            school_as_editors__isnull=True, school_as_admins__isnull=True
        )


class PortalUserIndexView(UserIndexView):
    pass


class PortalUserViewSet(UserViewSet):
    filterset_class = PortalUserFilterSet
    index_view_class = PortalUserIndexView
