"""
The HTTP door of the live parts (forum/live_views.py).

The salon page, the room protocol's HTTP fallback (docs/realtime-protocol.md,
"HTTP fallback"), the notifications pages and the bell, follows and the @
autocomplete. JSON answers are checked in the protocol's exact shapes; a
private CoP answers an outsider exactly like a room or message that does not
exist, and nothing is written by a refused request.
"""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from forum import services
from forum.models import CommunityFollow, ModerationAction, Notification, User
from rooms import services as room_services
from rooms.models import Message, Room, RoomEvent

from ..factories import make_membership, make_post, make_thread, make_user

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}
LOGIN = reverse("login")
PRIVATE_NAME = "Accompagnement des survivantes"  # private_cop in tests/conftest.py
SECRET = "Rendez-vous secret avec Mariam jeudi"
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


def error_code(response) -> str:
    return response.json()["error"]["code"]


def salon_url(community) -> str:
    return reverse("salon", args=[community.slug])


def send_url(room) -> str:
    return reverse("room_send", args=[room.pk])


def edit_url(message) -> str:
    return reverse("message_edit", args=[message.pk])


def delete_url(message) -> str:
    return reverse("message_delete", args=[message.pk])


def post_json_body(client, url: str, data) -> object:
    """POST ``data`` as a JSON body, asking for a JSON answer."""
    return client.post(url, json.dumps(data), content_type="application/json", headers=JSON)


def without_request_details(response, url: str) -> str:
    """The page without its CSRF tokens and its own address (the language form's ``next``)."""
    tokens = r'(name="csrfmiddlewaretoken" value="|name="csrf-token" content=")[^"]*'
    page = re.sub(tokens, r"\1", html(response))
    return page.replace(url, "<url>")


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def unread_counter(user: User) -> int:
    return User.objects.values_list("unread_notifications", flat=True).get(pk=user.pk)


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
    assert 'id="chat-form"' in page
    assert f'action="{send_url(salon)}"' in page
    mentions = reverse("mention_candidates", args=[public_cop.slug])
    assert f'data-mentions-url="{mentions}"' in page
    assert f'data-live="/ws/rooms/{salon.pk}/"' in page
    salon.refresh_from_db()
    assert f'data-after="{salon.last_seq}"' in page and salon.last_seq == 2
    assert 'name="key" value="f' in page
    assert "js/mentions.js" in page


def test_salon_page_is_empty_but_ready_before_the_first_message(public_cop, member, client_for):
    response = client_for(member).get(salon_url(public_cop))

    assert response.status_code == 200
    assert "lancez la conversation" in html(response)
    assert Room.objects.filter(community=public_cop, kind="salon").count() == 1


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
    assert "pour écrire dans son salon" in page


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
    assert not Room.objects.filter(community__slug="nexiste-pas").exists()


def test_private_salon_page_is_shown_to_a_member(private_cop, secret_message, member, client_for):
    response = client_for(member).get(salon_url(private_cop))

    assert response.status_code == 200
    assert SECRET in html(response)


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "9" * 19])
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
    assert older.context["after"] == ""


def test_salon_page_offers_the_no_script_delete_form_only_where_allowed(
    public_cop, salon, member, moderator, client_for
):
    own = say(member, salon, "Le mien")
    other = say(moderator, salon, "Celui de la modération")

    as_member = html(client_for(member).get(salon_url(public_cop)))
    as_moderator = html(client_for(moderator).get(salon_url(public_cop)))

    assert f'action="{delete_url(own)}"' in as_member
    assert f'action="{delete_url(other)}"' not in as_member
    assert f'action="{delete_url(own)}"' in as_moderator
    assert f'action="{delete_url(other)}"' in as_moderator


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

    assert 'id="chat-form"' not in page
    assert "Ce salon est fermé" in page


# The CoP by slug, its salon, the latest messages with their authors (one join), presence:
# anonymous sockets and signed-in people (2). Signed in: + the session and the user (2), + the
# viewer's membership, for "may write" and "may delete" (1, cached on the user for every message).
# A member costs one more: whether a moderator muted them in this room.
SALON_PAGE_QUERIES = {"anonymous": 5, "outsider": 8, "member": 9, "moderator": 8}


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


def test_salon_page_query_count_is_pinned(
    public_cop, busy_salon, request, client_for, django_assert_num_queries
):
    oldest_shown = Message.objects.order_by("-id")[49]
    for viewer, expected in SALON_PAGE_QUERIES.items():
        client = client_for(request.getfixturevalue(viewer))

        for query in ("", f"?avant={oldest_shown.pk}"):
            with django_assert_num_queries(expected):
                response = client.get(salon_url(public_cop) + query)
            assert response.status_code == 200
            assert response.context["chat_messages"]


def test_salon_page_with_one_message_costs_what_a_busy_salon_costs(
    public_cop, salon, member, client_for, django_assert_num_queries
):
    say(member, salon, "Seul message")
    client = client_for(member)

    with django_assert_num_queries(SALON_PAGE_QUERIES["member"]):
        assert client.get(salon_url(public_cop)).status_code == 200


# Outsiders of a private CoP ---------------------------------------------------------------------


def _room_requests(room, message) -> dict[str, tuple[str, str, dict]]:
    return {
        "events": ("get", reverse("room_events", args=[room.pk]), {"after": 0}),
        "history": ("get", reverse("room_history", args=[room.pk]), {}),
        "send": ("post", send_url(room), {"body": "Intrusion", "key": "intrusion-1"}),
        "edit": ("post", edit_url(message), {"body": "Intrusion"}),
        "delete": ("post", delete_url(message), {}),
    }


@pytest.mark.parametrize("endpoint", ["events", "history", "send", "edit", "delete"])
@pytest.mark.parametrize("accept", [JSON, {}], ids=["json", "form"])
def test_outsider_gets_404_on_every_room_endpoint_of_a_private_cop(
    endpoint, accept, private_salon, secret_message, outsider, client_for
):
    client = client_for(outsider)
    method, url, data = _room_requests(private_salon, secret_message)[endpoint]
    absent_room = Room(pk=private_salon.pk + 1000)
    absent_message = Message(pk=secret_message.pk + 1000)
    _m, missing_url, _d = _room_requests(absent_room, absent_message)[endpoint]

    response = getattr(client, method)(url, data, headers=accept)
    missing = getattr(client, method)(missing_url, data, headers=accept)

    assert response.status_code == missing.status_code == 404
    assert without_request_details(response, url) == without_request_details(missing, missing_url)
    assert SECRET not in html(response) and PRIVATE_NAME not in html(response)
    secret_message.refresh_from_db()
    assert secret_message.body == SECRET and secret_message.deleted_at is None
    assert Message.objects.count() == 1
    assert RoomEvent.objects.count() == 1


@pytest.mark.parametrize("endpoint", ["events", "history", "send", "edit", "delete"])
def test_json_clients_get_the_protocols_not_found_error(
    endpoint, private_salon, secret_message, outsider, client_for
):
    method, url, data = _room_requests(private_salon, secret_message)[endpoint]

    response = getattr(client_for(outsider), method)(url, data, headers=JSON)

    assert response.status_code == 404
    assert error_code(response) == "not_found"


@pytest.mark.parametrize("endpoint", ["events", "history", "send"])
def test_anonymous_gets_404_on_the_room_endpoints_of_a_private_cop(
    endpoint, private_salon, secret_message, client_for
):
    method, url, data = _room_requests(private_salon, secret_message)[endpoint]

    response = getattr(client_for(None), method)(url, data, headers=JSON)

    assert response.status_code == 404
    assert SECRET not in html(response)
    assert Message.objects.count() == 1


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
    response = client_for(member).post(
        send_url(salon), {"body": "Bonjour !", "key": "cle-000001"}, headers=JSON
    )

    assert response.status_code == 200
    message = Message.objects.get()
    salon.refresh_from_db()
    assert response.json() == {
        "type": "ack",
        "key": "cle-000001",
        "id": message.pk,
        "seq": salon.last_seq,
    }
    assert (message.author, message.body, message.seq) == (member, "Bonjour !", 1)


def test_send_with_a_json_body_answers_an_ack(salon, member, client_for):
    say(member, salon, "Avant")

    response = post_json_body(
        client_for(member), send_url(salon), {"body": "En JSON", "key": "cle-json-01"}
    )

    ack = response.json()
    assert response.status_code == 200
    assert ack["type"] == "ack" and ack["key"] == "cle-json-01" and ack["seq"] == 2
    assert Message.objects.get(pk=ack["id"]).body == "En JSON"


def test_send_without_a_key_is_accepted(salon, member, client_for):
    response = client_for(member).post(send_url(salon), {"body": "Sans clé"}, headers=JSON)

    assert response.status_code == 200
    assert response.json()["key"] == ""
    assert Message.objects.get().client_key == ""


def test_send_repeated_with_the_same_key_makes_one_message(salon, member, client_for):
    client = client_for(member)
    data = {"body": "Une seule fois", "key": "cle-retry-1"}

    first = client.post(send_url(salon), data, headers=JSON)
    again = post_json_body(client, send_url(salon), data)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Message.objects.count() == 1
    assert RoomEvent.objects.count() == 1


def test_send_over_the_rate_limit_answers_429_rate_limited(salon, member, client_for):
    client = client_for(member)
    for number in range(5):
        data = {"body": f"Message {number}", "key": f"cle-rate-{number}"}
        assert client.post(send_url(salon), data, headers=JSON).status_code == 200

    response = client.post(send_url(salon), {"body": "De trop", "key": "cle-rate-9"}, headers=JSON)

    assert response.status_code == 429
    assert error_code(response) == "rate_limited"
    assert "5 messages au plus en 10 secondes" in response.json()["error"]["message"]
    assert Message.objects.count() == 5


@pytest.mark.parametrize("body", ["", "   \n\t ", "\u200b\u200b"])
def test_send_of_an_empty_body_answers_400_invalid(body, salon, member, client_for):
    response = client_for(member).post(send_url(salon), {"body": body}, headers=JSON)

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "Le message ne peut pas être vide.",
    }
    assert not Message.objects.exists()


def test_send_of_2000_characters_is_accepted_and_2001_refused(salon, member, client_for):
    client = client_for(member)

    longest = client.post(send_url(salon), {"body": "a" * 2000}, headers=JSON)
    too_long = client.post(send_url(salon), {"body": "b" * 2001}, headers=JSON)

    assert longest.status_code == 200
    assert too_long.status_code == 400
    assert error_code(too_long) == "invalid"
    assert "2001 caractères" in too_long.json()["error"]["message"]
    assert list(Message.objects.values_list("body", flat=True)) == ["a" * 2000]


def test_send_by_a_non_member_answers_403_forbidden(salon, outsider, client_for):
    response = client_for(outsider).post(send_url(salon), {"body": "Intrusion"}, headers=JSON)

    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert not Message.objects.exists()


def test_send_by_anonymous_answers_403_json_or_the_login_page(public_cop, salon, client_for):
    client = client_for(None)

    as_json = client.post(send_url(salon), {"body": "Anonyme"}, headers=JSON)
    as_form = client.post(send_url(salon), {"body": "Anonyme"})

    assert as_json.status_code == 403
    assert error_code(as_json) == "forbidden"
    assert as_form.status_code == 302
    assert as_form["Location"] == f"{LOGIN}?next={salon_url(public_cop)}"
    assert not Message.objects.exists()


def test_send_to_a_closed_room_answers_403_closed(salon, member, client_for):
    Room.objects.filter(pk=salon.pk).update(is_closed=True)

    response = client_for(member).post(send_url(salon), {"body": "Trop tard"}, headers=JSON)

    assert response.status_code == 403
    assert error_code(response) == "closed"
    assert not Message.objects.exists()


def test_send_from_the_form_redirects_to_the_message_in_the_salon(
    public_cop, salon, member, client_for
):
    response = client_for(member).post(send_url(salon), {"body": "Sans JS", "key": "f" + "x" * 20})

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}#msg-{message.pk}"


def test_refused_send_from_the_form_goes_back_to_the_salon_with_the_reason(
    public_cop, salon, member, client_for
):
    response = client_for(member).post(send_url(salon), {"body": "  "}, follow=True)

    assert response.redirect_chain == [(salon_url(public_cop), 302)]
    assert flashed(response) == ["Le message ne peut pas être vide."]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "raw",
    ["{pas du json", "[1, 2]", '"texte"', "", '{"body": 12}', '{"body": "ok", "key": 5}'],
)
def test_send_of_a_malformed_json_body_answers_400_bad_frame(raw, salon, member, client_for):
    response = client_for(member).post(
        send_url(salon), raw, content_type="application/json", headers=JSON
    )

    if raw == "":  # an empty body is an empty object: no text to send
        assert error_code(response) == "invalid"
    else:
        assert error_code(response) == "bad_frame"
    assert response.status_code == 400
    assert not Message.objects.exists()


@pytest.mark.parametrize("key", ["court", "a" * 65, "espace pas permise", "clé-accentuée"])
def test_send_with_a_malformed_key_answers_400_bad_frame(key, salon, member, client_for):
    response = client_for(member).post(send_url(salon), {"body": "Ok", "key": key}, headers=JSON)

    assert response.status_code == 400
    assert error_code(response) == "bad_frame"
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


def test_events_are_paged_by_200_changes(salon, member, client_for, no_rate_limit):
    for number in range(205):
        say(member, salon, f"M{number}")
    url = reverse("room_events", args=[salon.pk])
    client = client_for(member)

    first = client.get(url, {"after": 0}).json()
    rest = client.get(url, {"after": first["last_seq"]}).json()

    assert len(first["frames"]) == 200 and first["last_seq"] == 200
    assert [f["seq"] for f in rest["frames"]] == [201, 202, 203, 204, 205]
    assert rest["last_seq"] == 205


@pytest.mark.parametrize("after", ["-1", "abc", "1.5", "1e3"])
def test_events_refuse_a_malformed_after_with_400_bad_frame(after, salon, member, client_for):
    response = client_for(member).get(reverse("room_events", args=[salon.pk]), {"after": after})

    assert response.status_code == 400
    assert response.json()["error"] == {
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


def test_history_refuses_a_malformed_before_with_400_bad_frame(salon, member, client_for):
    response = client_for(member).get(reverse("room_history", args=[salon.pk]), {"before": "x"})

    assert response.status_code == 400
    assert error_code(response) == "bad_frame"


# Editing and deleting ---------------------------------------------------------------------------


def test_edit_own_message_answers_the_message_frame(salon, member, client_for):
    message = say(member, salon, "Premier jet")

    response = client_for(member).post(edit_url(message), {"body": "Version finale"}, headers=JSON)

    frame = response.json()
    salon.refresh_from_db()
    assert response.status_code == 200
    assert frame["type"] == "message" and frame["seq"] == salon.last_seq == 2
    assert frame["message"]["id"] == message.pk
    assert frame["message"]["body"] == "Version finale"
    assert frame["message"]["edited_at"] is not None
    message.refresh_from_db()
    assert message.body == "Version finale"


def test_edit_with_a_json_body_answers_the_message_frame(salon, member, client_for):
    message = say(member, salon, "Premier jet")

    response = post_json_body(client_for(member), edit_url(message), {"body": "Corrigé"})

    assert response.status_code == 200
    assert response.json()["message"]["body"] == "Corrigé"


def test_edit_after_15_minutes_answers_400_edit_window_closed(salon, member, client_for):
    message = say(member, salon, "Ancien")
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=15, seconds=1)
    )

    response = client_for(member).post(edit_url(message), {"body": "Trop tard"}, headers=JSON)

    assert response.status_code == 400
    assert error_code(response) == "edit_window_closed"
    message.refresh_from_db()
    assert message.body == "Ancien" and message.edited_at is None


def test_edit_of_someone_elses_message_answers_403_forbidden(salon, member, moderator, client_for):
    message = say(member, salon, "Le mien")

    response = client_for(moderator).post(edit_url(message), {"body": "Réécrit"}, headers=JSON)

    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    message.refresh_from_db()
    assert message.body == "Le mien"


def test_edit_to_an_empty_body_answers_400_invalid(salon, member, client_for):
    message = say(member, salon, "Texte")

    response = client_for(member).post(edit_url(message), {"body": " "}, headers=JSON)

    assert response.status_code == 400
    assert error_code(response) == "invalid"


def test_edit_with_a_malformed_json_body_answers_400_bad_frame(salon, member, client_for):
    message = say(member, salon, "Texte")
    client = client_for(member)

    broken = client.post(edit_url(message), "{", content_type="application/json", headers=JSON)
    wrong_type = post_json_body(client, edit_url(message), {"body": ["liste"]})

    assert broken.status_code == wrong_type.status_code == 400
    assert error_code(broken) == error_code(wrong_type) == "bad_frame"


def test_edit_from_a_form_redirects_to_the_message(public_cop, salon, member, client_for):
    message = say(member, salon, "Texte")

    response = client_for(member).post(edit_url(message), {"body": "Autre texte"})

    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}#msg-{message.pk}"


def test_delete_of_someone_elses_message_by_a_member_answers_403(
    salon, member, moderator, client_for
):
    message = say(moderator, salon, "Annonce")

    response = client_for(member).post(delete_url(message), headers=JSON)

    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    message.refresh_from_db()
    assert message.deleted_at is None and message.body == "Annonce"
    assert not ModerationAction.objects.exists()


def test_delete_by_a_moderator_is_marked_and_logged(salon, member, moderator, client_for):
    message = say(member, salon, "Hors charte")

    response = client_for(moderator).post(delete_url(message), headers=JSON)

    frame = response.json()
    assert response.status_code == 200
    assert frame["type"] == "message" and frame["seq"] == 2
    assert frame["message"]["deleted"] is True
    assert frame["message"]["deleted_by_moderator"] is True
    assert frame["message"]["body"] == frame["message"]["html"] == ""
    action = ModerationAction.objects.get()
    assert action.kind == ModerationAction.Kind.DELETE_MESSAGE
    assert (action.actor, action.target_user) == (moderator, member)
    assert action.details == {"room_id": salon.pk, "message_id": message.pk}


def test_delete_of_ones_own_message_is_not_a_moderation_action(salon, member, client_for):
    message = say(member, salon, "Oups")

    response = client_for(member).post(delete_url(message), headers=JSON)

    assert response.json()["message"]["deleted"] is True
    assert response.json()["message"]["deleted_by_moderator"] is False
    assert not ModerationAction.objects.exists()


def test_delete_of_a_deleted_message_answers_404_not_found(salon, member, client_for):
    message = say(member, salon, "Oups")
    room_services.delete_message(user=member, message=message)

    response = client_for(member).post(delete_url(message), headers=JSON)

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_delete_from_the_form_redirects_to_the_salon(public_cop, salon, member, client_for):
    message = say(member, salon, "Oups")

    response = client_for(member).post(delete_url(message))

    assert response.status_code == 302
    assert response["Location"] == f"{salon_url(public_cop)}#msg-{message.pk}"
    message.refresh_from_db()
    assert message.is_deleted


def test_refused_delete_from_the_form_goes_back_with_the_reason(
    public_cop, salon, member, moderator, client_for
):
    message = say(moderator, salon, "Annonce")

    response = client_for(member).post(delete_url(message), follow=True)

    assert response.redirect_chain == [(salon_url(public_cop), 302)]
    assert flashed(response) == ["Vous ne pouvez pas supprimer ce message."]


@pytest.mark.parametrize("endpoint", ["edit", "delete"])
def test_anonymous_edit_or_delete_answers_403_json_or_the_login_page(
    endpoint, public_cop, salon, member, client_for
):
    message = say(member, salon, "Texte")
    url = edit_url(message) if endpoint == "edit" else delete_url(message)
    client = client_for(None)

    as_json = client.post(url, {"body": "Anonyme"}, headers=JSON)
    as_form = client.post(url, {"body": "Anonyme"})

    assert as_json.status_code == 403
    assert error_code(as_json) == "forbidden"
    assert as_form.status_code == 302
    assert as_form["Location"] == f"{LOGIN}?next={salon_url(public_cop)}"
    message.refresh_from_db()
    assert message.body == "Texte" and not message.is_deleted


@pytest.mark.parametrize("name", ["room_send", "message_edit", "message_delete"])
def test_post_only_room_endpoints_answer_405_to_get(name, salon, member, client_for):
    message = say(member, salon, "Texte")
    argument = salon.pk if name == "room_send" else message.pk

    response = client_for(member).get(reverse(name, args=[argument]), headers=JSON)

    assert response.status_code == 405
    message.refresh_from_db()
    assert message.body == "Texte"


@pytest.mark.parametrize("name", ["room_events", "room_history"])
def test_read_only_room_endpoints_answer_405_to_post(name, salon, member, client_for):
    response = client_for(member).post(reverse(name, args=[salon.pk]), headers=JSON)

    assert response.status_code == 405


# Notifications ------------------------------------------------------------------------------


@pytest.fixture
def replied(thread, member, moderator):
    """Two replies by the moderator to ``member``'s thread: two unread notifications."""
    return [make_post(moderator, thread, body=f"Réponse {n}") for n in (1, 2)]


def test_notifications_page_needs_a_login(client_for):
    response = client_for(None).get(reverse("notifications"))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={reverse('notifications')}"


def test_notifications_page_lists_the_readers_notifications_newest_first(
    replied, thread, member, moderator, client_for
):
    make_post(member, thread, parent=replied[0])  # notifies the moderator

    response = client_for(member).get(reverse("notifications"))

    page = html(response)
    assert response.status_code == 200
    assert [n.post_id for n in response.context["page"].object_list] == [
        replied[1].pk,
        replied[0].pk,
    ]
    assert page.count("Fatoumata Diarra a répondu à votre message") == 2
    assert page.count("non lue</span>") == 2
    assert f'action="{reverse("notifications_read")}"' in page


def test_a_mention_made_in_a_thread_reply_is_listed_for_the_member(
    public_cop, member, moderator, client_for
):
    thread = make_thread(moderator, public_cop, title="Atelier de Kati")
    make_post(moderator, thread, body="@[Awa Traoré] peux-tu animer ?")

    page = html(client_for(member).get(reverse("notifications")))

    assert "Fatoumata Diarra vous a mentionné·e dans « Atelier de Kati »" in page


def test_notifications_page_hides_a_private_cop_the_reader_left(
    private_thread, public_cop, moderator, client_for
):
    leaver = make_user(display_name="Oumou Sangaré")
    make_membership(leaver, private_thread.community)
    make_post(moderator, private_thread, body="@[Oumou Sangaré] voici le dossier.")
    services.leave_community(user=leaver, community=private_thread.community)

    page = html(client_for(leaver).get(reverse("notifications")))

    assert private_thread.title not in page
    assert "Aucune notification" in page


def test_opening_a_notification_marks_it_read_and_goes_to_the_post(
    replied, thread, member, client_for
):
    notification = Notification.objects.get(recipient=member, post=replied[0])
    client = client_for(member)

    response = client.get(reverse("notification", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("post", args=[replied[0].pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert unread_counter(member) == 1
    landing = client.get(response["Location"], follow=True)
    assert landing.status_code == 200
    assert f'id="post-{replied[0].pk}"' in html(landing)


def test_opening_a_notification_without_a_post_goes_to_the_thread(
    thread, member, moderator, client_for
):
    notification = Notification.objects.create(
        recipient=member,
        kind=Notification.Kind.NEW_THREAD,
        actor=moderator,
        community=thread.community,
        thread=thread,
    )

    response = client_for(member).get(reverse("notification", args=[notification.pk]))

    assert response["Location"] == thread.get_absolute_url()


def test_opening_someone_elses_notification_is_a_404(replied, member, moderator, client_for):
    notification = Notification.objects.filter(recipient=member).first()

    response = client_for(moderator).get(reverse("notification", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    assert unread_counter(member) == 2


def test_mark_all_read_redirects_and_brings_the_counter_to_0(replied, member, client_for):
    client = client_for(member)

    response = client.post(reverse("notifications_read"))

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications")
    assert unread_counter(member) == 0
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    page = client.get(response["Location"])
    assert flashed(page) == ["Toutes les notifications sont marquées comme lues."]
    assert "non lue</span>" not in html(page)
    assert 'id="bell-count" class="count" hidden' in html(page)


def test_mark_all_read_answers_json_to_a_script(replied, member, client_for):
    response = client_for(member).post(reverse("notifications_read"), headers=JSON)

    assert response.json() == {"unread": 0}
    assert unread_counter(member) == 0


def test_mark_all_read_needs_a_post(replied, member, client_for):
    response = client_for(member).get(reverse("notifications_read"))

    assert response.status_code == 405
    assert unread_counter(member) == 2


def test_unread_count_is_json_for_a_signed_in_reader(replied, member, moderator, client_for):
    assert client_for(member).get(reverse("notifications_count")).json() == {"unread": 2}
    assert client_for(moderator).get(reverse("notifications_count")).json() == {"unread": 0}


def test_unread_count_answers_401_json_to_anonymous(client_for):
    response = client_for(None).get(reverse("notifications_count"))

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}


def test_the_bell_shows_the_unread_count_in_the_page_header(replied, member, client_for):
    page = html(client_for(member).get(reverse("home")))

    assert f'id="bell" href="{reverse("notifications")}"' in page
    assert '<span id="bell-count" class="count">2</span>' in page
    assert "Notifications : 2 non lues" in page


def test_the_bell_is_hidden_for_anonymous_visitors(client_for, db):
    assert 'id="bell"' not in html(client_for(None).get(reverse("home")))


# Follows -----------------------------------------------------------------------------------------


def test_follow_and_unfollow_a_community(public_cop, member, client_for):
    client = client_for(member)
    url = reverse("community_follow", args=[public_cop.slug])

    followed = client.post(url, follow=True)
    assert followed.redirect_chain == [(public_cop.get_absolute_url(), 302)]
    assert CommunityFollow.objects.filter(user=member, community=public_cop).exists()
    assert "Ne plus suivre" in html(followed)

    client.post(url, follow=True)  # twice: still one follow
    assert CommunityFollow.objects.filter(user=member).count() == 1

    unfollowed = client.post(url, {"follow": "0"}, follow=True)
    assert flashed(unfollowed) == ["Vous ne suivez plus cette communauté."]
    assert not CommunityFollow.objects.exists()


def test_a_non_member_may_follow_a_public_community(public_cop, outsider, client_for):
    client_for(outsider).post(reverse("community_follow", args=[public_cop.slug]))

    assert CommunityFollow.objects.filter(user=outsider, community=public_cop).exists()


def test_follow_of_a_private_community_by_an_outsider_is_a_404(private_cop, outsider, client_for):
    response = client_for(outsider).post(reverse("community_follow", args=[private_cop.slug]))

    assert response.status_code == 404
    assert PRIVATE_NAME not in html(response)
    assert not CommunityFollow.objects.exists()


def test_follow_needs_a_login_and_a_post(public_cop, member, client_for):
    url = reverse("community_follow", args=[public_cop.slug])

    anonymous = client_for(None).post(url)
    get = client_for(member).get(url)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    assert get.status_code == 405
    assert not CommunityFollow.objects.exists()


# Mention candidates ---------------------------------------------------------------------------


@pytest.fixture
def namesakes(public_cop, outsider):
    """Members whose names start like others', an inactive member, and a non-member."""
    aminata = make_user(display_name="Aminata Keïta")
    make_membership(aminata, public_cop)
    gone = make_user(display_name="Assitan Dembélé", is_active=False)
    make_membership(gone, public_cop)
    make_user(display_name="Adama Touré")  # not a member
    return aminata


def candidates(client, community, q: str) -> list[str]:
    response = client.get(reverse("mention_candidates", args=[community.slug]), {"q": q})
    assert response.status_code == 200
    return [person["name"] for person in response.json()["members"]]


def test_mention_candidates_are_active_members_whose_name_starts_with_the_query(
    public_cop, member, namesakes, client_for
):
    client = client_for(member)

    response = client.get(reverse("mention_candidates", args=[public_cop.slug]), {"q": "a"})

    assert response.json() == {
        "members": [
            {"id": namesakes.pk, "name": "Aminata Keïta"},
            {"id": member.pk, "name": "Awa Traoré"},
        ]
    }
    assert candidates(client, public_cop, "AW") == ["Awa Traoré"]
    assert candidates(client, public_cop, "dia") == ["Fatoumata Diarra"]  # a later word
    assert candidates(client, public_cop, "ata") == []  # not inside a word
    assert candidates(client, public_cop, "Bintou") == []  # not a member
    assert candidates(client, public_cop, "") == [
        "Aminata Keïta",
        "Awa Traoré",
        "Fatoumata Diarra",
    ]


def test_mention_candidates_are_at_most_8(public_cop, member, client_for):
    for number in range(10):
        make_membership(make_user(display_name=f"Mariam {number}"), public_cop)

    assert len(candidates(client_for(member), public_cop, "mariam")) == 8


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_mention_candidates_of_a_private_cop_are_a_404_for_a_non_member(
    viewer, private_cop, request, client_for
):
    response = client_for(request.getfixturevalue(viewer)).get(
        reverse("mention_candidates", args=[private_cop.slug]), {"q": "a"}
    )

    assert response.status_code == 404
    assert "Awa" not in html(response)


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_mention_candidates_of_a_public_cop_are_empty_for_a_non_member(
    viewer, public_cop, request, client_for
):
    client = client_for(request.getfixturevalue(viewer))

    assert candidates(client, public_cop, "a") == []


def test_mention_candidates_of_a_private_cop_for_its_member(private_cop, member, client_for):
    assert candidates(client_for(member), private_cop, "fat") == ["Fatoumata Diarra"]
