"""The live scheduling board's socket (``/ws/exchange/``).

A socket joins the user's own group, one board group for each change it must hear (``groups``: the staff of a
school join the school's, the partner teacher their exchanges', the centre's staff one city-wide group), so a
change reaches each board once, and the presence group of each exchange they may see. Events carry no child's
data: ``{"kind": "exchange.board", "refresh": true}`` makes ``live.js`` fetch the page again (what changed is
stored in the database). Opening and closing a board counts the user present or gone (``presence``) and
refreshes the boards of the people who see their exchanges (presence groups), where the other teacher sees them
online. The guards (sign-in, origin, size, rate, not JSON) are the base class's.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.urls import path

from school_portal.core.access import Actor, policy
from school_portal.core.realtime import PortalConsumer, SocketForbidden, anotify_groups, user_group

from .groups import CITY_GROUP, board_groups, presence_group
from .models import Exchange
from .presence import presence_join, presence_leave

PRESENCE_EVENT = {"kind": "exchange.presence", "refresh": True}


class ExchangeBoardConsumer(PortalConsumer):
    def groups_for(self, actor: Actor) -> list[str]:
        if not policy.can(actor.user, "exchange.use"):
            raise SocketForbidden
        if actor.is_centre_staff:
            self.presence_groups = []
            return [user_group(actor.user.pk), CITY_GROUP]
        exchanges = list(
            policy.scope(actor.user, "view", Exchange.objects.order_by("pk")).values_list("pk", "school_id")
        )
        self.presence_groups = [presence_group(pk) for pk, _school in exchanges]
        return [user_group(actor.user.pk), *board_groups(actor=actor, exchanges=exchanges), *self.presence_groups]

    async def connect(self) -> None:
        self.present = False
        await super().connect()
        if self.joined and self.presence_groups:
            self.present = True
            await database_sync_to_async(presence_join)(self.scope["user"].pk)
            await anotify_groups(groups=self.presence_groups, event=PRESENCE_EVENT)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if getattr(self, "present", False):
            self.present = False
            await database_sync_to_async(presence_leave)(self.scope["user"].pk)
            await anotify_groups(groups=self.presence_groups, event=PRESENCE_EVENT)


websocket_urlpatterns = [path("ws/exchange/", ExchangeBoardConsumer.as_asgi(), name="exchange_board")]


# --- the call's signaling ------------------------------------------------------------------------------------

SIGNALS = {"hello", "offer", "answer", "candidate", "bye"}


class CallSignalingConsumer(PortalConsumer):
    """Relays WebRTC signaling (offer, answer, ICE candidates) between the two teachers of one booked session.

    One group per session; a message goes to the others in it, never back to its sender. Only the exchange's two
    teachers, during the booked time (``call.call_refusal``); SDP offers are larger than board messages and ICE
    candidates come in bursts, hence the larger limits. Media never passes through the portal (peer to peer, or
    through the TURN server).
    """

    max_message_bytes = 64 * 1024
    max_messages_per_second = 60
    socket_only_messages = PortalConsumer.socket_only_messages | {"exchange.signal"}

    def groups_for(self, actor: Actor) -> list[str]:
        from .call import call_refusal
        from .models import Session

        pk = self.scope["url_route"]["kwargs"]["pk"]
        session = Session.objects.select_related("exchange").filter(pk=pk).first()
        if session is None or not policy.allows(actor.user, "schedule", session) or call_refusal(session, actor.user):
            raise SocketForbidden
        self.side = "partner" if actor.user.pk == session.exchange.partner_teacher_id else "school"
        return [call_group(session.pk)]

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or content.get("type") not in SIGNALS:
            await self.send_json({"type": "error", "error": "unsupported"})
            return
        message = {"type": content["type"], "side": self.side}
        for key in ("sdp", "candidate", "reply"):
            if key in content:
                message[key] = content[key]
        group = self.joined[0]
        await self.channel_layer.group_send(
            group, {"type": "exchange.signal", "message": message, "sender": self.channel_name}
        )

    async def exchange_signal(self, event: dict) -> None:
        if event["sender"] != self.channel_name:
            await self.send_json(event["message"])


def call_group(session_id: int) -> str:
    from school_portal.core.realtime import group_name

    return group_name("exchange.call", session_id)


websocket_urlpatterns.append(path("ws/exchange/call/<int:pk>/", CallSignalingConsumer.as_asgi(), name="exchange_call"))
