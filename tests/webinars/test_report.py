"""The report page, minutes, decisions and their follow-up threads, exports."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum.models import Membership, Thread
from rooms import services as room_services
from rooms.models import RoomConnection
from webinars import services
from webinars.models import Decision, Question, Session
from webinars.services.report import add_decision, open_followup_thread, save_minutes

from ..factories import make_membership, make_user, opening_post


def report_url(session):
    return reverse("webinar_report", args=[session.pk])


def export_url(session, what, fmt):
    return reverse("webinar_export", args=[session.pk, what, fmt])


def attend(session, user, minutes=30):
    start = session.starts_at
    return RoomConnection.objects.create(
        topic=f"room.{session.room_id}",
        channel_name=f"test.{session.pk}.{user.pk if user else 'anon'}.{minutes}",
        user=user,
        connected_at=start,
        seen_at=start + timedelta(minutes=minutes),
        left_at=start + timedelta(minutes=minutes),
    )


def csv_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def mariam(public_cop, segou):
    """A member who attended: her name must stay among moderators."""
    user = make_user(display_name="Mariam Keïta", region=segou)
    make_membership(user, public_cop, Membership.Role.MEMBER)
    return user


# The page ----------------------------------------------------------------------------------


def test_report_page_is_visible_to_members_and_visitors_of_a_public_cop(
    client_for, member, anonymous, ended_session
):
    for user in (member, anonymous):
        response = client_for(user).get(report_url(ended_session))
        assert response.status_code == 200
        assert ended_session.title in response.content.decode()


def test_outsider_gets_404_on_every_report_page_of_a_private_cop(
    client_for, outsider, private_session
):
    client = client_for(outsider)
    decision = add_decision(
        moderator=private_session.created_by,
        session=private_session,
        text="Former les parajuristes",
    )
    for url in (
        report_url(private_session),
        reverse("webinar_minutes", args=[private_session.pk]),
        export_url(private_session, "chat", "csv"),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("webinar_decision_add", args=[private_session.pk])).status_code == 404
    )
    assert client.post(reverse("webinar_decision_thread", args=[decision.pk])).status_code == 404
    assert client_for(None).get(report_url(private_session)).status_code == 404


def test_private_report_is_visible_to_members(client_for, member, private_session):
    assert client_for(member).get(report_url(private_session)).status_code == 200


def test_names_of_attendees_are_shown_to_moderators_only(
    client_for, member, moderator, mariam, ended_session
):
    attend(ended_session, mariam, minutes=42)
    attend(ended_session, None)

    page = client_for(member).get(report_url(ended_session)).content.decode()
    assert "Mariam Keïta" not in page
    assert "Ségou" in page  # the totals by region are for everyone
    assert "<svg" in page and "<title" in page

    page = client_for(moderator).get(report_url(ended_session)).content.decode()
    assert "Mariam Keïta" in page
    assert "42" in page


def test_report_shows_answered_questions_and_hidden_ones_to_moderators_only(
    client_for, member, moderator, mariam, live_session
):
    answered, _ = services.ask_question(
        author=mariam, session=live_session, body="Quel budget pour les cliniques ?"
    )
    hidden, _ = services.ask_question(author=mariam, session=live_session, body="Hors sujet ici")
    services.ask_question(author=mariam, session=live_session, body="Pas encore traitée")
    services.answer_question(moderator=moderator, question=answered)
    services.hide_question(moderator=moderator, question=hidden)

    page = client_for(member).get(report_url(live_session)).content.decode()
    assert "Quel budget pour les cliniques ?" in page
    assert "Hors sujet ici" not in page
    assert "Pas encore traitée" not in page
    assert "Mariam Keïta" not in page  # who asked is for moderators

    page = client_for(moderator).get(report_url(live_session)).content.decode()
    assert "Hors sujet ici" in page
    assert "masquée" in page
    assert "Mariam Keïta" in page


def test_report_shows_poll_results_with_percentages(
    client_for, member, moderator, mariam, live_session
):
    poll = services.create_poll(
        moderator=moderator,
        session=live_session,
        question="Prochain thème ?",
        options=["Foncier", "Héritage"],
    )
    foncier, heritage = poll.options.order_by("position")
    services.vote_in_poll(user=member, poll=poll, option_id=foncier.pk)
    services.vote_in_poll(user=mariam, poll=poll, option_id=foncier.pk)
    services.vote_in_poll(user=moderator, poll=poll, option_id=heritage.pk)

    page = client_for(member).get(report_url(live_session)).content.decode()

    assert "Prochain thème ?" in page
    assert 'value="67"' in page and "67 %" in page
    assert 'value="33"' in page and "33 %" in page


def test_recording_link_only_when_it_is_a_web_address(client_for, member, ended_session):
    Session.objects.filter(pk=ended_session.pk).update(recording_url="https://example.org/rec")
    page = client_for(member).get(report_url(ended_session)).content.decode()
    assert 'href="https://example.org/rec"' in page

    Session.objects.filter(pk=ended_session.pk).update(recording_url="javascript:alert(1)")
    page = client_for(member).get(report_url(ended_session)).content.decode()
    assert "javascript:" not in page


def test_report_page_query_count_does_not_grow_with_content(
    client_for, moderator, ended_session, segou, django_assert_max_num_queries
):
    client = client_for(moderator)
    save_minutes(moderator=moderator, session=ended_session, minutes="Notes")
    client.get(report_url(ended_session))  # warm the session and the language

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(report_url(ended_session)).status_code == 200
        return len(captured)

    before = queries()
    for number in range(5):
        user = make_user(region=segou)
        attend(ended_session, user, minutes=10 + number)
        decision = add_decision(
            moderator=moderator, session=ended_session, text=f"Décision {number}"
        )
        open_followup_thread(moderator=moderator, decision=decision)
    assert queries() == before
    with django_assert_max_num_queries(15):
        client.get(report_url(ended_session))


# Minutes ---------------------------------------------------------------------------------


def test_moderator_saves_minutes_rendered_from_markdown_without_dangerous_html(
    client_for, moderator, member, ended_session
):
    url = reverse("webinar_minutes", args=[ended_session.pk])
    client = client_for(moderator)
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "minutes": "## Points clés\n\n**Loi 052** appliquée\n\n<script>alert(1)</script>\n\n"
            "[piège](javascript:alert(1)) <img src=x onerror=alert(1)>"
        },
    )

    assert response.status_code == 302
    ended_session.refresh_from_db()
    html = ended_session.minutes_html
    assert "<strong>Loi 052</strong>" in html
    assert "<h4>Points clés</h4>" in html
    # Raw HTML stays text; the link with a dangerous scheme is not a link.
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img" not in html
    assert "href=" not in html
    assert ended_session.minutes_by == moderator
    assert ended_session.minutes_updated_at is not None
    page = client_for(member).get(report_url(ended_session)).content.decode()
    assert "<strong>Loi 052</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_member_cannot_see_or_post_the_minutes_form(client_for, member, ended_session):
    url = reverse("webinar_minutes", args=[ended_session.pk])
    client = client_for(member)

    response = client.get(url)
    assert response.status_code == 403
    assert "modératrices" in response.content.decode()

    assert client.post(url, {"minutes": "Volé"}).status_code == 403
    ended_session.refresh_from_db()
    assert ended_session.minutes == "" and ended_session.minutes_html == ""


def test_save_minutes_refuses_members(member, ended_session):
    with pytest.raises(PermissionDenied):
        save_minutes(moderator=member, session=ended_session, minutes="Volé")


def test_minutes_form_rejects_a_too_long_text_with_400(
    client_for, moderator, ended_session, settings
):
    settings.JEKAFO = {**settings.JEKAFO, "BODY_MAX_LENGTH": 20}
    response = client_for(moderator).post(
        reverse("webinar_minutes", args=[ended_session.pk]), {"minutes": "x" * 50}
    )
    assert response.status_code == 400
    ended_session.refresh_from_db()
    assert ended_session.minutes == ""


# Decisions and follow-up threads -----------------------------------------------------------


def test_decision_and_follow_up_thread_are_linked_both_ways(
    client_for, moderator, member, ended_session
):
    client = client_for(moderator)
    response = client.post(
        reverse("webinar_decision_add", args=[ended_session.pk]),
        {"text": "Créer une cellule de veille sur le mariage des enfants à Ségou"},
    )
    assert response.status_code == 302
    decision = Decision.objects.get(session=ended_session)
    assert decision.created_by == moderator

    response = client.post(reverse("webinar_decision_thread", args=[decision.pk]))

    assert response.status_code == 302
    decision.refresh_from_db()
    thread = decision.thread
    assert thread.community == ended_session.community
    assert thread.title == decision.text
    post = opening_post(thread)
    assert report_url(ended_session) in post.body
    assert f'href="{report_url(ended_session)}"' in post.body_html
    assert decision.text in post.body
    page = client_for(member).get(report_url(ended_session)).content.decode()
    assert f'href="{thread.get_absolute_url()}"' in page
    assert client_for(member).get(thread.get_absolute_url()).status_code == 200


def test_follow_up_thread_title_is_cut_to_the_forum_limit(moderator, ended_session, settings):
    settings.JEKAFO = {**settings.JEKAFO, "TITLE_MAX_LENGTH": 40}
    decision = add_decision(moderator=moderator, session=ended_session, text="Mot " * 100)
    decision = open_followup_thread(moderator=moderator, decision=decision)
    assert len(decision.thread.title) <= 40
    assert decision.thread.title.endswith("…")


def test_opening_a_second_follow_up_thread_is_refused(client_for, moderator, ended_session):
    decision = add_decision(moderator=moderator, session=ended_session, text="Plaidoyer 2025")
    open_followup_thread(moderator=moderator, decision=decision)

    with pytest.raises(ValidationError):
        open_followup_thread(moderator=moderator, decision=decision)
    response = client_for(moderator).post(reverse("webinar_decision_thread", args=[decision.pk]))
    assert response.status_code == 400
    assert "déjà" in response.content.decode()
    assert Thread.objects.filter(title="Plaidoyer 2025").count() == 1


def test_follow_up_thread_is_all_or_nothing(moderator, ended_session, monkeypatch):
    decision = add_decision(moderator=moderator, session=ended_session, text="Tout ou rien")
    threads = Thread.objects.count()

    def fail(*args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(Decision, "save", fail)
    with pytest.raises(RuntimeError):
        open_followup_thread(moderator=moderator, decision=decision)
    monkeypatch.undo()

    assert Thread.objects.count() == threads
    decision.refresh_from_db()
    assert decision.thread is None


def test_members_cannot_add_decisions_or_open_threads(client_for, member, moderator, ended_session):
    decision = add_decision(moderator=moderator, session=ended_session, text="Décision")
    client = client_for(member)

    assert (
        client.post(
            reverse("webinar_decision_add", args=[ended_session.pk]), {"text": "Autre"}
        ).status_code
        == 403
    )
    assert client.post(reverse("webinar_decision_thread", args=[decision.pk])).status_code == 403
    assert Decision.objects.filter(session=ended_session).count() == 1
    decision.refresh_from_db()
    assert decision.thread is None
    with pytest.raises(PermissionDenied):
        add_decision(moderator=member, session=ended_session, text="Autre")


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 501])
def test_decision_must_be_short_and_not_empty(client_for, moderator, ended_session, text):
    with pytest.raises(ValidationError):
        add_decision(moderator=moderator, session=ended_session, text=text)
    response = client_for(moderator).post(
        reverse("webinar_decision_add", args=[ended_session.pk]), {"text": text}
    )
    assert response.status_code == 400
    assert not Decision.objects.exists()


def test_unknown_decision_is_404(client_for, moderator):
    assert (
        client_for(moderator).post(reverse("webinar_decision_thread", args=[999999])).status_code
        == 404
    )


# Exports -----------------------------------------------------------------------------------


@pytest.fixture
def live_content(live_session, moderator, member, mariam):
    """Chat messages (one deleted, one a formula), questions, a poll, minutes, a decision."""
    room_services.send_message(author=member, room=live_session.room, body="Bonjour à toutes")
    formula, _ = room_services.send_message(
        author=mariam, room=live_session.room, body='=HYPERLINK("http://x.example","clic")'
    )
    gone, _ = room_services.send_message(author=mariam, room=live_session.room, body="Mon numéro")
    room_services.delete_message(user=mariam, message=gone)
    question, _ = services.ask_question(
        author=member, session=live_session, body="+33 ou -1 ? @admin"
    )
    services.upvote_question(user=mariam, question=question)
    services.answer_question(moderator=moderator, question=question)
    poll = services.create_poll(
        moderator=moderator, session=live_session, question="Satisfaites ?", options=["Oui", "Non"]
    )
    services.vote_in_poll(user=member, poll=poll, option_id=poll.options.first().pk)
    save_minutes(moderator=moderator, session=live_session, minutes="Nous avons **avancé**.")
    add_decision(moderator=moderator, session=live_session, text="Relancer la mairie")
    return live_session


def test_chat_csv_export(client_for, moderator, live_content):
    response = client_for(moderator).get(export_url(live_content, "chat", "csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="webinaire-{live_content.pk}-' in disposition and "chat.csv" in disposition
    assert "no-store" in response["Cache-Control"]
    header, *rows = csv_rows(response)
    assert len(header) == 5
    assert [row[2] for row in rows] == ["Awa Traoré", "Mariam Keïta", "Mariam Keïta"]
    assert rows[0][4] == "Bonjour à toutes"
    assert rows[0][0].endswith("+00:00") and "T" in rows[0][1]
    assert rows[1][4] == '\'=HYPERLINK("http://x.example","clic")'
    assert rows[2][3] == "oui" and rows[2][4] == ""
    assert "Mon numéro" not in response.content.decode("utf-8")


def test_questions_csv_export_neutralises_formulas(client_for, moderator, live_content):
    response = client_for(moderator).get(export_url(live_content, "questions", "csv"))

    header, row = csv_rows(response)
    assert row == ["1", "oui", "non", "Awa Traoré", "'+33 ou -1 ? @admin"]


def test_markdown_exports(client_for, moderator, live_content):
    client = client_for(moderator)

    report = client.get(export_url(live_content, "compte-rendu", "md"))
    assert report.status_code == 200
    assert report["Content-Type"] == "text/markdown; charset=utf-8"
    text = report.content.decode()
    assert text.startswith("# ")
    assert live_content.title in text
    assert "Nous avons **avancé**." in text
    assert "Relancer la mairie" in text
    assert "+33 ou -1 ? @admin" in text
    assert "Satisfaites ?" in text and "100 %" in text

    chat = client.get(export_url(live_content, "chat", "md")).content.decode()
    assert "Bonjour à toutes" in chat and "Mon numéro" not in chat
    assert "message supprimé" in chat

    questions = client.get(export_url(live_content, "questions", "md")).content.decode()
    assert "+33 ou -1 ? @admin" in questions and "Awa Traoré" in questions


def test_exports_are_for_moderators_only(client_for, member, live_content):
    client = client_for(member)
    for what, fmt in (("chat", "csv"), ("questions", "md"), ("compte-rendu", "md")):
        assert client.get(export_url(live_content, what, fmt)).status_code == 403
    assert client_for(None).get(export_url(live_content, "chat", "csv")).status_code == 302


@pytest.mark.parametrize(
    "tail", ["compte-rendu.csv", "inscrits.csv", "chat.pdf", "chat.csv.md", "..%2F..%2Fetc.md"]
)
def test_unknown_export_is_404(client_for, moderator, ended_session, tail):
    url = f"/webinaires/{ended_session.pk}/export/{tail}"
    assert client_for(moderator).get(url).status_code == 404


def test_export_of_unknown_session_is_404(client_for, moderator):
    assert client_for(moderator).get("/webinaires/999999/export/chat.csv").status_code == 404


def test_question_rows_are_questions_of_this_session_only(
    client_for, moderator, member, live_content, public_cop
):
    other = services.create_session(
        author=moderator,
        community=public_cop,
        title="Autre séance",
        starts_at=timezone.now() - timedelta(minutes=5),
        duration=60,
    )
    services.ask_question(author=member, session=other, body="Ailleurs")

    response = client_for(moderator).get(export_url(live_content, "questions", "csv"))

    assert "Ailleurs" not in response.content.decode("utf-8")
    assert Question.objects.filter(body="Ailleurs").exists()
