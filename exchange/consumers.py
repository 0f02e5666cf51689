"""The live scheduling board's socket (``/ws/exchange/``).

A socket joins the user's own group, the group of each exchange they may see and of each school they teach at
(its staff see the school's schedule change); the centre's staff, who watch every exchange, join one city-wide
group instead of thousands. Events carry no child's data: ``{"kind": "exchange.board", "refresh": true}`` makes
``live.js`` fetch the page again (what changed is stored in the database). Opening and closing a board counts
the user present or gone (``presence``) and refreshes the boards of their exchanges, where the other teacher
sees them online. The guards (sign-in, origin, size, rate, not JSON) are the base class's.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.urls import path

from school_portal.core.access import Actor, policy
from school_portal.core.realtime import PortalConsumer, SocketForbidden, anotify_group, user_group

from .groups import CITY_GROUP, exchange_group, exchange_school_group
from .models import Exchange
from .presence import presence_join, presence_leave

PRESENCE_EVENT = {"kind": "exchange.presence", "refresh": True}


class ExchangeBoardConsumer(PortalConsumer):
    def groups_for(self, actor: Actor) -> list[str]:
        if not policy.can(actor.user, "exchange.use"):
            raise SocketForbidden
        if actor.is_centre_staff:
            self.exchange_groups = []
            return [user_group(actor.user.pk), CITY_GROUP]
        exchanges = policy.scope(actor.user, "view", Exchange.objects.order_by("pk")).values_list("pk", flat=True)
        self.exchange_groups = [exchange_group(pk) for pk in exchanges]
        schools = [exchange_school_group(pk) for pk in sorted(actor.teacher_school_ids)]
        return [user_group(actor.user.pk), *self.exchange_groups, *schools]

    async def connect(self) -> None:
        self.present = False
        await super().connect()
        if self.joined and self.exchange_groups:
            self.present = True
            await database_sync_to_async(presence_join)(self.scope["user"].pk)
            await self._announce_presence()

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if getattr(self, "present", False):
            self.present = False
            await database_sync_to_async(presence_leave)(self.scope["user"].pk)
            await self._announce_presence()

    async def _announce_presence(self) -> None:
        for group in self.exchange_groups:
            await anotify_group(group=group, event=PRESENCE_EVENT)


websocket_urlpatterns = [path("ws/exchange/", ExchangeBoardConsumer.as_asgi(), name="exchange_board")]
