"""Live pages of the plug-in: a notice's read-and-reply tally for its staff, a class's morning absence list."""

from __future__ import annotations

from django.urls import path

from school_portal.core.access import Actor, policy
from school_portal.core.models import ClassGroup
from school_portal.core.realtime import PortalConsumer, SocketForbidden, group_name

from .models import Notice


def notice_group(notice_id: int) -> str:
    return group_name("parent_notices.notice", notice_id)


def absences_group(class_group_id: int) -> str:
    return group_name("parent_notices.absences", class_group_id)


class NoticeTallyConsumer(PortalConsumer):
    """Who read and replied, as it happens: only for those who may manage the notice."""

    def groups_for(self, actor: Actor) -> list[str]:
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        if not policy.scope(actor, "manage", Notice.objects.filter(pk=pk)).exists():
            raise SocketForbidden
        return [notice_group(pk)]


class AbsenceListConsumer(PortalConsumer):
    """A class's absence reports of the day, as they arrive: its homeroom teachers and the school's administrators
    (never the class's children, who share the class's own group)."""

    def groups_for(self, actor: Actor) -> list[str]:
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        classes = policy.scope(actor, "parent_notices.absences", ClassGroup.objects.filter(pk=pk))
        if not classes.exists():
            raise SocketForbidden
        return [absences_group(pk)]


websocket_urlpatterns = [
    path("ws/notices/<int:pk>/", NoticeTallyConsumer.as_asgi(), name="parent_notices_tally"),
    path("ws/notices/absences/<int:pk>/", AbsenceListConsumer.as_asgi(), name="parent_notices_absences"),
]
