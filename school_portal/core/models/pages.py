"""The page types of the core: the city portal, each school's home page and a plain content page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from ..blocks import core_blocks
from ..fields import ExtensibleStreamField
from .schools import School


class PortalPage(Page):
    """Base of every page in the portal: knows which school's tree it stands in."""

    class Meta:
        abstract = True

    def get_school(self) -> School | None:
        site = self.get_site()
        return getattr(site, "school", None) if site else None


FINDER_FIELDS = (("name", "q"), ("ward", "ward"), ("kind", "kind"))


class CityHomePage(RoutablePageMixin, PortalPage):
    """The board of education's portal: the city's wards, each ward's schools, and a school finder.

    A city has about 24 wards and 420 schools: the home page lists the wards (with their number of schools), not
    every school. ``/wards/<ward>/`` lists one ward's schools; ``/schools/?q=&ward=&kind=`` finds schools by name,
    ward and kind (a plain GET form: no JavaScript). The home and ward pages have no query string, so the page
    cache keeps them for anonymous visitors and drops them when a school or a site changes (``page_cache``)."""

    intro = RichTextField(_("introduction"), blank=True)
    body = ExtensibleStreamField(core_blocks(), context="city_home", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    # Under the root only: otherwise Wagtail's explorer counts the city homes (``max_count``) for every row it
    # lists, to know whether one may be added under it (37 queries in a ward of 19 schools).
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["core.StandardPage"]
    max_count = 1
    template = "core/city_home_page.html"
    SCHOOLS_PER_PAGE = 30

    class Meta:
        verbose_name = _("city portal home page")

    def get_context(self, request, *args, **kwargs):
        from ..forms import SchoolFinderForm
        from ..selectors import city_wards

        context = super().get_context(request, *args, **kwargs)
        wards = city_wards()
        context["wards"] = [(ward, self.reverse_subpage("ward", args=[ward.name])) for ward in wards if ward.name]
        context["finder"] = SchoolFinderForm(wards=[ward.name for ward in wards])
        context["finder_url"] = self.reverse_subpage("finder")
        return context

    @path("")
    def index(self, request: HttpRequest) -> HttpResponse:
        return self.render(request)

    @path("wards/<str:ward>/", name="ward")
    def ward(self, request: HttpRequest, ward: str) -> HttpResponse:
        from ..selectors import schools_find

        schools = list(schools_find(ward=ward))
        if not schools:
            raise Http404
        context = self.get_context(request)
        context.update({"ward": ward, "schools": schools})
        return TemplateResponse(request, "core/city_ward_page.html", context)

    @path("schools/", name="finder")
    def finder(self, request: HttpRequest) -> HttpResponse:
        from ..forms import SchoolFinderForm
        from ..selectors import schools_find

        context = self.get_context(request)
        form = SchoolFinderForm(request.GET, wards=context["finder"].ward_names)
        context["finder"] = form
        context["schools_page"] = None
        valid = form.is_valid()
        if valid:
            found = schools_find(**{name: form.cleaned_data[field] for name, field in FINDER_FIELDS})
            context["schools_page"] = Paginator(found, self.SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
            context["query_without_page"] = form.query_string()
        return TemplateResponse(request, "core/city_schools_found.html", context, status=200 if valid else 400)


class WardIndexPage(PortalPage):
    """A ward's folder in the page tree, between the root and its schools' home pages: an editor walking the
    explorer meets the city's 24 wards, then a ward's schools, not 420 schools on one level. Not part of any site
    (nothing routes to it); its title is the ward's name, as ``School.ward`` says it."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["core.SchoolHomePage"]

    class Meta:
        verbose_name = _("ward")
        verbose_name_plural = _("wards")


class SchoolHomePage(PortalPage):
    """A school's home page: the root of the school's own Wagtail Site."""

    school = models.OneToOneField(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="home_page", verbose_name=_("school")
    )
    intro = RichTextField(_("introduction"), blank=True)
    body = ExtensibleStreamField(core_blocks(), context="school_home", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page", "core.WardIndexPage"]
    template = "core/school_home_page.html"

    class Meta:
        verbose_name = _("school home page")


class StandardPage(PortalPage):
    """A plain content page (access, school rules, events) in a school's tree."""

    body = ExtensibleStreamField(core_blocks(), context="page", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    template = "core/standard_page.html"

    class Meta:
        verbose_name = _("standard page")
