"""The page types of the core: the city portal, each school's home page and a plain content page."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
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


class CityHomePage(PortalPage):
    """The board of education's portal: the list of schools."""

    intro = RichTextField(_("introduction"), blank=True)
    body = ExtensibleStreamField(core_blocks(), context="city_home", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["core.StandardPage"]
    max_count = 1
    template = "core/city_home_page.html"

    class Meta:
        verbose_name = _("city portal home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["schools"] = School.objects.select_related("site").order_by("kind", "ward", "name")
        return context


class SchoolHomePage(PortalPage):
    """A school's home page: the root of the school's own Wagtail Site."""

    school = models.OneToOneField(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="home_page", verbose_name=_("school")
    )
    intro = RichTextField(_("introduction"), blank=True)
    body = ExtensibleStreamField(core_blocks(), context="school_home", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
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
