from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = _("Salles en direct")

    def ready(self) -> None:
        from django.urls import reverse

        from . import frames, kinds, selectors
        from .actions import core
        from .models import SALON, RoomEvent

        # How each kind of change is replayed and pushed (see rooms.kinds).
        kinds.register(
            RoomEvent.Kind.MESSAGE, load=selectors.load_messages, frame=frames.message_frame
        )
        kinds.register(RoomEvent.Kind.ROOM, load=selectors.load_room, frame=frames.room_frame)
        kinds.register(RoomEvent.Kind.MUTE, load=selectors.load_mutes, frame=frames.mute_frame)
        kinds.register_room_kind(
            kinds.RoomKind(
                name=SALON, page=lambda room: reverse("salon", args=[room.community.slug])
            )
        )
        # Chat and moderation: rows of the room-action table, in every kind of room.
        core.rows.register()
        # Chat messages can be reported (forum.reporting).
        from .reports import register_report_target

        register_report_target()

        # Its part of a member's own data: the download and account deletion.
        from . import account_data

        account_data.register_section()
