"""The lesson tree of each school (course > unit > lesson) and the city's shared lesson library."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from school_portal.core import search_text
from school_portal.core.fields import ExtensibleStreamField
from school_portal.core.furigana import plain
from school_portal.core.models import PortalPage

from ..blocks import lesson_blocks


class Subject(models.TextChoices):
    JAPANESE = "japanese", _("Japanese (国語)")
    MATHS = "maths", _("Mathematics (算数・数学)")
    SCIENCE = "science", _("Science (理科)")
    SOCIAL = "social", _("Social studies (社会)")
    LIFE = "life", _("Life environment studies (生活)")
    ENGLISH = "english", _("English (英語・外国語)")
    MUSIC = "music", _("Music (音楽)")
    ART = "art", _("Arts and crafts (図工・美術)")
    PE = "pe", _("Physical education (体育)")
    HOME = "home", _("Home economics (家庭)")
    MORAL = "moral", _("Moral education (道徳)")
    INTEGRATED = "integrated", _("Integrated studies (総合)")
    PROGRAMMING = "programming", _("Programming")


class Term(models.IntegerChoices):
    ANY = 0, _("Any term")
    FIRST = 1, _("First term (1学期)")
    SECOND = 2, _("Second term (2学期)")
    THIRD = 3, _("Third term (3学期)")


def _grade_field() -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(_("grade"), validators=[MinValueValidator(1), MaxValueValidator(9)])


TABLET_PREVIEW_SIZES = [
    {"name": "tablet", "icon": "tablet-alt", "device_width": 820, "label": _("Preview on a tablet (portrait)")},
    {
        "name": "tablet-landscape",
        "icon": "desktop",
        "device_width": 1180,
        "label": _("Preview on a tablet (landscape)"),
    },
    {"name": "mobile", "icon": "mobile-alt", "device_width": 375, "label": _("Preview in mobile size")},
]


class CourseIndexPage(PortalPage):
    """A subject for one grade in one school, e.g. 算数 3年."""

    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    grade = _grade_field()
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldRowPanel([FieldPanel("subject"), FieldPanel("grade")]), "intro"]
    parent_page_types = ["core.SchoolHomePage"]
    subpage_types = ["classrooms.UnitPage"]
    template = "classrooms/course_index_page.html"

    class Meta:
        verbose_name = _("course (subject and grade)")


class UnitPage(PortalPage):
    """A unit (単元) of a course, e.g. かけ算, in one term."""

    term = models.PositiveSmallIntegerField(_("term"), choices=Term.choices, default=Term.ANY)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("term"), "intro"]
    parent_page_types = ["classrooms.CourseIndexPage"]
    subpage_types = ["classrooms.LessonPage"]
    template = "classrooms/unit_page.html"

    class Meta:
        verbose_name = _("unit")

    @property
    def course(self) -> CourseIndexPage | None:
        parent = self.get_parent()
        return parent.specific if parent else None


class LessonLibraryPage(PortalPage):
    """The city's shared lesson library: education-centre staff publish lessons here for every school."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, "intro"]
    parent_page_types = ["wagtailcore.Page", "core.CityHomePage"]
    subpage_types = ["classrooms.LessonPage"]
    max_count = 1
    template = "classrooms/lesson_library_page.html"

    class Meta:
        verbose_name = _("shared lesson library")


class LessonPage(PortalPage):
    """One tablet lesson: text with furigana, media, activities, worksheets and quizzes."""

    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    grade = _grade_field()
    term = models.PositiveSmallIntegerField(_("term"), choices=Term.choices, default=Term.ANY)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=45)
    summary = models.TextField(_("summary"), blank=True, help_text=_("One or two sentences shown in lists."))
    body = ExtensibleStreamField(lesson_blocks(), context="lesson", blank=True, verbose_name=_("lesson"))
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("subject"), FieldPanel("grade"), FieldPanel("term"), FieldPanel("minutes")]),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("search_grams"),
        index.FilterField("subject"),
        index.FilterField("grade"),
        index.FilterField("term"),
    ]
    parent_page_types = ["classrooms.UnitPage", "classrooms.LessonLibraryPage"]
    subpage_types: list[str] = []
    template = "classrooms/lesson_page.html"

    class Meta:
        verbose_name = _("lesson")

    @property
    def preview_sizes(self) -> list[dict]:
        return TABLET_PREVIEW_SIZES

    @property
    def default_preview_size(self) -> str:
        return "tablet"

    def search_grams(self) -> str:
        """Title, summary and lesson text as one- and two-character grams, so Japanese words are found: each text
        as written (readings included) and without its furigana, so "三の段" finds "三《さん》の段《だん》"."""
        texts = [self.title, self.summary, *self._meta.get_field("body").get_searchable_content(self.body)]
        return search_text.index_grams([*texts, *map(plain, texts)])

    def get_context(self, request, *args, **kwargs):
        from school_portal.core.access import policy

        from ..worksheets import lesson_questions

        context = super().get_context(request, *args, **kwargs)
        context.update(
            {
                "lesson": self,
                "questions_by_id": {q.id: q for q in lesson_questions(self)},
                "answers": {},
                "editable": False,
                "may_assign": policy.allows(request, "assign", self),
            }
        )
        return context

    def serve(self, request, *args, **kwargs):
        from django.contrib.auth.views import redirect_to_login
        from django.http import Http404

        from school_portal.core.access import policy

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not policy.allows(request, "view", self):
            raise Http404
        return super().serve(request, *args, **kwargs)
