"""The lab's admin screens: challenges and courses as Wagtail snippets, authored per school or city-wide.

Who may add, change or delete which is the access policy's ``coding_lab.author`` capability and the
``edit`` rule of ``Challenge`` and ``Course`` (``access_rules.py``), not Django's model permissions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from school_portal.core.access import policy

from .admin_forms import ChallengeForm, CourseForm
from .models import Challenge, Course


class AuthorPolicy(BasePermissionPolicy):
    """Wagtail asks this; it asks the portal's access policy."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return bool(user and user.is_authenticated and policy.can(user, "coding_lab.author"))

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return self.user_has_permission(user, "any")

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action) and policy.allows(user, "edit", instance)

    def user_has_any_permission_for_instance(self, user: Any, actions: Any, instance: Any) -> bool:
        return self.user_has_permission_for_instance(user, "any", instance)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        return policy.scope(user, "edit", self.model._default_manager.all())

    def instances_user_has_permission_for(self, user: Any, action: str) -> QuerySet:
        return self.instances_user_has_any_permission_for(user, [action])

    def users_with_any_permission(self, actions: Any) -> QuerySet:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.none()

    def users_with_permission(self, action: str) -> QuerySet:
        return self.users_with_any_permission([action])


class _EditableOnly:
    """A screen of one object finds it among those the person may edit (else 404), as the listing does."""

    def get_queryset(self) -> QuerySet:
        return policy.scope(self.request, "edit", self.model._default_manager.all())


class EditView(_EditableOnly, snippet_views.EditView):
    pass


class DeleteView(_EditableOnly, snippet_views.DeleteView):
    pass


class UsageView(_EditableOnly, snippet_views.UsageView):
    pass


class HistoryView(_EditableOnly, snippet_views.HistoryView):
    pass


class _ScopedViewSet(SnippetViewSet):
    edit_view_class = EditView
    delete_view_class = DeleteView
    usage_view_class = UsageView
    history_view_class = HistoryView

    def get_queryset(self, request: Any) -> QuerySet:
        return policy.scope(request, "edit", self.model._default_manager.select_related("school"))


# Registered before the viewsets ask for it (Wagtail would make a Django-permissions fallback otherwise).
register_permission_policy(Challenge, AuthorPolicy(Challenge))
register_permission_policy(Course, AuthorPolicy(Course))


class ChallengeViewSet(_ScopedViewSet):
    model = Challenge
    icon = "code"
    list_display = ["title", "stage_type", "school", "grade"]
    list_filter = ["stage_type", "grade"]
    search_fields = ["title"]
    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("school"), FieldPanel("grade"), FieldPanel("stage_type")]),
        FieldPanel("instructions"),
        MultiFieldPanel([FieldPanel("maze"), FieldPanel("start_direction")], heading=_("Maze")),
        FieldPanel("solution"),
        FieldPanel("text_cases"),
        FieldPanel("toolbox"),
        FieldPanel("required_blocks"),
        FieldPanel("block_budget"),
        FieldPanel("starter"),
        FieldPanel("hints"),
    ]


class CourseViewSet(_ScopedViewSet):
    model = Course
    icon = "list-ol"
    list_display = ["title", "school", "grade", "is_locked"]
    search_fields = ["title"]
    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("school"), FieldPanel("grade"), FieldPanel("is_locked")]),
        FieldPanel("description"),
        InlinePanel("steps", label=_("Challenges"), min_num=1),
    ]


class CodingLabGroup(SnippetViewSetGroup):
    items = (ChallengeViewSet, CourseViewSet)
    menu_icon = "code"
    menu_name = "coding_lab"
    menu_label = _("Coding lab")


Challenge.base_form_class = ChallengeForm
Course.base_form_class = CourseForm
register_snippet(CodingLabGroup)
