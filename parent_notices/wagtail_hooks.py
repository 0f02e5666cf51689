"""Notices in the Wagtail admin: a snippet viewset whose permissions are the access policy's.

Writing: a school's teachers and administrators (their school's notices), the centre's staff (every notice).
Publishing (which bypasses the workflow): only those who approve, so a teacher's notice goes to the head teacher.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, PublishingPanel
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from school_portal.core.access import policy
from school_portal.core.models import Role, User

from .access_rules import approves
from .admin_forms import NoticeForm
from .models import Notice

WRITER_ROLES = [Role.TEACHER, Role.SCHOOL_ADMIN, Role.CENTRE_STAFF]


class NoticePermissionPolicy(BasePermissionPolicy):
    def _writes(self, user: object) -> bool:
        return bool(getattr(user, "is_active", False)) and policy.can(user, "parent_notices.write")

    def user_has_permission(self, user: object, action: str) -> bool:
        if action in {"publish", "unpublish"}:  # publishing bypasses the workflow: only those who approve
            actor = policy.actor(user)
            return self._writes(user) and (bool(actor.admin_school_ids) or actor.is_centre_staff)
        return self._writes(user)

    def users_with_any_permission(self, actions: list[str]) -> QuerySet:
        return User.objects.filter(
            Q(is_superuser=True) | Q(role_assignments__role__in=WRITER_ROLES), is_active=True
        ).distinct()

    def user_has_permission_for_instance(self, user: object, action: str, instance: Notice) -> bool:
        if not self._writes(user) or not policy.allows(user, "manage", instance):
            return False
        if action in {"publish", "unpublish"}:
            return approves(user, instance)
        return True

    def instances_user_has_any_permission_for(self, user: object, actions: list[str]) -> QuerySet:
        if not self._writes(user):
            return Notice.objects.none()
        return policy.scope(user, "manage", Notice.objects.all())


register_permission_policy(Notice, NoticePermissionPolicy(Notice))


class _OnlyWhoManagesTheNotice:
    """Every view of one notice asks the access policy before Wagtail loads it: another school's teacher gets a
    404 from its history, revisions, usage, workflow history, preview, lock..., never its title or content."""

    def setup(self, request: HttpRequest, *args: object, **kwargs: object) -> None:
        if "pk" in kwargs:
            notice = Notice.objects.filter(pk=unquote(str(kwargs["pk"]))).first()
            if notice is not None and not policy.allows(request.user, "manage", notice):
                raise Http404
        super().setup(request, *args, **kwargs)


# The snippet views that take a notice's pk (the list, add, add's preview and reorder take none).
_ONE_NOTICE_VIEWS = (
    "edit_view_class",
    "copy_view_class",
    "delete_view_class",
    "usage_view_class",
    "history_view_class",
    "inspect_view_class",
    "revisions_view_class",
    "revisions_compare_view_class",
    "revisions_unschedule_view_class",
    "unpublish_view_class",
    "preview_on_edit_view_class",
    "lock_view_class",
    "unlock_view_class",
    "workflow_action_view_class",
    "collect_workflow_action_data_view_class",
    "confirm_workflow_cancellation_view_class",
    "workflow_preview_view_class",
    "workflow_history_view_class",
    "workflow_history_detail_view_class",
)


class NoticeViewSet(SnippetViewSet):
    model = Notice
    icon = "mail"
    menu_label = _("Notices")
    menu_name = "parent_notices"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "category", "audience", "school", "live", "last_published_at"]
    list_filter = ["category", "audience", "live"]
    search_fields = ["title"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("category"),
            MultiFieldPanel(
                [
                    FieldPanel("school"),
                    FieldPanel("audience"),
                    FieldRowPanel([FieldPanel("ward"), FieldPanel("grade")]),
                    FieldPanel("class_groups"),
                    FieldPanel("children"),
                ],
                heading=_("Who receives it"),
            ),
            FieldPanel("body"),
            FieldPanel("reply_deadline"),
            PublishingPanel(),
        ],
        base_form_class=NoticeForm,
    )

    def get_queryset(self, request: object) -> QuerySet:
        return policy.scope(request, "manage", Notice.objects.select_related("school", "locale"))


for _name in _ONE_NOTICE_VIEWS:
    _view = getattr(NoticeViewSet, _name)
    setattr(NoticeViewSet, _name, type(f"Notice{_view.__name__}", (_OnlyWhoManagesTheNotice, _view), {}))

register_snippet(NoticeViewSet)


def _managed_only(request: HttpRequest, instances: list[Notice]) -> HttpResponse | None:
    """Wagtail's generic edit and delete views fetch the object by its id alone: ask the policy (404, as the
    plug-in's own views answer, never confirming another school's notice exists)."""
    for instance in instances:
        if isinstance(instance, Notice) and not policy.allows(request.user, "manage", instance):
            raise Http404
    return None


@hooks.register("before_edit_snippet")
def notice_edit_only_by_its_school(request: HttpRequest, instance: object) -> HttpResponse | None:
    return _managed_only(request, [instance])


@hooks.register("before_delete_snippet")
def notice_delete_only_by_its_school(request: HttpRequest, instances: list) -> HttpResponse | None:
    return _managed_only(request, list(instances))
