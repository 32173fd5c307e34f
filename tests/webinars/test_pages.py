"""Webinar pages over HTTP: they render, work without JavaScript, keep private things private."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rooms.models import RoomEvent
from webinars import services
from webinars.models import Hand, Question, Registration

from ..factories import small_pdf

pytestmark = pytest.mark.django_db


def test_session_page_shows_theme_agenda_and_registration_form(
    client_for, member, upcoming_session
):
    services.edit_session(
        editor=upcoming_session.created_by,
        session=upcoming_session,
        theme="Loi 052 : bilan des quotas",
        agenda="1. Tour de table\n2. **Exposé**",
    )
    response = client_for(member).get(upcoming_session.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Loi 052 : bilan des quotas" in html
    assert "<strong>Exposé</strong>" in html
    assert 'id="register-form"' in html


def test_register_and_cancel_without_javascript(client_for, member, upcoming_session, segou):
    client = client_for(member)
    response = client.post(
        reverse("webinar_register", args=[upcoming_session.pk]), {"region": segou.pk}
    )
    assert response.status_code == 302
    assert Registration.objects.get(user=member).status == "confirmed"
    again = client.post(
        reverse("webinar_register", args=[upcoming_session.pk]), {"region": segou.pk}, follow=True
    )
    assert "déjà inscrit" in again.content.decode()
    assert Registration.objects.filter(user=member).count() == 1
    client.post(reverse("webinar_unregister", args=[upcoming_session.pk]))
    assert Registration.objects.get(user=member).status == "cancelled"


def test_video_link_only_for_confirmed_registrants(client_for, member, upcoming_session):
    services.edit_session(
        editor=upcoming_session.created_by,
        session=upcoming_session,
        video_url="https://meet.jit.si/jekafo-segou-kayes",
    )
    client = client_for(member)
    assert "meet.jit.si" not in client.get(upcoming_session.get_absolute_url()).content.decode()
    services.register(user=member, session=upcoming_session)
    page = client.get(upcoming_session.get_absolute_url() + "?video=1")
    assert "meet.jit.si/jekafo-segou-kayes" in page.content.decode()
    assert "frame-src 'self' https://meet.jit.si" in page["Content-Security-Policy"]


def test_private_session_pages_are_404_to_outsiders(client_for, outsider, private_session):
    client = client_for(outsider)
    for name in ("webinar", "webinar_room", "webinar_registrants"):
        assert client.get(reverse(name, args=[private_session.pk])).status_code == 404
    response = client.post(
        reverse("room_action", args=[private_session.room.pk]),
        {"action": "ask", "body": "?", "key": "abcdefgh12"},
    )
    assert response.status_code == 404
    as_json = client.post(
        reverse("room_action", args=[private_session.room.pk]),
        {"action": "ask", "body": "?", "key": "abcdefgh12"},
        headers={"Accept": "application/json"},
    )
    assert as_json.status_code == 404
    assert as_json.json()["code"] == "not_found"
    assert not Question.objects.exists()


def test_room_page_renders_questions_polls_and_hands(client_for, member, moderator, live_session):
    question, _ = services.ask_question(author=member, session=live_session, body="Et à Kayes ?")
    services.create_poll(
        moderator=moderator,
        session=live_session,
        question="Prochaine date ?",
        options=["Mai", "Juin"],
    )
    services.raise_hand(user=member, session=live_session)
    html = client_for(moderator).get(reverse("webinar_room", args=[live_session.pk])).content
    html = html.decode()
    assert f'id="q-{question.pk}"' in html
    assert "Prochaine date ?" in html
    assert "Awa Traoré" in html
    assert 'data-live="/ws/webinars/' in html


def test_room_actions_work_as_plain_forms(client_for, member, moderator, live_session):
    client = client_for(member)
    url = reverse("room_action", args=[live_session.room.pk])
    room_url = reverse("webinar_room", args=[live_session.pk])
    response = client.post(
        url, {"action": "ask", "body": "Quel budget ?", "key": "qkey-000001", "onglet": "questions"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{room_url}?onglet=questions#questions"
    question = Question.objects.get()
    answer = client_for(moderator).post(
        url, {"action": "answer", "id": question.pk, "answered": "1", "onglet": "questions"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"{room_url}?onglet=questions#questions"
    question.refresh_from_db()
    assert question.answered_at is not None
    assert RoomEvent.objects.filter(room=live_session.room).count() == 2


def test_room_action_form_with_a_bad_onglet_comes_back_to_the_room(
    client_for, member, live_session
):
    response = client_for(member).post(
        reverse("room_action", args=[live_session.room.pk]),
        {"action": "hand", "up": "1", "onglet": "Mains levées"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('webinar_room', args=[live_session.pk])}#contenu"
    assert Hand.objects.filter(user=member).exists()


def test_room_action_bad_input_gets_a_clear_json_error(client_for, member, live_session):
    client = client_for(member)
    url = reverse("room_action", args=[live_session.room.pk])
    as_json = {"HTTP_ACCEPT": "application/json"}
    question, _ = services.ask_question(author=member, session=live_session, body="Et à Kayes ?")
    response = client.post(url, {"action": "dance"}, **as_json)
    assert response.status_code == 400
    assert response.json()["type"] == "error"
    assert response.json()["code"] == "unknown_type"
    response = client.post(url, {"action": "upvote", "id": "x"}, **as_json)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_frame"
    response = client.post(url, {"action": "upvote", "id": "999999"}, **as_json)
    assert response.status_code == 404
    assert (response.json()["code"], response.json()["ref"]) == ("not_found", 999999)
    response = client.post(url, {"action": "answer", "id": question.pk}, **as_json)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    question.refresh_from_db()
    assert question.answered_at is None


def test_room_page_includes_the_schema_of_the_webinar_actions(client_for, member, live_session):
    page = client_for(member).get(reverse("webinar_room", args=[live_session.pk])).content.decode()
    script = page.split('<script id="room-actions" type="application/json">')[1]
    schema = json.loads(script.split("</script>")[0])
    assert {"send", "mute", "ask", "upvote", "poll", "vote", "hand", "call_hand"} <= set(schema)
    assert schema["ask"] == {"key": "key", "body": "text", "voice": "audio"}


def test_documents_are_served_only_to_those_who_see_the_session(
    client_for, moderator, member, outsider, private_session
):
    client = client_for(moderator)
    upload = SimpleUploadedFile("plan.pdf", small_pdf(), content_type="application/pdf")
    client.post(
        reverse("webinar_document_add", args=[private_session.pk]),
        {"title": "Plan de durabilité", "file": upload},
    )
    document = private_session.documents.get()
    url = reverse("webinar_document", args=[document.pk])
    response = client_for(member).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == small_pdf()
    assert client_for(outsider).get(url).status_code == 404


def test_registrants_csv_is_for_moderators_and_neutralises_formulas(
    client_for, member, moderator, upcoming_session
):
    member.display_name = "=HYPERLINK(1)"
    member.save()
    services.register(user=member, session=upcoming_session)
    url = reverse("webinar_registrants_csv", args=[upcoming_session.pk])
    assert client_for(member).get(url).status_code == 403
    body = client_for(moderator).get(url).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body
    assert "Ségou" in body


def test_series_form_refuses_an_invalid_rule(client_for, moderator, public_cop, segou):
    response = client_for(moderator).post(
        reverse("webinar_series_new", args=[public_cop.slug]),
        {
            "title": "Série test",
            "regions": [segou.pk],
            "first_start": "2027-03-15T10:00",
            "rrule": "FREQ=SOMETIMES",
            "duration": 90,
            "open_minutes_before": 30,
        },
    )
    assert response.status_code == 400
    assert "Règle de répétition invalide" in response.content.decode()
    assert not public_cop.webinar_series.exists()


@pytest.mark.parametrize("region", [str(10**20), str(-(10**20))])
def test_series_form_refuses_a_region_id_past_64_bits(region, moderator, public_cop):
    """Regression (found by tests/fuzz): SQLite's OverflowError on the lookup was a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(moderator)
    response = client.post(
        reverse("webinar_series_new", args=[public_cop.slug]),
        {
            "title": "Série test",
            "regions": [region],
            "first_start": "2027-03-15T10:00",
            "duration": 90,
            "open_minutes_before": 30,
        },
    )
    assert response.status_code == 400
    assert not public_cop.webinar_series.exists()


def test_series_form_creates_semesterly_sessions(client_for, moderator, public_cop, segou, kayes):
    response = client_for(moderator).post(
        reverse("webinar_series_new", args=[public_cop.slug]),
        {
            "title": "Ségou–Kayes",
            "regions": [segou.pk, kayes.pk],
            "first_start": "2027-03-15T10:00",
            "rrule": "FREQ=MONTHLY;INTERVAL=6;COUNT=3",
            "duration": 90,
            "open_minutes_before": 30,
        },
    )
    assert response.status_code == 302
    series = public_cop.webinar_series.get()
    starts = [s.starts_at for s in series.sessions.order_by("starts_at")]
    assert [(d.year, d.month, d.hour) for d in starts] == [
        (2027, 3, 10),
        (2027, 9, 10),
        (2028, 3, 10),
    ]
    assert starts[1] - starts[0] > timedelta(days=180)


def test_registration_box_and_sign_up_menu_translate_apart(client, member, upcoming_session):
    """ "Inscription" means "Sign up" in the menu and "Registration" on a session page."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    menu = client.get("/").content.decode()
    assert ">Sign up</a>" in menu
    member.preferred_language = "en"
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    page = client.get(upcoming_session.get_absolute_url()).content.decode()
    assert '<h2 id="reg-h">Registration</h2>' in page
    assert "Sign up" not in page
