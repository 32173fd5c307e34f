from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebinarsConfig(AppConfig):
    name = "webinars"
    verbose_name = _("Webinaires inter-régions")

    def ready(self) -> None:
        from django.urls import reverse

        from forum import rooms
        from forum.models import Room

        from . import frames, selectors
        from .services.room import HAND, POLL, QUESTION

        # How the live room's own changes are replayed and pushed (see forum.rooms).
        rooms.register(QUESTION, load=selectors.load_questions, frame=frames.question_frame)
        rooms.register(POLL, load=selectors.load_polls, frame=frames.poll_frame)
        rooms.register(HAND, load=selectors.load_hands, frame=frames.hand_frame)
        rooms.register_page(
            Room.Kind.WEBINAR, lambda room: reverse("webinar_room", args=[room.session.pk])
        )
