"""
The live room page of a session.

The page is complete without JavaScript: every action is a form posted to
the rooms app's one action endpoint (``room_action``), which runs the same
row of the room-action table as the WebSocket frame of the same name. On a
phone the room is one screen: the video (on demand) above tabs for the
discussion, questions, polls and raised hands; ``?onglet=`` picks the tab,
so it works without JavaScript too, and forms come back to the tab they
were posted from.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from forum import inputs
from rooms.views import room_context

from .. import permissions as perms
from .. import selectors
from .radio_context import allow_stream, radio_context
from .sessions import allow_embed, video_context

TABS = (
    ("discussion", gettext_lazy("Discussion")),
    ("questions", gettext_lazy("Questions")),
    ("sondages", gettext_lazy("Sondages")),
    ("mains", gettext_lazy("Mains levées")),
)
MODERATION_TAB = ("moderation", gettext_lazy("Modération"))


@require_GET
def room(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    live_room = session.room
    live_room.community = session.community
    raw_before = request.GET.get("avant")
    before = None
    if raw_before not in (None, ""):
        before = inputs.read_whole_number(raw_before)
        if before is None:
            message = _("Le paramètre « avant » doit être un entier positif.")
            return render(request, "400.html", {"message": message}, status=400)
    context = room_context(request, live_room, before=before)
    if context["older_url"]:
        context["older_url"] += "&onglet=discussion"
    can_moderate = context["can_moderate"]
    me = selectors.participant_state(request.user, session)
    polls = selectors.list_polls(session)
    for poll in polls:
        poll.my_vote = me["votes"].get(str(poll.pk))
    tabs = [*TABS, MODERATION_TAB] if can_moderate else list(TABS)
    tab = request.GET.get("onglet") if raw_before is None else "discussion"
    video = video_context(request, session, selectors.registration_of(request.user, session))
    questions = selectors.list_questions(session, hidden=can_moderate)
    for question in questions:
        # The transcript of a spoken question: its author or the room's moderators.
        question.can_transcribe = request.user.is_authenticated and (
            can_moderate or question.author_id == request.user.pk
        )
    radio = radio_context(request, session, can_see_link=video["can_see_link"])
    context.update(
        session=session,
        community=session.community,
        questions=questions,
        voice_tab="discussion",
        polls=polls,
        hands=selectors.list_raised_hands(session),
        me=me,
        me_state={**context["me_state"], **me},
        can_take_part=perms.can_take_part(request.user, session),
        tabs=tabs,
        tab=tab if tab in {name for name, _label in tabs} else "discussion",
        **video,
        **radio,
    )
    response = render(request, "webinars/room.html", context)
    return allow_stream(allow_embed(response, video), radio)


urlpatterns = [
    path("webinaires/<int:pk>/salle/", room, name="webinar_room"),
]
