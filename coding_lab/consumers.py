"""The teacher's live class grid: a socket per open grid joins its class's group and hears each child's save."""

from __future__ import annotations

from django.urls import path

from school_portal.core.access import Actor, policy
from school_portal.core.models import ClassGroup
from school_portal.core.realtime import PortalConsumer, SocketForbidden


class ClassGridConsumer(PortalConsumer):
    def groups_for(self, actor: Actor) -> list[str]:
        from .services import class_grid_group

        class_id = self.scope["url_route"]["kwargs"]["class_id"]
        class_group = ClassGroup.objects.filter(pk=class_id).first()
        if class_group is None or not policy.allows(actor, "coding_lab.follow", class_group):
            raise SocketForbidden
        return [class_grid_group(class_group.pk)]


websocket_urlpatterns = [path("ws/coding/class/<int:class_id>/", ClassGridConsumer.as_asgi(), name="coding_lab_class")]
