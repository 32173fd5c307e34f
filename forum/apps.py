from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum des communautés de pratique")

    def ready(self) -> None:
        from django.urls import reverse

        from . import frames, rooms
        from .models import Message, Room, RoomEvent, RoomMute

        rooms.register(
            RoomEvent.Kind.MESSAGE,
            load=lambda room, ids: (
                Message.objects.filter(room=room).select_related("author").in_bulk(ids)
            ),
            frame=frames.message_frame,
        )
        rooms.register(
            RoomEvent.Kind.ROOM,
            load=lambda room, ids: (
                Room.objects.filter(pk=room.pk).select_related("pinned__author").in_bulk(ids)
            ),
            frame=frames.room_frame,
        )
        rooms.register(
            RoomEvent.Kind.MUTE,
            load=lambda room, ids: (
                RoomMute.objects.filter(room=room).select_related("user").in_bulk(ids)
            ),
            frame=frames.mute_frame,
        )
        rooms.register_page(
            Room.Kind.SALON, lambda room: reverse("salon", args=[room.community.slug])
        )
