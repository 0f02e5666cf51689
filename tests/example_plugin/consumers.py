"""The class bell's socket: a child's page joins the groups of their own classes, and listens."""

from __future__ import annotations

from django.urls import path

from school_portal.core.access import Actor
from school_portal.core.realtime import PortalConsumer, class_group_name


class BellConsumer(PortalConsumer):
    """The guards (sign-in, origin, size, rate, close codes) are the base class's; this names the groups."""

    def groups_for(self, actor: Actor) -> list[str]:
        return [class_group_name(pk) for pk in sorted(actor.own_class_ids | actor.taught_class_ids)]


websocket_urlpatterns = [path("ws/bell/", BellConsumer.as_asgi(), name="class_bell")]
