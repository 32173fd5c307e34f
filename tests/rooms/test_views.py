"""
The HTTP door of live rooms (rooms/views.py).

The salon page (opened by its first message: a GET never writes), the one
action endpoint ``room_action`` that every room action is posted to (as a
form or as JSON), and the room's log over HTTP (``room_events``,
``room_history``). A script gets the protocol's frames (docs/realtime-protocol.md)
with the HTTP status of their code; a plain form goes back to the room's page,
with the reason when it is refused. A private CoP answers an outsider exactly
like a room or message that does not exist, and a refused request writes nothing.
"""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode

from forum.models import ModerationAction, ReportCase
from rooms import services as room_services
from rooms.actions import ERRORS
from rooms.models import Message, Room, RoomEvent, RoomMute

from ..factories import make_membership, make_user

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}
LOGIN = reverse("login")
PRIVATE_NAME = "Accompagnement des survivantes"  # private_cop in tests/conftest.py
SECRET = "Rendez-vous secret avec Mariam jeudi"
NOT_FOUND = {
    "type": "error",
    "code": "not_found",
    "message": "Cette page n'existe pas, ou vous n'y avez pas accès.",
}
MESSAGE_KEYS = {
    "id",
    "room",
    "author",
    "body",
    "html",
    "created_at",
    "edited_at",
    "deleted",
    "deleted_by_moderator",
    "voice",
}
SALON_ACTIONS = {
    *("send", "edit", "delete", "slow_mode", "mute", "unmute", "pin", "close", "report"),
    "transcript",
}


@pytest.fixture
def no_rate_limit(settings):
    """Let one author write many messages at once (history and paging tests)."""
    settings.JEKAFO = {**settings.JEKAFO, "CHAT_RATE": (100_000, 10)}


@pytest.fixture
def salon(public_cop):
    return room_services.ensure_salon(public_cop)


@pytest.fixture
def private_salon(private_cop):
    return room_services.ensure_salon(private_cop)


@pytest.fixture
def secret_message(private_salon, member):
    return say(member, private_salon, SECRET)


def say(author, room, body="Bonjour à toutes !", key="") -> Message:
    message, _created = room_services.send_message(
        author=author, room=room, body=body, client_key=key
    )
    return message


def html(response) -> str:
    return response.content.decode()


def salon_url(community) -> str:
    return reverse("salon", args=[community.slug])


def action_url(room) -> str:
    return reverse("room_action", args=[room.pk])


def act(client, room, action: str, **fields):
    """Post ``action`` as a form, asking for a JSON answer (a script's form post)."""
    return client.post(action_url(room), {"action": action, **fields}, headers=JSON)


def post_json_body(client, url: str, data) -> object:
    """POST ``data`` as a JSON body."""
    return client.post(url, json.dumps(data), content_type="application/json", headers=JSON)


def post_raw_json(client, url: str, raw: str | bytes) -> object:
    return client.post(url, raw, content_type="application/json", headers=JSON)


def refusal(response, code: str) -> dict:
    """The error frame of ``response``, checked to carry ``code`` with the code's status."""
    frame = response.json()
    assert frame["type"] == "error"
    assert frame["code"] == code
    assert isinstance(frame["message"], str) and frame["message"]
    assert response.status_code == ERRORS[code][0]
    return frame


def without_request_details(response, url: str) -> str:
    """The page without its CSRF tokens and its own address (the language form's ``next``)."""
    tokens = r'(name="csrfmiddlewaretoken" value="|name="csrf-token" content=")[^"]*'
    page = re.sub(tokens, r"\1", html(response))
    return page.replace(url, "<url>")


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def opening_tag(page: str, element_id: str) -> str:
    """The opening tag of the element whose id is ``element_id`` (it must be there)."""
    found = re.search(rf'<[a-z]+\b[^>]*\sid="{element_id}"[^>]*>', page)
    assert found, f"#{element_id} is not on the page"
    return found.group(0)


def element(page: str, tag: str, element_id: str) -> str:
    """The element ``<tag id="element_id">…</tag>`` (not nested in a tag of its kind)."""
    found = re.search(rf'<{tag}\b[^>]*\sid="{element_id}"[^>]*>.*?</{tag}>', page, re.S)
    assert found, f"#{element_id} is not on the page"
    return found.group(0)


def text_of(page: str, tag: str, element_id: str) -> str:
    """What ``<tag id="element_id">`` contains, without its own attributes."""
    return element(page, tag, element_id).split(">", 1)[1]


def is_hidden(page: str, element_id: str) -> bool:
    return re.search(r"\shidden(\s|>|=)", opening_tag(page, element_id)) is not None


def login_redirect(next_url: str) -> str:
    return f"{LOGIN}?{urlencode({'next': next_url})}"


def writes_made_by(callable_) -> list[str]:
    """Run ``callable_`` and return the SQL statements it ran that were not reads."""
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return [
        q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().startswith("SELECT")
    ]


# The salon page --------------------------------------------------------------------------------


def test_salon_page_shows_messages_and_the_form_to_a_member(
    public_cop, salon, member, moderator, client_for
):
    first = say(member, salon, "Premier message, voir https://example.org")
    second = say(moderator, salon, "Bienvenue <b>à toutes</b>")

    response = client_for(member).get(salon_url(public_cop))

    page = html(response)
    assert response.status_code == 200
    assert f'id="msg-{first.pk}"' in page and f'id="msg-{second.pk}"' in page
    assert page.index(f'id="msg-{first.pk}"') < page.index(f'id="msg-{second.pk}"')
    assert 'href="https://example.org"' in page
    assert "&lt;b&gt;à toutes&lt;/b&gt;" in page and "<b>à toutes</b>" not in page
    chat_form = opening_tag(page, "chat-form")
    assert f'action="{action_url(salon)}"' in chat_form and not is_hidden(page, "chat-form")
    assert '<input type="hidden" name="action" value="send">' in element(page, "form", "chat-form")
    mentions = reverse("mention_candidates", args=[public_cop.slug])
    assert f'data-mentions-url="{mentions}"' in page
    assert f'data-live="/ws/rooms/{salon.pk}/"' in page
    assert f'data-action-url="{action_url(salon)}"' in page
    salon.refresh_from_db()
    assert f'data-after="{salon.last_seq}"' in page and salon.last_seq == 2
    assert 'name="key" value="f' in page
    assert "js/mentions.js" in page and "js/room.js" in page
    assert 'id="moderation"' not in page


def test_salon_page_includes_the_schema_of_the_actions_of_a_salon(public_cop, salon, client_for):
    page = html(client_for(None).get(salon_url(public_cop)))

    script = re.search(r'<script id="room-actions" type="application/json">(.*?)</script>', page)
    schema = json.loads(script.group(1))
    assert set(schema) == SALON_ACTIONS
    assert schema["send"] == {"key": "key", "body": "text", "voice": "audio"}
    assert schema["mute"] == {"user": "ref", "minutes": "int", "reason": "text"}


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "member", "moderator"])
def test_salon_page_before_the_first_message_is_empty_and_writes_nothing(
    viewer, public_cop, request, client_for
):
    client = client_for(request.getfixturevalue(viewer))
    responses = []

    writes = writes_made_by(lambda: responses.append(client.get(salon_url(public_cop))))

    assert responses[0].status_code == 200
    assert "lancez la conversation" in html(responses[0])
    assert writes == []
    assert not Room.objects.exists()


def test_salon_page_before_the_first_message_offers_a_member_a_form_posted_to_the_salon(
    public_cop, member, client_for
):
    page = html(client_for(member).get(salon_url(public_cop)))

    chat_form = element(page, "form", "chat-form")
    assert f'action="{salon_url(public_cop)}"' in chat_form
    assert '<input type="hidden" name="action" value="send">' in chat_form
    assert re.search(r'name="key" value="f[A-Za-z0-9_-]{20,}"', chat_form)
    assert 'name="body"' in chat_form
    assert "data-live" not in page and "js/room.js" not in page


@pytest.mark.parametrize("viewer", ["anonymous", "outsider"])
def test_salon_page_before_the_first_message_offers_no_form_to_a_non_member(
    viewer, public_cop, request, client_for
):
    page = html(client_for(request.getfixturevalue(viewer)).get(salon_url(public_cop)))

    assert 'id="chat-form"' not in page and "<textarea" not in page
    if viewer == "anonymous":
        assert f'href="{LOGIN}?next={salon_url(public_cop)}"' in page
    else:
        assert "pour écrire dans son salon" in page


def test_first_message_posted_to_the_salon_opens_it_and_goes_to_the_message(
    public_cop, member, client_for
):
    response = client_for(member).post(
        salon_url(public_cop), {"action": "send", "body": "Premier !", "key": "f" + "a" * 24}
    )

    room = Room.objects.get()
    message = Message.objects.get()
    assert (room.community, room.kind) == (public_cop, "salon")
    assert (message.room, message.author, message.body, message.seq) == (
        room,
        member,
        "Premier !",
        1,
    )
    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}#msg-{message.pk}"


def test_first_message_posted_to_the_salon_as_json_answers_an_ack(public_cop, member, client_for):
    response = post_json_body(
        client_for(member),
        salon_url(public_cop),
        {"type": "send", "body": "Premier !", "key": "cle-premiere"},
    )

    message = Message.objects.get()
    assert response.status_code == 200
    assert response.json() == {
        "type": "ack",
        "action": "send",
        "id": message.pk,
        "seq": 1,
        "key": "cle-premiere",
    }


def test_later_messages_posted_to_the_salon_go_to_the_same_room(
    public_cop, salon, member, client_for
):
    say(member, salon, "Avant")

    response = client_for(member).post(
        salon_url(public_cop), {"action": "send", "body": "Après", "key": "cle-apres-1"}
    )

    assert response.status_code == 302
    assert Room.objects.get() == salon
    assert list(Message.objects.values_list("body", flat=True)) == ["Avant", "Après"]


def test_anonymous_post_to_a_salon_with_no_room_is_refused_without_opening_it(
    public_cop, client_for
):
    client = client_for(None)
    data = {"action": "send", "body": "Anonyme", "key": "cle-anonyme"}

    as_form = client.post(salon_url(public_cop), data)
    as_json = client.post(salon_url(public_cop), data, headers=JSON)

    assert as_form.status_code == 302
    assert as_form["Location"] == login_redirect(salon_url(public_cop))
    refusal(as_json, "forbidden")
    assert as_json.json()["message"] == "Connectez-vous pour écrire dans ce salon."
    assert not Room.objects.exists() and not Message.objects.exists()


def test_outsider_post_to_a_salon_with_no_room_is_refused_without_opening_it(
    public_cop, outsider, client_for
):
    client = client_for(outsider)
    data = {"action": "send", "body": "Intrusion", "key": "cle-intrus"}
    reason = "Seuls les membres de cette communauté peuvent écrire dans ce salon."

    as_form = client.post(salon_url(public_cop), data, follow=True)
    as_json = client.post(salon_url(public_cop), data, headers=JSON)

    assert as_form.redirect_chain == [(f"{salon_url(public_cop)}#contenu", 302)]
    assert flashed(as_form) == [reason]
    assert refusal(as_json, "forbidden")["message"] == reason
    assert not Room.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"action": "send", "body": "   ", "key": "cle-vide-01"}, "invalid"),
        ({"action": "send", "body": "Sans clé"}, "bad_frame"),
        ({"action": "danse"}, "unknown_type"),
    ],
    ids=["empty-body", "no-key", "unknown-action"],
)
def test_a_refused_first_message_does_not_open_the_salon(
    data, code, public_cop, member, client_for
):
    client = client_for(member)

    as_json = client.post(salon_url(public_cop), data, headers=JSON)
    as_form = client.post(salon_url(public_cop), data, follow=True)

    refusal(as_json, code)
    assert as_form.redirect_chain == [(f"{salon_url(public_cop)}#contenu", 302)]
    assert len(flashed(as_form)) == 1
    assert not Room.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_post_to_a_private_salon_with_no_room_is_a_404_like_a_missing_cop(
    viewer, private_cop, request, client_for
):
    client = client_for(request.getfixturevalue(viewer))
    data = {"action": "send", "body": "Intrusion", "key": "cle-intrus"}

    response = client.post(salon_url(private_cop), data)
    missing = client.post(reverse("salon", args=["nexiste-pas"]), data)

    assert response.status_code == missing.status_code == 404
    assert PRIVATE_NAME not in html(response)
    assert not Room.objects.exists() and not Message.objects.exists()


def test_salon_page_answers_405_to_other_methods(public_cop, salon, member, client_for):
    client = client_for(member)

    assert client.put(salon_url(public_cop)).status_code == 405
    assert client.delete(salon_url(public_cop)).status_code == 405
    assert not Message.objects.exists()


def test_anonymous_sees_public_salon_messages_and_a_sign_in_note(
    public_cop, salon, member, client_for
):
    say(member, salon, "Réunion demain à Ségou")

    response = client_for(None).get(salon_url(public_cop))

    page = html(response)
    assert response.status_code == 200
    assert "Réunion demain à Ségou" in page
    assert 'id="chat-form"' not in page and "<textarea" not in page
    assert f'href="{LOGIN}?next={salon_url(public_cop)}"' in page
    assert "Connectez-vous</a> pour écrire" in page
    assert "js/mentions.js" not in page


def test_signed_in_non_member_sees_messages_and_an_invitation_to_join(
    public_cop, salon, member, outsider, client_for
):
    say(member, salon, "Réunion demain à Ségou")

    page = html(client_for(outsider).get(salon_url(public_cop)))

    assert "Réunion demain à Ségou" in page
    assert 'id="chat-form"' not in page
    assert f'Rejoignez <a href="{public_cop.get_absolute_url()}">la communauté</a>' in page


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_private_salon_page_is_a_404_for_whoever_is_not_a_member(
    viewer, private_cop, secret_message, request, client_for
):
    client = client_for(request.getfixturevalue(viewer))

    response = client.get(salon_url(private_cop))
    missing = client.get(reverse("salon", args=["nexiste-pas"]))

    assert response.status_code == missing.status_code == 404
    assert SECRET not in html(response)
    assert PRIVATE_NAME not in html(response)


def test_private_salon_page_is_shown_to_a_member(private_cop, secret_message, member, client_for):
    response = client_for(member).get(salon_url(private_cop))

    assert response.status_code == 200
    assert SECRET in html(response)


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "1e3", "²", "١", "9" * 19])
def test_salon_page_refuses_a_malformed_avant_with_a_message(
    value, public_cop, salon, member, client_for
):
    response = client_for(member).get(salon_url(public_cop), {"avant": value})

    assert response.status_code == 400
    assert escape("Le paramètre « avant » doit être un entier positif.") in html(response)


def test_salon_page_shows_the_latest_50_then_older_ones_on_request(
    public_cop, salon, member, client_for, no_rate_limit
):
    sent = [say(member, salon, f"Message numéro {number}") for number in range(55)]
    client = client_for(member)

    latest = client.get(salon_url(public_cop))
    shown = [message.pk for message in latest.context["chat_messages"]]
    assert shown == [message.pk for message in sent[5:]]
    assert f'href="?avant={sent[5].pk}"' in html(latest)

    older = client.get(salon_url(public_cop), {"avant": sent[5].pk})
    assert [message.pk for message in older.context["chat_messages"]] == [
        message.pk for message in sent[:5]
    ]
    assert 'id="chat-older"' not in html(older)
    # An older page is an archive: no socket replays the room to it.
    assert older.context["archive"] is True
    assert "data-kind=" not in html(older)
    assert "Revenir aux derniers messages" in html(older)


def delete_form(message) -> str:
    return f'name="action" value="delete"><input type="hidden" name="id" value="{message.pk}">'


def test_salon_page_offers_the_no_script_delete_form_only_where_allowed(
    public_cop, salon, member, moderator, client_for
):
    own = say(member, salon, "Le mien")
    other = say(moderator, salon, "Celui de la modération")

    as_member = html(client_for(member).get(salon_url(public_cop)))
    as_moderator = html(client_for(moderator).get(salon_url(public_cop)))
    as_anonymous = html(client_for(None).get(salon_url(public_cop)))

    assert delete_form(own) in as_member
    assert delete_form(other) not in as_member
    assert delete_form(own) in as_moderator
    assert delete_form(other) in as_moderator
    assert "msg-delete" not in as_anonymous.split("chat-message-template")[0]


def test_salon_page_shows_who_deleted_a_message_and_not_its_text(
    public_cop, salon, member, moderator, client_for
):
    by_author = say(member, salon, "Texte retiré par son autrice")
    by_moderator = say(member, salon, "Texte retiré par la modération")
    room_services.delete_message(user=member, message=by_author)
    room_services.delete_message(user=moderator, message=by_moderator)

    page = html(client_for(None).get(salon_url(public_cop)))

    assert "Texte retiré" not in page
    assert "Message supprimé par son auteur." in page
    assert "Message supprimé par la modération." in page


def test_closed_salon_shows_a_note_instead_of_the_form(public_cop, salon, member, client_for):
    Room.objects.filter(pk=salon.pk).update(is_closed=True)

    page = html(client_for(member).get(salon_url(public_cop)))

    # Drawn for the member but hidden: the script shows it when the room reopens.
    assert '<form id="chat-form" class="chat-form" method="post" action="/salles/' in page
    assert element(page, "form", "chat-form").split(">", 1)[0].endswith(" hidden")
    assert "La salle est fermée : lecture seule." in element(page, "div", "room-state")


# What a page costs -------------------------------------------------------------------------------

# The CoP by slug, its salon, the latest messages with their authors (one join), presence:
# anonymous sockets and signed-in people (2). Signed in: + the session and the user (2), + the
# viewer's membership, for "may write" and "may delete" (1, cached on the user for every message),
# + for a member, whether a moderator muted them here, to tell them why (1). A moderator is never
# muted but sees the panel: the active mutes (1), the recent authors (2: their ids, then them)
# and which of them moderate the CoP (1). Signed in: + the CoP's sanctions in force on them (mute,
# ban, a removal: 1, cached on the user), to say why they may not write.
SALON_PAGE_QUERIES = {"anonymous": 5, "outsider": 9, "member": 10, "moderator": 13}
# Before the first message: the CoP, the (absent) salon; signed in, + session, user, membership;
# members, + their sanctions in the CoP.
EMPTY_SALON_PAGE_QUERIES = {"anonymous": 2, "outsider": 5, "member": 6, "moderator": 6}


@pytest.fixture
def busy_salon(public_cop, salon, member, moderator, no_rate_limit):
    """60 messages by 6 authors, some deleted by the moderator; two open connections."""
    authors = [member, moderator] + [make_user() for _ in range(4)]
    for author in authors[2:]:
        make_membership(author, public_cop)
    for number in range(60):
        say(authors[number % len(authors)], salon, f"Message {number} https://example.org")
    for message in Message.objects.order_by("id")[::7]:
        room_services.delete_message(user=moderator, message=message)
    room_services.open_connection(topic=f"room.{salon.pk}", channel_name="a", user=moderator)
    room_services.open_connection(topic=f"room.{salon.pk}", channel_name="b", user=None)
    return salon


@pytest.mark.parametrize("viewer", list(SALON_PAGE_QUERIES))
def test_salon_page_query_count_is_pinned(
    viewer, public_cop, busy_salon, request, client_for, django_assert_num_queries
):
    oldest_shown = Message.objects.order_by("-id")[49]
    client = client_for(request.getfixturevalue(viewer))

    for query in ("", f"?avant={oldest_shown.pk}"):
        with django_assert_num_queries(SALON_PAGE_QUERIES[viewer]):
            response = client.get(salon_url(public_cop) + query)
        assert response.status_code == 200
        assert response.context["chat_messages"]


@pytest.mark.parametrize("viewer", list(SALON_PAGE_QUERIES))
def test_salon_page_with_one_message_costs_what_a_busy_salon_costs(
    viewer, public_cop, salon, member, request, client_for, django_assert_num_queries
):
    say(member, salon, "Seul message")
    client = client_for(request.getfixturevalue(viewer))

    with django_assert_num_queries(SALON_PAGE_QUERIES[viewer]):
        assert client.get(salon_url(public_cop)).status_code == 200


@pytest.mark.parametrize("viewer", list(EMPTY_SALON_PAGE_QUERIES))
def test_salon_page_before_the_first_message_query_count_is_pinned(
    viewer, public_cop, request, client_for, django_assert_num_queries
):
    client = client_for(request.getfixturevalue(viewer))

    with django_assert_num_queries(EMPTY_SALON_PAGE_QUERIES[viewer]):
        assert client.get(salon_url(public_cop)).status_code == 200


# Outsiders of a private CoP ---------------------------------------------------------------------

ROOM_ENDPOINTS = ["events", "history", "send", "edit", "delete", "pin", "mute", "close", "report"]


def _room_requests(room, message, person) -> dict[str, tuple[str, str, dict]]:
    url = reverse("room_action", args=[room.pk])
    return {
        "events": ("get", reverse("room_events", args=[room.pk]), {"after": 0}),
        "history": ("get", reverse("room_history", args=[room.pk]), {}),
        "send": ("post", url, {"action": "send", "body": "Intrusion", "key": "intrusion-1"}),
        "edit": ("post", url, {"action": "edit", "id": message.pk, "body": "Intrusion"}),
        "delete": ("post", url, {"action": "delete", "id": message.pk}),
        "pin": ("post", url, {"action": "pin", "id": message.pk}),
        "mute": ("post", url, {"action": "mute", "user": person.pk}),
        "close": ("post", url, {"action": "close"}),
        "report": ("post", url, {"action": "report", "id": message.pk, "reason": "spam"}),
    }


@pytest.mark.parametrize("endpoint", ROOM_ENDPOINTS)
@pytest.mark.parametrize("accept", [JSON, {}], ids=["json", "form"])
def test_outsider_gets_404_on_every_room_endpoint_of_a_private_cop(
    endpoint, accept, private_salon, secret_message, member, outsider, client_for
):
    client = client_for(outsider)
    method, url, data = _room_requests(private_salon, secret_message, member)[endpoint]
    absent_room = Room(pk=private_salon.pk + 1000)
    _m, missing_url, _d = _room_requests(absent_room, secret_message, member)[endpoint]

    response = getattr(client, method)(url, data, headers=accept)
    missing = getattr(client, method)(missing_url, data, headers=accept)

    assert response.status_code == missing.status_code == 404
    assert without_request_details(response, url) == without_request_details(missing, missing_url)
    assert SECRET not in html(response) and PRIVATE_NAME not in html(response)
    secret_message.refresh_from_db()
    assert secret_message.body == SECRET and secret_message.deleted_at is None
    assert Message.objects.count() == 1
    assert RoomEvent.objects.count() == 1
    assert not RoomMute.objects.exists() and not ModerationAction.objects.exists()
    assert not ReportCase.objects.exists()


@pytest.mark.parametrize("endpoint", ROOM_ENDPOINTS)
def test_json_clients_get_the_protocols_not_found_error_frame(
    endpoint, private_salon, secret_message, member, outsider, client_for
):
    method, url, data = _room_requests(private_salon, secret_message, member)[endpoint]

    response = getattr(client_for(outsider), method)(url, data, headers=JSON)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_json_body_to_a_private_room_gets_the_not_found_error_frame(
    private_salon, secret_message, outsider, client_for
):
    response = post_json_body(
        client_for(outsider),
        action_url(private_salon),
        {"type": "send", "body": "Intrusion", "key": "intrusion-1"},
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert Message.objects.count() == 1


@pytest.mark.parametrize("endpoint", ["events", "history", "send", "delete"])
def test_anonymous_gets_404_on_the_room_endpoints_of_a_private_cop(
    endpoint, private_salon, secret_message, member, client_for
):
    method, url, data = _room_requests(private_salon, secret_message, member)[endpoint]

    response = getattr(client_for(None), method)(url, data, headers=JSON)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert SECRET not in html(response)
    assert Message.objects.count() == 1


@pytest.mark.parametrize("action", ["edit", "delete", "pin"])
def test_a_private_message_named_through_a_public_room_is_not_found_like_a_missing_one(
    action, salon, secret_message, member, moderator, client_for
):
    client = client_for(moderator)  # moderates both CoPs, but acts in the public room
    fields = {"body": "Détourné"} if action == "edit" else {}
    if action == "edit":
        client = client_for(member)  # the secret's author

    response = act(client, salon, action, id=secret_message.pk, **fields)
    missing = act(client, salon, action, id=secret_message.pk + 1000, **fields)

    frame, missing_frame = refusal(response, "not_found"), refusal(missing, "not_found")
    assert frame["message"] == missing_frame["message"]
    assert frame["ref"] == secret_message.pk
    assert SECRET not in html(response)
    secret_message.refresh_from_db()
    assert secret_message.body == SECRET and secret_message.deleted_at is None
    salon.refresh_from_db()
    assert salon.pinned_id is None


def test_muting_someone_who_cannot_see_the_room_is_not_found_like_a_missing_person(
    private_salon, moderator, outsider, client_for
):
    client = client_for(moderator)

    stranger = act(client, private_salon, "mute", user=outsider.pk)
    missing = act(client, private_salon, "mute", user=outsider.pk + 1000)

    assert refusal(stranger, "not_found")["message"] == refusal(missing, "not_found")["message"]
    assert not RoomMute.objects.exists()


def test_a_member_of_the_private_cop_reads_its_room_over_http(
    private_salon, secret_message, member, client_for
):
    client = client_for(member)

    events = client.get(reverse("room_events", args=[private_salon.pk]))
    history = client.get(reverse("room_history", args=[private_salon.pk]))

    assert [f["message"]["body"] for f in events.json()["frames"]] == [SECRET]
    assert [m["body"] for m in history.json()["messages"]] == [SECRET]


# Sending ----------------------------------------------------------------------------------------


def test_send_with_a_form_body_answers_an_ack_with_id_and_seq(salon, member, client_for):
    response = act(client_for(member), salon, "send", body="Bonjour !", key="cle-000001")

    assert response.status_code == 200
    message = Message.objects.get()
    salon.refresh_from_db()
    assert response.json() == {
        "type": "ack",
        "action": "send",
        "id": message.pk,
        "seq": salon.last_seq,
        "key": "cle-000001",
    }
    assert (message.author, message.body, message.seq) == (member, "Bonjour !", 1)


def test_send_with_a_json_body_answers_an_ack(salon, member, client_for):
    say(member, salon, "Avant")

    response = post_json_body(
        client_for(member),
        action_url(salon),
        {"type": "send", "body": "En JSON", "key": "cle-json-01"},
    )

    ack = response.json()
    assert response.status_code == 200
    assert ack == {"type": "ack", "action": "send", "id": ack["id"], "seq": 2, "key": "cle-json-01"}
    assert Message.objects.get(pk=ack["id"]).body == "En JSON"


def test_a_json_body_may_name_its_action_with_action_instead_of_type(salon, member, client_for):
    response = post_json_body(
        client_for(member),
        action_url(salon),
        {"action": "send", "body": "Nommé autrement", "key": "cle-action-1"},
    )

    assert response.status_code == 200
    assert response.json()["action"] == "send"
    assert Message.objects.get().body == "Nommé autrement"


def test_a_json_body_gets_a_json_answer_without_an_accept_header(salon, member, client_for):
    response = client_for(member).post(
        action_url(salon),
        json.dumps({"type": "send", "body": "Sans Accept", "key": "cle-noaccept"}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "ack"


@pytest.mark.parametrize("key", [None, ""], ids=["absent", "empty"])
def test_send_without_a_key_answers_400_bad_frame(key, salon, member, client_for):
    fields = {"body": "Sans clé"} if key is None else {"body": "Sans clé", "key": key}

    response = act(client_for(member), salon, "send", **fields)

    assert refusal(response, "bad_frame")["message"] == "Le champ « key » est obligatoire."
    assert not Message.objects.exists()


def test_send_repeated_with_the_same_key_makes_one_message(salon, member, client_for):
    client = client_for(member)
    data = {"body": "Une seule fois", "key": "cle-retry-1"}

    first = act(client, salon, "send", **data)
    again = post_json_body(client, action_url(salon), {"type": "send", **data})

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Message.objects.count() == 1
    assert RoomEvent.objects.count() == 1


def test_a_key_already_used_in_another_room_answers_400_bad_frame(
    salon, private_salon, member, client_for
):
    client = client_for(member)
    assert act(client, private_salon, "send", body="Ici", key="cle-unique-1").status_code == 200

    response = act(client, salon, "send", body="Là", key="cle-unique-1")

    assert refusal(response, "bad_frame")["key"] == "cle-unique-1"
    assert list(Message.objects.values_list("room", flat=True)) == [private_salon.pk]


def test_send_over_the_rate_limit_answers_429_rate_limited(salon, member, client_for):
    client = client_for(member)
    for number in range(5):
        response = act(client, salon, "send", body=f"Message {number}", key=f"cle-rate-{number}")
        assert response.status_code == 200

    response = act(client, salon, "send", body="De trop", key="cle-rate-9")

    frame = refusal(response, "rate_limited")
    assert response.status_code == 429
    assert "5 messages au plus en 10 secondes" in frame["message"]
    assert frame["key"] == "cle-rate-9"
    assert Message.objects.count() == 5


def test_send_within_the_slow_mode_answers_429_slow_mode(salon, member, moderator, client_for):
    room_services.set_slow_mode(moderator=moderator, room=salon, seconds=60)
    client = client_for(member)
    assert act(client, salon, "send", body="Un", key="cle-lent-01").status_code == 200

    response = act(client, salon, "send", body="Deux", key="cle-lent-02")

    assert response.status_code == 429
    assert "Mode lent" in refusal(response, "slow_mode")["message"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize("body", ["", "   \n\t ", "\u200b\u200b"])
def test_send_of_an_empty_body_answers_400_invalid(body, salon, member, client_for):
    response = act(client_for(member), salon, "send", body=body, key="cle-vide-01")

    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "code": "invalid",
        "message": "Le message ne peut pas être vide.",
        "key": "cle-vide-01",
    }
    assert not Message.objects.exists()


def test_send_of_2000_characters_is_accepted_and_2001_refused(salon, member, client_for):
    client = client_for(member)

    longest = act(client, salon, "send", body="a" * 2000, key="cle-long-01")
    too_long = act(client, salon, "send", body="b" * 2001, key="cle-long-02")

    assert longest.status_code == 200
    assert "2001 caractères" in refusal(too_long, "invalid")["message"]
    assert list(Message.objects.values_list("body", flat=True)) == ["a" * 2000]


def test_send_by_a_non_member_answers_403_forbidden(salon, outsider, client_for):
    response = act(client_for(outsider), salon, "send", body="Intrusion", key="cle-intrus")

    refusal(response, "forbidden")
    assert not Message.objects.exists()


def test_send_by_anonymous_answers_403_json_or_the_login_page(public_cop, salon, client_for):
    client = client_for(None)
    data = {"action": "send", "body": "Anonyme", "key": "cle-anonyme"}

    as_json = client.post(action_url(salon), data, headers=JSON)
    as_form = client.post(action_url(salon), data)

    refusal(as_json, "forbidden")
    assert as_form.status_code == 302
    assert as_form["Location"] == login_redirect(salon_url(public_cop))
    assert not Message.objects.exists()


def test_send_to_a_closed_room_answers_403_closed(salon, member, client_for):
    Room.objects.filter(pk=salon.pk).update(is_closed=True)

    response = act(client_for(member), salon, "send", body="Trop tard", key="cle-ferme")

    refusal(response, "closed")
    assert not Message.objects.exists()


def test_send_before_the_room_opens_answers_403_not_open(salon, member, client_for):
    Room.objects.filter(pk=salon.pk).update(opens_at=timezone.now() + timedelta(hours=1))

    response = act(client_for(member), salon, "send", body="Trop tôt", key="cle-tot-01")

    refusal(response, "not_open")
    assert not Message.objects.exists()


def test_send_by_a_muted_member_answers_403_muted_with_the_reason(
    salon, member, moderator, client_for
):
    room_services.mute_participant(
        moderator=moderator, room=salon, user=member, reason="Propos blessants"
    )

    response = act(client_for(member), salon, "send", body="Encore", key="cle-muet-01")

    assert "Motif : Propos blessants" in refusal(response, "muted")["message"]
    assert not Message.objects.exists()


def test_send_from_the_form_redirects_to_the_message_in_the_salon(
    public_cop, salon, member, client_for
):
    response = client_for(member).post(
        action_url(salon), {"action": "send", "body": "Sans JS", "key": "f" + "x" * 20}
    )

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}#msg-{message.pk}"


def test_refused_send_from_the_form_goes_back_to_the_salon_with_the_reason(
    public_cop, salon, member, client_for
):
    response = client_for(member).post(
        action_url(salon), {"action": "send", "body": "  ", "key": "f" + "x" * 20}, follow=True
    )

    assert response.redirect_chain == [(f"{salon_url(public_cop)}#contenu", 302)]
    assert flashed(response) == ["Le message ne peut pas être vide."]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{pas du json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('"texte"', "bad_json"),
        ("12", "bad_json"),
        ("null", "bad_json"),
        ("[" * 16_000, "bad_json"),
        ('{"a":' * 2_500 + "1" + "}" * 2_500, "bad_json"),
        ("[" * 100_000, "too_large"),
        (b'{"type": "send", "body": "\xff\xfe", "key": "cle-bytes-1"}', "bad_json"),
        ('{"body": "ok", "key": "cle-sans-type"}', "unknown_type"),
        ('{"type": 5, "body": "ok"}', "unknown_type"),
        ('{"type": "danse"}', "unknown_type"),
        ('{"type": "ask", "body": "?", "key": "cle-question"}', "unknown_type"),
        ('{"type": "send", "body": 12, "key": "cle-nombre-1"}', "bad_frame"),
        ('{"type": "send", "body": "ok", "key": 5}', "bad_frame"),
        ('{"type": "send", "body": "ok"}', "bad_frame"),
        ('{"type": "send", "body": null, "key": "cle-null-01"}', "bad_frame"),
    ],
    ids=[
        "broken",
        "list",
        "string",
        "number",
        "null",
        "deeply-nested-list",
        "deeply-nested-object",
        "deeply-nested-over-16-kb",
        "not-utf-8",
        "no-type",
        "type-not-a-string",
        "unknown-type",
        "webinar-action-in-a-salon",
        "body-not-a-string",
        "key-not-a-string",
        "no-key",
        "null-body",
    ],
)
def test_send_of_a_malformed_json_body_answers_its_error_frame(
    raw, code, salon, member, client_for
):
    response = post_raw_json(client_for(member), action_url(salon), raw)

    refusal(response, code)
    assert not Message.objects.exists() and not RoomEvent.objects.exists()


def test_json_body_over_16_kb_answers_413_too_large(salon, member, client_for):
    body = {"type": "send", "body": "a" * (16 * 1024), "key": "cle-grosse"}

    response = post_json_body(client_for(member), action_url(salon), body)

    refusal(response, "too_large")
    assert not Message.objects.exists()


def test_an_empty_json_body_answers_400_bad_json(salon, member, client_for):
    # The test client leaves out the Content-Type of an empty body: give it, as a script would.
    response = client_for(member).post(
        action_url(salon),
        "",
        content_type="application/json",
        CONTENT_TYPE="application/json",
        headers=JSON,
    )

    refusal(response, "bad_json")
    assert not Message.objects.exists()


# A form's fields: action=send, body=ok, key=cle-charset.
URLENCODED = b"action=send&body=ok&key=cle-charset"
MULTIPART = (
    b"".join(
        b'--BB\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (name, value)
        for name, value in ((b"action", b"send"), (b"body", b"ok"), (b"key", b"cle-charset"))
    )
    + b"--BB--\r\n"
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (URLENCODED, "application/x-www-form-urlencoded; charset=latin-1"),
        (URLENCODED, "application/x-www-form-urlencoded; charset=rot13"),
        (MULTIPART, "multipart/form-data; boundary=BB; charset=rot13"),
    ],
    ids=["urlencoded-latin-1", "urlencoded-not-a-text-encoding", "multipart-not-a-text-encoding"],
)
def test_a_form_not_in_utf_8_answers_400_bad_frame(body, content_type, salon, member, client_for):
    response = client_for(member).post(
        action_url(salon),
        body,
        content_type="application/octet-stream",
        CONTENT_TYPE=content_type,
        headers=JSON,
    )

    assert response.status_code == 400
    assert refusal(response, "bad_frame")["message"] == (
        "Formulaire illisible : envoyez-le en UTF-8."
    )
    assert not Message.objects.exists()


def test_a_form_in_an_unknown_charset_is_read_as_utf_8(salon, member, client_for):
    response = client_for(member).post(
        action_url(salon),
        URLENCODED,
        content_type="application/octet-stream",
        CONTENT_TYPE="application/x-www-form-urlencoded; charset=klingon",
        headers=JSON,
    )

    assert response.json()["type"] == "ack"
    assert Message.objects.get().body == "ok"


@pytest.mark.parametrize("action", [None, "", "danse", "ask", "SEND"])
def test_form_with_a_missing_or_unknown_action_answers_400_unknown_type(
    action, salon, member, client_for
):
    data = {"body": "ok", "key": "cle-inconnue"}
    if action is not None:
        data["action"] = action

    response = client_for(member).post(action_url(salon), data, headers=JSON)

    refusal(response, "unknown_type")
    assert not Message.objects.exists()


@pytest.mark.parametrize("key", ["court", "a" * 65, "espace pas permise", "clé-accentuée"])
def test_send_with_a_malformed_key_answers_400_bad_frame(key, salon, member, client_for):
    response = act(client_for(member), salon, "send", body="Ok", key=key)

    refusal(response, "bad_frame")
    assert not Message.objects.exists()


# Events and history ----------------------------------------------------------------------------


def test_events_returns_changes_in_seq_order_each_message_once(salon, member, client_for):
    first = say(member, salon, "Un")
    second = say(member, salon, "Deux")
    room_services.edit_message(editor=member, message=first, body="Un, corrigé")
    third = say(member, salon, "Trois")
    url = reverse("room_events", args=[salon.pk])

    everything = client_for(None).get(url).json()
    since_two = client_for(None).get(url, {"after": 2}).json()
    nothing = client_for(None).get(url, {"after": 4}).json()

    assert [(f["seq"], f["message"]["id"]) for f in everything["frames"]] == [
        (2, second.pk),
        (3, first.pk),
        (4, third.pk),
    ]
    assert everything["last_seq"] == 4
    assert all(f["type"] == "message" for f in everything["frames"])
    assert set(everything["frames"][1]["message"]) == MESSAGE_KEYS
    assert everything["frames"][1]["message"]["body"] == "Un, corrigé"
    assert everything["frames"][1]["message"]["edited_at"] is not None
    assert [f["seq"] for f in since_two["frames"]] == [3, 4]
    assert nothing == {"frames": [], "last_seq": 4, "more": False}


def test_events_include_room_settings_and_mutes(salon, member, moderator, client_for):
    room_services.set_slow_mode(moderator=moderator, room=salon, seconds=30)
    room_services.mute_participant(
        moderator=moderator, room=salon, user=member, minutes=10, reason="Hors sujet"
    )

    frames = client_for(member).get(reverse("room_events", args=[salon.pk])).json()["frames"]

    assert [f["type"] for f in frames] == ["room", "mute"]
    assert frames[0]["room"]["slow_mode"] == 30
    assert frames[1]["user"]["id"] == member.pk and frames[1]["muted"] is True
    assert "Hors sujet" not in json.dumps(frames)  # the reason is not the room's business


def test_events_are_paged_by_200_changes(salon, member, client_for, no_rate_limit):
    for number in range(205):
        say(member, salon, f"M{number}")
    url = reverse("room_events", args=[salon.pk])
    client = client_for(member)

    first = client.get(url, {"after": 0}).json()
    rest = client.get(url, {"after": first["last_seq"]}).json()

    assert len(first["frames"]) == 200 and first["last_seq"] == 200 and first["more"] is True
    assert [f["seq"] for f in rest["frames"]] == [201, 202, 203, 204, 205]
    assert rest["last_seq"] == 205


MALFORMED_NUMBERS = ["-1", "abc", "1.5", "1e3", "²", "١", " 1", "0x10", "9" * 19]


@pytest.mark.parametrize("after", MALFORMED_NUMBERS)
def test_events_refuse_a_malformed_after_with_400_bad_frame(after, salon, member, client_for):
    response = client_for(member).get(reverse("room_events", args=[salon.pk]), {"after": after})

    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "code": "bad_frame",
        "message": "Le paramètre « after » doit être un entier positif.",
    }


def test_history_returns_the_50_latest_then_older_ones_oldest_first(
    salon, member, client_for, no_rate_limit
):
    sent = [say(member, salon, f"Message {number}") for number in range(60)]
    url = reverse("room_history", args=[salon.pk])
    client = client_for(None)

    latest = client.get(url).json()
    older = client.get(url, {"before": sent[10].pk}).json()

    assert [m["id"] for m in latest["messages"]] == [m.pk for m in sent[10:]]
    assert latest["has_more"] is True
    assert set(latest["messages"][0]) == MESSAGE_KEYS
    assert [m["id"] for m in older["messages"]] == [m.pk for m in sent[:10]]
    assert older["has_more"] is False


def test_history_before_a_later_message_gives_50_and_says_more_remain(
    salon, member, client_for, no_rate_limit
):
    sent = [say(member, salon, f"Message {number}") for number in range(60)]

    page = (
        client_for(member)
        .get(reverse("room_history", args=[salon.pk]), {"before": sent[55].pk})
        .json()
    )

    assert [m["id"] for m in page["messages"]] == [m.pk for m in sent[5:55]]
    assert page["has_more"] is True


@pytest.mark.parametrize("before", MALFORMED_NUMBERS)
def test_history_refuses_a_malformed_before_with_400_bad_frame(before, salon, member, client_for):
    response = client_for(member).get(reverse("room_history", args=[salon.pk]), {"before": before})

    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "code": "bad_frame",
        "message": "Le paramètre « before » doit être un entier positif.",
    }


# Editing and deleting ---------------------------------------------------------------------------


def test_edit_own_message_answers_an_ack_and_changes_it(salon, member, client_for):
    message = say(member, salon, "Premier jet")

    response = act(client_for(member), salon, "edit", id=message.pk, body="Version finale")

    assert response.status_code == 200
    assert response.json() == {"type": "ack", "action": "edit", "id": message.pk}
    message.refresh_from_db()
    salon.refresh_from_db()
    assert message.body == "Version finale" and message.edited_at is not None
    assert salon.last_seq == 2
    assert RoomEvent.objects.filter(room=salon, seq=2, object_id=message.pk).exists()


def test_edit_with_a_json_body_answers_an_ack(salon, member, client_for):
    message = say(member, salon, "Premier jet")

    response = post_json_body(
        client_for(member), action_url(salon), {"type": "edit", "id": message.pk, "body": "Corrigé"}
    )

    assert response.status_code == 200
    assert response.json() == {"type": "ack", "action": "edit", "id": message.pk}
    message.refresh_from_db()
    assert message.body == "Corrigé"


def test_edit_after_15_minutes_answers_409_edit_window_closed(salon, member, client_for):
    message = say(member, salon, "Ancien")
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=15, seconds=1)
    )

    response = act(client_for(member), salon, "edit", id=message.pk, body="Trop tard")

    frame = refusal(response, "edit_window_closed")
    assert response.status_code == 409
    assert frame["ref"] == message.pk
    message.refresh_from_db()
    assert message.body == "Ancien" and message.edited_at is None


def test_edit_of_someone_elses_message_answers_403_forbidden(salon, member, moderator, client_for):
    message = say(member, salon, "Le mien")

    response = act(client_for(moderator), salon, "edit", id=message.pk, body="Réécrit")

    refusal(response, "forbidden")
    message.refresh_from_db()
    assert message.body == "Le mien"


def test_edit_to_an_empty_body_answers_400_invalid(salon, member, client_for):
    message = say(member, salon, "Texte")

    response = act(client_for(member), salon, "edit", id=message.pk, body=" ")

    refusal(response, "invalid")
    message.refresh_from_db()
    assert message.body == "Texte"


@pytest.mark.parametrize(
    "frame",
    [
        lambda pk: {"type": "edit", "id": pk, "body": ["liste"]},
        lambda pk: {"type": "edit", "id": str(pk), "body": "x"},
        lambda pk: {"type": "edit", "id": True, "body": "x"},
        lambda pk: {"type": "edit", "id": None, "body": "x"},
        lambda pk: {"type": "edit", "body": "x"},
    ],
    ids=["body-a-list", "id-a-string", "id-a-boolean", "id-null", "no-id"],
)
def test_edit_with_a_malformed_json_body_answers_400_bad_frame(frame, salon, member, client_for):
    message = say(member, salon, "Texte")

    response = post_json_body(client_for(member), action_url(salon), frame(message.pk))

    refusal(response, "bad_frame")
    message.refresh_from_db()
    assert message.body == "Texte"


@pytest.mark.parametrize("value", ["x", "-1", "1.5", "²", "0", "9" * 19])
def test_edit_with_a_malformed_id_in_a_form_answers_400_bad_frame(value, salon, member, client_for):
    response = act(client_for(member), salon, "edit", id=value, body="x")

    refusal(response, "bad_frame")


def test_edit_from_a_form_goes_back_to_the_salon(public_cop, salon, member, client_for):
    message = say(member, salon, "Texte")

    response = client_for(member).post(
        action_url(salon), {"action": "edit", "id": message.pk, "body": "Autre texte"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}#contenu"
    message.refresh_from_db()
    assert message.body == "Autre texte"


def test_delete_of_someone_elses_message_by_a_member_answers_403(
    salon, member, moderator, client_for
):
    message = say(moderator, salon, "Annonce")

    response = act(client_for(member), salon, "delete", id=message.pk)

    assert refusal(response, "forbidden")["ref"] == message.pk
    message.refresh_from_db()
    assert message.deleted_at is None and message.body == "Annonce"
    assert not ModerationAction.objects.exists()


def test_delete_by_a_moderator_is_marked_and_logged(salon, member, moderator, client_for):
    message = say(member, salon, "Hors charte")

    response = act(client_for(moderator), salon, "delete", id=message.pk)

    assert response.status_code == 200
    assert response.json() == {"type": "ack", "action": "delete", "id": message.pk}
    message.refresh_from_db()
    assert message.is_deleted and message.deleted_by == moderator
    assert message.body == message.body_html == ""
    action = ModerationAction.objects.get()
    assert action.kind == ModerationAction.Kind.DELETE_MESSAGE
    assert (action.actor, action.target_user) == (moderator, member)
    assert action.details == {"room_id": salon.pk, "message_id": message.pk}
    history = client_for(None).get(reverse("room_history", args=[salon.pk])).json()
    assert history["messages"][0]["deleted_by_moderator"] is True


def test_delete_of_ones_own_message_is_not_a_moderation_action(salon, member, client_for):
    message = say(member, salon, "Oups")

    response = act(client_for(member), salon, "delete", id=message.pk)

    assert response.json() == {"type": "ack", "action": "delete", "id": message.pk}
    message.refresh_from_db()
    assert message.is_deleted and message.deleted_by == member
    assert not ModerationAction.objects.exists()


def test_delete_of_a_deleted_message_answers_404_not_found(salon, member, client_for):
    message = say(member, salon, "Oups")
    room_services.delete_message(user=member, message=message)

    response = act(client_for(member), salon, "delete", id=message.pk)

    refusal(response, "not_found")


def test_delete_from_the_form_goes_back_to_the_salon(public_cop, salon, member, client_for):
    message = say(member, salon, "Oups")

    response = client_for(member).post(action_url(salon), {"action": "delete", "id": message.pk})

    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}#contenu"
    message.refresh_from_db()
    assert message.is_deleted


def test_refused_delete_from_the_form_goes_back_with_the_reason(
    public_cop, salon, member, moderator, client_for
):
    message = say(moderator, salon, "Annonce")

    response = client_for(member).post(
        action_url(salon), {"action": "delete", "id": message.pk}, follow=True
    )

    assert response.redirect_chain == [(f"{salon_url(public_cop)}#contenu", 302)]
    assert flashed(response) == ["Vous ne pouvez pas supprimer ce message."]


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_anonymous_edit_or_delete_answers_403_json_or_the_login_page(
    action, public_cop, salon, member, client_for
):
    message = say(member, salon, "Texte")
    data = {"action": action, "id": message.pk, "body": "Anonyme"}
    client = client_for(None)

    as_json = client.post(action_url(salon), data, headers=JSON)
    as_form = client.post(action_url(salon), data)

    refusal(as_json, "forbidden")
    assert as_form.status_code == 302
    assert as_form["Location"] == login_redirect(salon_url(public_cop))
    message.refresh_from_db()
    assert message.body == "Texte" and not message.is_deleted


def test_room_action_answers_405_to_get(salon, member, client_for):
    message = say(member, salon, "Texte")

    response = client_for(member).get(
        action_url(salon), {"action": "delete", "id": message.pk}, headers=JSON
    )

    assert response.status_code == 405
    message.refresh_from_db()
    assert message.body == "Texte" and not message.is_deleted


@pytest.mark.parametrize("name", ["room_events", "room_history"])
def test_read_only_room_endpoints_answer_405_to_post(name, salon, member, client_for):
    response = client_for(member).post(reverse(name, args=[salon.pk]), headers=JSON)

    assert response.status_code == 405


# Moderation -------------------------------------------------------------------------------------


def test_moderator_page_has_the_moderation_panel_and_a_member_page_does_not(
    public_cop, salon, member, moderator, client_for
):
    say(member, salon, "Bonjour")

    as_moderator = html(client_for(moderator).get(salon_url(public_cop)))
    as_member = html(client_for(member).get(salon_url(public_cop)))

    panel = element(as_moderator, "section", "moderation")
    for form in ("close-form", "slow-form", "mute-form"):
        assert f'action="{action_url(salon)}"' in opening_tag(panel, form)
    assert "Fermer la salle (lecture seule)" in panel
    people = element(panel, "select", "mute-user")
    assert f'<option value="{member.pk}">Awa Traoré</option>' in people
    assert f'value="{moderator.pk}"' not in people  # nor a moderator, nor oneself
    durations = element(panel, "select", "mute-minutes")
    assert '<option value="10" selected>10 minutes</option>' in durations
    assert '<option value="0">jusqu&#x27;à nouvel ordre</option>' in durations
    assert 'name="reason"' in panel
    assert "Personne." in element(panel, "ul", "mute-list")
    assert 'id="moderation"' not in as_member and 'id="close-form"' not in as_member


def test_mute_link_under_a_message_preselects_its_author_and_opens_the_panel(
    public_cop, salon, member, moderator, client_for
):
    say(member, salon, "Bonjour")

    page = html(
        client_for(moderator).get(
            salon_url(public_cop), {"muet": member.pk, "onglet": "moderation"}
        )
    )

    assert f'<option value="{member.pk}" selected>Awa Traoré</option>' in page
    assert '<details class="mod-details" open>' in page


def test_mute_through_the_form_shows_the_member_why_and_until_when_and_hides_the_form(
    public_cop, salon, member, moderator, client_for
):
    say(member, salon, "Bonjour")

    response = client_for(moderator).post(
        action_url(salon),
        {
            "action": "mute",
            "onglet": "moderation",
            "user": member.pk,
            "minutes": "30",
            "reason": "Propos blessants",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}?onglet=moderation#moderation"
    mute = RoomMute.objects.get()
    assert (mute.user, mute.muted_by, mute.reason) == (member, moderator, "Propos blessants")
    assert timedelta(minutes=29) < mute.until - timezone.now() <= timedelta(minutes=30)
    page = html(client_for(member).get(salon_url(public_cop)))
    state = element(page, "p", "write-state")
    assert not is_hidden(page, "write-state")
    assert escape("vous a rendu muet·te ici jusqu'à") in state
    assert timezone.localtime(mute.until).strftime("%H:%M") in state
    assert "(heure de Bamako)" in state and "Motif : Propos blessants" in state
    assert is_hidden(page, "chat-form")
    me = re.search(r'<script id="room-me" type="application/json">(.*?)</script>', page)
    assert json.loads(me.group(1))["muted"]["reason"] == "Propos blessants"
    log = ModerationAction.objects.get(kind=ModerationAction.Kind.MUTE)
    assert (log.actor, log.target_user, log.reason) == (moderator, member, "Propos blessants")


def test_mute_until_lifted_tells_the_member_so(public_cop, salon, member, moderator, client_for):
    response = act(client_for(moderator), salon, "mute", user=member.pk, minutes="0")

    assert response.json() == {"type": "ack", "action": "mute", "id": member.pk}
    page = html(client_for(member).get(salon_url(public_cop)))
    assert escape("vous a rendu muet·te ici, jusqu'à nouvel ordre.") in element(
        page, "p", "write-state"
    )
    assert "Motif" not in text_of(page, "p", "write-state")
    assert RoomMute.objects.get().until is None


def test_moderator_page_lists_the_active_mute_with_an_unmute_form(
    public_cop, salon, member, moderator, client_for
):
    say(member, salon, "Bonjour")
    mute = room_services.mute_participant(
        moderator=moderator, room=salon, user=member, minutes=60, reason="Hors sujet"
    )

    page = html(client_for(moderator).get(salon_url(public_cop)))

    mutes = element(page, "ul", "mute-list")
    assert f'data-user="{member.pk}"' in mutes
    assert '<span class="mute-name">Awa Traoré</span>' in mutes
    until = timezone.localtime(mute.until).strftime("%H:%M")
    assert f'<span class="mute-until">jusqu\'à {until}</span>' in mutes
    assert "(Hors sujet)" in mutes
    assert f'action="{action_url(salon)}"' in mutes
    assert '<input type="hidden" name="action" value="unmute">' in mutes
    assert f'<input type="hidden" name="user" value="{member.pk}">' in mutes
    assert f'value="{member.pk}"' not in element(page, "select", "mute-user")


def test_unmute_through_the_form_gives_the_member_the_form_back(
    public_cop, salon, member, moderator, client_for
):
    say(member, salon, "Bonjour")
    room_services.mute_participant(moderator=moderator, room=salon, user=member, minutes=60)

    response = client_for(moderator).post(
        action_url(salon), {"action": "unmute", "onglet": "moderation", "user": member.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}?onglet=moderation#moderation"
    page = html(client_for(member).get(salon_url(public_cop)))
    assert not is_hidden(page, "chat-form")
    assert is_hidden(page, "write-state")
    assert RoomMute.objects.get().lifted_at is not None
    moderator_page = html(client_for(moderator).get(salon_url(public_cop)))
    assert "Personne." in element(moderator_page, "ul", "mute-list")
    assert ModerationAction.objects.filter(kind=ModerationAction.Kind.UNMUTE).count() == 1


def test_unmute_of_someone_not_muted_is_refused_with_the_reason(
    public_cop, salon, member, moderator, client_for
):
    response = client_for(moderator).post(
        action_url(salon),
        {"action": "unmute", "onglet": "moderation", "user": member.pk},
        follow=True,
    )

    assert response.redirect_chain == [
        (f"{salon_url(public_cop)}?onglet=moderation#moderation", 302)
    ]
    assert flashed(response) == ["Cette personne n'est pas muette ici."]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"minutes": "43201"}, "invalid"),
        ({"minutes": "-5"}, "bad_frame"),
        ({"minutes": "dix"}, "bad_frame"),
        ({"reason": "r" * 301}, "invalid"),
        ({"user": ""}, "bad_frame"),
    ],
    ids=["over-30-days", "negative", "not-a-number", "reason-over-300", "nobody"],
)
def test_mute_with_a_bad_duration_reason_or_person_is_refused(
    fields, code, salon, member, moderator, client_for
):
    data = {"user": member.pk, **fields}

    response = act(client_for(moderator), salon, "mute", **data)

    refusal(response, code)
    assert not RoomMute.objects.exists()


def test_mute_of_a_moderator_is_refused(salon, moderator, staff, client_for):
    response = act(client_for(staff), salon, "mute", user=moderator.pk)

    refusal(response, "invalid")
    assert not RoomMute.objects.exists()


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("mute", {"user": "MEMBER"}),
        ("unmute", {"user": "MEMBER"}),
        ("close", {}),
        ("slow_mode", {"seconds": "30"}),
        ("pin", {}),
    ],
)
def test_moderation_by_a_member_answers_403_forbidden(
    action, fields, salon, member, moderator, client_for
):
    data = {name: (member.pk if value == "MEMBER" else value) for name, value in fields.items()}

    response = act(client_for(member), salon, action, **data)

    refusal(response, "forbidden")
    salon.refresh_from_db()
    assert (salon.is_closed, salon.slow_mode) == (False, 0)
    assert not RoomMute.objects.exists() and not ModerationAction.objects.exists()


def test_close_through_the_form_turns_the_button_into_reopen(
    public_cop, salon, member, moderator, client_for
):
    client = client_for(moderator)

    response = client.post(
        action_url(salon), {"action": "close", "onglet": "moderation", "closed": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}?onglet=moderation#moderation"
    salon.refresh_from_db()
    assert salon.is_closed
    close_form = element(html(client.get(response["Location"])), "form", "close-form")
    assert "Rouvrir la salle</button>" in close_form
    assert '<input type="hidden" name="closed" value="0">' in close_form
    member_page = html(client_for(member).get(salon_url(public_cop)))
    assert element(member_page, "form", "chat-form").split(">", 1)[0].endswith(" hidden")
    assert "La salle est fermée : lecture seule." in member_page

    client.post(action_url(salon), {"action": "close", "onglet": "moderation", "closed": "0"})

    reopened = element(html(client.get(salon_url(public_cop))), "form", "close-form")
    assert "Fermer la salle (lecture seule)</button>" in reopened
    assert '<input type="hidden" name="closed" value="1">' in reopened
    reopened_page = html(client_for(member).get(salon_url(public_cop)))
    assert not element(reopened_page, "form", "chat-form").split(">", 1)[0].endswith(" hidden")
    logged = ModerationAction.objects.filter(kind=ModerationAction.Kind.ROOM_SETTINGS)
    assert [action.details["closed"] for action in logged.order_by("pk")] == [True, False]


def test_close_without_the_closed_field_closes_the_room(salon, moderator, client_for):
    response = act(client_for(moderator), salon, "close")

    assert response.json() == {"type": "ack", "action": "close", "id": salon.pk}
    salon.refresh_from_db()
    assert salon.is_closed


def test_slow_mode_through_the_form_is_shown_on_the_page(
    public_cop, salon, member, moderator, client_for
):
    response = client_for(moderator).post(
        action_url(salon), {"action": "slow_mode", "onglet": "moderation", "seconds": "30"}
    )

    assert response.status_code == 302
    page = html(client_for(member).get(salon_url(public_cop)))
    assert "Mode lent : un message par personne toutes les 30 secondes." in element(
        page, "div", "room-state"
    )
    assert 'id="slow-form"' not in page
    moderator_page = html(client_for(moderator).get(salon_url(public_cop)))
    assert 'name="seconds" type="number" min="0" max="600" value="30"' in moderator_page


@pytest.mark.parametrize(("seconds", "code"), [("601", "invalid"), ("-1", "bad_frame")])
def test_slow_mode_out_of_bounds_is_refused(seconds, code, salon, moderator, client_for):
    response = act(client_for(moderator), salon, "slow_mode", seconds=seconds)

    refusal(response, code)
    salon.refresh_from_db()
    assert salon.slow_mode == 0


def test_pin_and_unpin_through_the_forms(public_cop, salon, member, moderator, client_for):
    message = say(member, salon, "Ordre du jour : la loi 052")
    client = client_for(moderator)

    client.post(action_url(salon), {"action": "pin", "id": message.pk})

    page = html(client_for(member).get(salon_url(public_cop)))
    assert not is_hidden(page, "pinned")
    assert "Ordre du jour : la loi 052" in element(page, "section", "pinned")

    response = client.post(action_url(salon), {"action": "pin"})

    assert response.status_code == 302
    salon.refresh_from_db()
    assert salon.pinned_id is None
    assert is_hidden(html(client_for(member).get(salon_url(public_cop))), "pinned")


# Where a form comes back to ----------------------------------------------------------------------


def test_form_with_an_onglet_comes_back_to_that_tab(public_cop, salon, member, client_for):
    response = client_for(member).post(
        action_url(salon),
        {"action": "send", "body": "Question ?", "key": "f" + "q" * 20, "onglet": "questions"},
    )

    message = Message.objects.get()
    assert response["Location"] == f"{salon_url(public_cop)}?onglet=questions#msg-{message.pk}"


def test_refused_form_with_an_onglet_comes_back_to_that_tab(public_cop, salon, member, client_for):
    response = client_for(member).post(
        action_url(salon), {"action": "delete", "id": "999999", "onglet": "questions"}
    )

    assert response["Location"] == f"{salon_url(public_cop)}?onglet=questions#questions"


@pytest.mark.parametrize(
    "onglet",
    [
        "",
        "Questions",
        "a" * 21,
        "questions#x",
        "ques tions",
        "javascript:alert(1)",
        "../admin",
        "é",
    ],
)
def test_an_onglet_that_is_not_a_tab_name_is_ignored(
    onglet, public_cop, salon, moderator, client_for
):
    response = client_for(moderator).post(
        action_url(salon), {"action": "slow_mode", "seconds": "5", "onglet": onglet}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}#contenu"
    salon.refresh_from_db()
    assert salon.slow_mode == 5


# Opening a salon, archives, and the webinar room's older messages ------------------------------


@pytest.mark.parametrize("action", ["close", "slow_mode", "pin"])
def test_no_action_but_a_message_opens_a_salon(action, public_cop, moderator, client_for):
    response = client_for(moderator).post(
        salon_url(public_cop), {"action": action, "closed": "1", "seconds": "30"}, headers=JSON
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Room.objects.filter(community=public_cop).exists()


def test_a_json_post_to_a_private_salon_gets_the_protocols_not_found(
    private_cop, outsider, client_for
):
    response = client_for(outsider).post(
        salon_url(private_cop),
        json.dumps({"type": "send", "key": "k-private-0001", "body": "Bonjour"}),
        content_type="application/json",
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Room.objects.filter(community=private_cop).exists()


def test_the_webinar_rooms_older_messages_are_an_archive_of_the_discussion(
    public_cop, member, moderator, client_for, no_rate_limit
):
    from webinars import services as webinar_services

    session = webinar_services.create_session(
        author=moderator,
        community=public_cop,
        title="Séance d'essai",
        starts_at=timezone.now() - timedelta(minutes=5),
        duration=60,
    )
    sent = [say(member, session.room, f"Message {n}") for n in range(55)]
    url = reverse("webinar_room", args=[session.pk])
    client = client_for(member)

    latest = html(client.get(url))
    assert f'href="?avant={sent[5].pk}&amp;onglet=discussion"' in latest

    older = client.get(url, {"avant": sent[5].pk, "onglet": "questions"})
    page = html(older)
    assert [m.pk for m in older.context["chat_messages"]] == [m.pk for m in sent[:5]]
    assert older.context["tab"] == "discussion"
    assert "data-kind=" not in page and "js/room.js" not in page
    assert client.get(url, {"avant": "²"}).status_code == 400


def test_salon_messages_offer_a_report_link_except_on_ones_own(
    public_cop, salon, member, moderator, client_for
):
    mine = say(member, salon, "Mon message")
    theirs = say(moderator, salon, "Le message d'une autre")

    page = html(client_for(member).get(salon_url(public_cop)))

    assert f'href="{reverse("report", args=["message", theirs.pk])}"' in page
    assert f'href="{reverse("report", args=["message", mine.pk])}"' not in page
    form = client_for(member).get(reverse("report", args=["message", theirs.pk]))
    assert form.status_code == 200 and "Le message d&#x27;une autre" in html(form)
