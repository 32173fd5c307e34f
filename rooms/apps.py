from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = _("Salles en direct")

    def ready(self) -> None:
        from django.urls import reverse

        from . import frames, kinds
        from .models import SALON, Message, Room, RoomEvent, RoomMute

        kinds.register(
            RoomEvent.Kind.MESSAGE,
            load=lambda room, ids: (
                Message.objects.filter(room=room).select_related("author").in_bulk(ids)
            ),
            frame=frames.message_frame,
        )
        kinds.register(
            RoomEvent.Kind.ROOM,
            load=lambda room, ids: (
                Room.objects.filter(pk=room.pk).select_related("pinned__author").in_bulk(ids)
            ),
            frame=frames.room_frame,
        )
        kinds.register(
            RoomEvent.Kind.MUTE,
            load=lambda room, ids: (
                RoomMute.objects.filter(room=room).select_related("user").in_bulk(ids)
            ),
            frame=frames.mute_frame,
        )
        kinds.register_room_kind(
            kinds.RoomKind(
                name=SALON, page=lambda room: reverse("salon", args=[room.community.slug])
            )
        )
