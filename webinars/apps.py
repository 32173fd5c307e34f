from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebinarsConfig(AppConfig):
    name = "webinars"
    verbose_name = _("Webinaires inter-régions")

    def ready(self) -> None:
        from django.urls import reverse

        from rooms import kinds

        from . import actions, frames, selectors
        from .models import ROOM_KIND
        from .permissions import can_take_part
        from .services.room import HAND, POLL, QUESTION, TALLY, VOTES

        # How the live room's own changes are replayed and pushed (see rooms.kinds).
        kinds.register(QUESTION, load=selectors.load_questions, frame=frames.question_frame)
        kinds.register(POLL, load=selectors.load_polls, frame=frames.poll_frame)
        kinds.register(HAND, load=selectors.load_hands, frame=frames.hand_frame)
        # Upvotes and poll votes, the busiest changes of a large webinar: a
        # small frame live, the whole question or poll on a replay.
        kinds.register(
            VOTES, load=selectors.load_vote_counts, frame=frames.votes_frame, replay_as=QUESTION
        )
        kinds.register(TALLY, load=selectors.load_polls, frame=frames.tally_frame, replay_as=POLL)
        kinds.register_room_kind(
            kinds.RoomKind(
                name=ROOM_KIND,
                page=lambda room: reverse("webinar_room", args=[room.session.pk]),
                preload_pages=selectors.load_sessions_of_rooms,
                subject=selectors.session_of_room,
                state=lambda user, room, session: {
                    "session": frames.session_times(session),
                    "me": selectors.participant_state(user, session),
                },
                hello=lambda user, room, session: {"can_take_part": can_take_part(user, session)},
                snapshot=selectors.snapshot,
            )
        )
        # Questions, polls and hands: rows of the room-action table, in webinar rooms.
        actions.rows.register()
        # Its part of a member's own data: the download and account deletion.
        from . import account_data

        account_data.register_section()
        # "Mon prochain webinaire" on the signed-in home page (forum.home_sections).
        from . import home

        home.register_home_section()

        # A member banned or removed from a CoP loses her seats in its sessions.
        from forum.services import on_exclusion

        from .services.registration import cancel_registrations_of_excluded

        on_exclusion(cancel_registrations_of_excluded)

        # Minutes and decisions are found by the forum's search.
        from .search import register_search

        register_search()
