"""
Reports, grouped into cases, the review queue and its decisions (issue 13, item 3).

A member reports what she can see; a moderator decides with a note; the
reporters learn the outcome, never who decided.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from forum import reporting, services
from forum.models import Membership, ModerationAction, Notification, Report, ReportCase
from rooms import services as room_services

from ..factories import make_membership, make_post, make_thread, make_user, opening_post

pytestmark = pytest.mark.django_db

MODERATOR_NAME = "Fatoumata Diarra"


@pytest.fixture
def reporters(public_cop, private_cop):
    people = []
    for number in range(4):
        person = make_user(username=f"temoin{number}", display_name=f"Témoin {number}")
        make_membership(person, public_cop)
        make_membership(person, private_cop)
        people.append(person)
    return people


@pytest.fixture
def reply(thread, reporters):
    return make_post(reporters[3], thread, body="Son adresse est rue 12, porte 4.")


def report(user, item, reason="personal_data", text="", kind="post"):
    return services.report_item(
        reporter=user, kind=kind, object_id=item.pk, reason=reason, text=text
    )


# Who may report ------------------------------------------------------------------------------


def test_a_member_who_sees_a_post_reports_it(reply, member):
    made = report(member, reply, text="Adresse d'une survivante")

    case = made.case
    assert (case.kind, case.object_id, case.community_id) == (
        "post",
        reply.pk,
        reply.thread.community_id,
    )
    assert case.author_id == reply.author_id
    assert case.report_count == 1 and case.status == ReportCase.Status.OPEN
    assert "rue 12" in case.excerpt


def test_a_signed_in_reader_of_a_public_cop_may_report(reply, outsider):
    assert report(outsider, reply, reason="spam").case.report_count == 1


def test_an_outsider_gets_404_on_a_private_post(private_thread, outsider):
    post = opening_post(private_thread)
    with pytest.raises(Http404):
        report(outsider, post)
    assert not ReportCase.objects.exists()


def test_an_unknown_kind_is_404(member, reply):
    with pytest.raises(Http404):
        report(member, reply, kind="webinar")


def test_nobody_reports_her_own_post(member, thread):
    with pytest.raises(PermissionDenied):
        report(member, opening_post(thread))


def test_anonymous_cannot_report(reply, anonymous):
    with pytest.raises(PermissionDenied):
        report(anonymous, reply)


def test_other_needs_a_text_and_texts_are_bounded(reply, member):
    with pytest.raises(ValidationError):
        report(member, reply, reason="other")
    with pytest.raises(ValidationError):
        report(member, reply, reason="other", text="x" * 501)
    with pytest.raises(ValidationError):
        report(member, reply, reason="because")
    assert report(member, reply, reason="other", text="Menace voilée").text == "Menace voilée"


# Grouping ---------------------------------------------------------------------------------------


def test_reports_on_one_item_make_one_case(reply, member, reporters):
    report(member, reply)
    report(reporters[0], reply, reason="harassment")

    case = ReportCase.objects.get()
    assert case.report_count == 2
    assert sorted(case.reports.values_list("reason", flat=True)) == [
        "harassment",
        "personal_data",
    ]


def test_a_second_report_by_the_same_member_updates_hers(reply, member):
    report(member, reply, reason="spam")
    report(member, reply, reason="danger", text="Elle est en danger")

    case = ReportCase.objects.get()
    assert case.report_count == 1
    assert list(Report.objects.values_list("reason", "text")) == [("danger", "Elle est en danger")]


def test_a_thread_and_its_opening_post_are_different_items(thread, reporters):
    report(reporters[0], thread, kind="thread")
    report(reporters[0], opening_post(thread))
    assert ReportCase.objects.count() == 2


# Auto-hide -------------------------------------------------------------------------------------


def test_the_cops_threshold_hides_the_item_pending_review(
    reply, reporters, captured_events, django_capture_on_commit_callbacks
):
    reply.thread.community.auto_hide_threshold = 3
    reply.thread.community.save()
    with django_capture_on_commit_callbacks(execute=True):
        report(reporters[0], reply)
        report(reporters[1], reply)
    reply.refresh_from_db()
    assert not reply.is_hidden

    with django_capture_on_commit_callbacks(execute=True):
        report(reporters[2], reply)

    reply.refresh_from_db()
    case = ReportCase.objects.get()
    assert reply.is_hidden and reply.hidden_by is None
    assert case.auto_hidden_at is not None
    entry = ModerationAction.objects.get(kind=ModerationAction.Kind.AUTO_HIDE)
    assert entry.actor is None and entry.post_id == reply.pk
    assert entry.details["changes"][0]["old"] == "visible"
    assert [type(e).__name__ for e in captured_events if type(e).__name__ == "PostModerated"] == [
        "PostModerated"
    ]


def test_the_same_member_reporting_twice_does_not_reach_the_threshold(reply, member):
    reply.thread.community.auto_hide_threshold = 2
    reply.thread.community.save()
    report(member, reply)
    report(member, reply, reason="spam")
    reply.refresh_from_db()
    assert not reply.is_hidden


def test_threshold_zero_never_hides(reply, reporters):
    reply.thread.community.auto_hide_threshold = 0
    reply.thread.community.save()
    for person in reporters[:3]:
        report(person, reply)
    reply.refresh_from_db()
    assert not reply.is_hidden


def test_dismissing_an_auto_hidden_item_restores_it(reply, reporters, moderator):
    reply.thread.community.auto_hide_threshold = 1
    reply.thread.community.save()
    case = report(reporters[0], reply).case

    services.resolve_case(moderator=moderator, case=case, decision="dismiss", note="")

    reply.refresh_from_db()
    assert not reply.is_hidden


def test_room_messages_are_never_erased_by_the_threshold(public_cop, member, reporters):
    public_cop.auto_hide_threshold = 1
    public_cop.save()
    room = room_services.ensure_salon(public_cop)
    message, _ = room_services.send_message(
        author=member, room=room, body="Rendez-vous chez elle", client_key="report-key-1"
    )
    case = report(reporters[0], message, kind="message").case

    message.refresh_from_db()
    assert message.deleted_at is None and case.auto_hidden_at is None
    assert case.excerpt == "Rendez-vous chez elle"


# Decisions ------------------------------------------------------------------------------------


def notices(user):
    return list(
        Notification.objects.filter(recipient=user, kind=Notification.Kind.OTHER).values_list(
            "subject", flat=True
        )
    )


def test_hide_uses_the_post_service_logs_and_tells_reporters_without_a_name(
    reply, member, reporters, moderator
):
    case = report(member, reply).case
    report(reporters[0], reply, reason="danger")

    services.resolve_case(moderator=moderator, case=case, decision="hide", note="Adresse exposée")

    reply.refresh_from_db()
    case.refresh_from_db()
    assert reply.is_hidden and reply.hidden_reason == "Adresse exposée"
    assert case.status == ReportCase.Status.RESOLVED and case.outcome == "hidden"
    entry = ModerationAction.objects.get(kind=ModerationAction.Kind.RESOLVE_REPORT)
    assert entry.actor == moderator and entry.reason == "Adresse exposée"
    assert entry.details["changes"] == [
        {"field": "signalement", "old": "à examiner", "new": "examiné"},
        {"field": "décision", "old": "", "new": "le contenu a été masqué"},
    ]
    for person in (member, reporters[0]):
        [text] = notices(person)
        assert text == "Votre signalement a été examiné : le contenu a été masqué."
        assert MODERATOR_NAME not in text
        assert Notification.objects.get(recipient=person, kind="other").actor is None


def test_warn_sends_the_note_to_the_author_unsigned(reply, member, moderator):
    case = report(member, reply).case

    services.resolve_case(
        moderator=moderator, case=case, decision="warn", note="Pas d'adresses ici"
    )

    [warning] = Notification.objects.filter(recipient=reply.author)
    assert warning.subject == "Avertissement de la modération : Pas d'adresses ici"
    assert warning.actor is None
    assert ModerationAction.objects.filter(kind=ModerationAction.Kind.WARN_AUTHOR).count() == 1
    assert notices(member) == [
        "Votre signalement a été examiné : son auteur·e a reçu un avertissement."
    ]


def test_hide_and_warn_need_a_note_dismiss_does_not(reply, member, moderator):
    case = report(member, reply).case
    for decision in ("hide", "warn"):
        with pytest.raises(ValidationError):
            services.resolve_case(moderator=moderator, case=case, decision=decision, note=" ")
    services.resolve_case(moderator=moderator, case=case, decision="dismiss")
    assert notices(member) == [
        "Votre signalement a été examiné : aucune mesure n'a été jugée nécessaire."
    ]
    with pytest.raises(ValidationError):
        services.resolve_case(moderator=moderator, case=case, decision="dismiss")


def test_a_member_or_another_cops_moderator_cannot_decide(
    reply, member, reporters, other_moderator
):
    case = report(member, reply).case
    for person in (reporters[0], other_moderator):
        with pytest.raises(PermissionDenied):
            services.resolve_case(moderator=person, case=case, decision="dismiss")


def test_hiding_a_thread_hides_its_opening_post_and_locks_it(thread, reporters, moderator):
    case = report(reporters[0], thread, kind="thread").case

    services.resolve_case(moderator=moderator, case=case, decision="hide", note="Hors charte")

    thread.refresh_from_db()
    assert opening_post(thread).is_hidden and thread.is_locked


def test_hiding_a_room_message_erases_it(public_cop, member, reporters, moderator):
    room = room_services.ensure_salon(public_cop)
    message, _ = room_services.send_message(
        author=member, room=room, body="Insulte", client_key="report-key-2"
    )
    case = report(reporters[0], message, kind="message").case

    services.resolve_case(moderator=moderator, case=case, decision="hide", note="Insulte")

    message.refresh_from_db()
    assert message.deleted_at is not None and message.deleted_by == moderator


def test_a_resolved_case_is_followed_by_a_new_one(reply, member, reporters, moderator):
    case = report(member, reply).case
    services.resolve_case(moderator=moderator, case=case, decision="dismiss")
    assert report(reporters[0], reply).case.pk != case.pk


def test_the_message_kind_is_registered_by_rooms():
    assert {"post", "thread", "message"} <= set(reporting.kinds())


def test_review_settings_log_old_and_new(public_cop, moderator, member):
    services.update_review_settings(
        moderator=moderator, community=public_cop, auto_hide_threshold=5, premoderation_posts=2
    )
    entry = ModerationAction.objects.get(kind=ModerationAction.Kind.REVIEW_SETTINGS)
    assert entry.details["changes"] == [
        {"field": "seuil de masquage automatique", "old": 3, "new": 5},
        {"field": "messages à valider des nouveaux membres", "old": 0, "new": 2},
    ]
    with pytest.raises(PermissionDenied):
        services.update_review_settings(
            moderator=member, community=public_cop, auto_hide_threshold=1, premoderation_posts=0
        )


# The HTTP door ------------------------------------------------------------------------------


def test_report_page_needs_sign_in(client_for, anonymous, reply):
    url = reverse("report", args=["post", reply.pk])
    response = client_for(anonymous).get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_report_page_is_404_for_what_one_cannot_see(client_for, outsider, private_thread):
    url = reverse("report", args=["post", opening_post(private_thread).pk])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).post(url, {"reason": "spam"}).status_code == 404
    assert client_for(outsider).get(reverse("report", args=["nope", 1])).status_code == 404


def test_report_form_works_without_javascript(client_for, member, reply):
    client = client_for(member)
    url = reverse("report", args=["post", reply.pk])
    page = client.get(url)
    assert page.status_code == 200 and "rue 12" in page.content.decode()

    assert client.post(url, {"reason": "other"}).status_code == 400
    response = client.post(url, {"reason": "personal_data", "text": "Son adresse"})

    assert response.status_code == 302
    assert Report.objects.get().reporter == member


def test_thread_page_offers_report_links_except_on_ones_own(client_for, member, reply):
    page = client_for(member).get(reply.thread.get_absolute_url()).content.decode()
    assert reverse("report", args=["post", reply.pk]) in page
    assert reverse("report", args=["post", opening_post(reply.thread).pk]) not in page


def test_queue_lists_open_cases_escaped_for_moderators_only(
    client_for, thread, reporters, moderator, member, staff
):
    post = make_post(reporters[3], thread, body="<script>alert(1)</script> & co")
    report(reporters[0], post, reason="spam")
    url = reverse("review_queue", args=[thread.community.slug])

    page = client_for(moderator).get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "<script>alert(1)" not in page
    assert "spam ou publicité (1)" in page
    assert client_for(member).get(url).status_code == 403
    everything = client_for(staff).get(reverse("review_queue_all"))
    assert everything.status_code == 200 and "&lt;script&gt;" in everything.content.decode()
    assert client_for(member).get(reverse("review_queue_all")).status_code == 403


def test_queue_of_a_private_cop_is_404_for_outsiders(client_for, outsider, private_cop):
    assert (
        client_for(outsider).get(reverse("review_queue", args=[private_cop.slug])).status_code
        == 404
    )


def test_resolving_through_the_queue(client_for, moderator, reply, member):
    case = report(member, reply).case
    response = client_for(moderator).post(
        reverse("case_resolve", args=[case.pk]), {"decision": "hide", "note": "Adresse"}
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.is_hidden


def test_a_case_of_another_cop_is_404(client_for, other_moderator, reply, member):
    case = report(member, reply).case
    response = client_for(other_moderator).post(
        reverse("case_resolve", args=[case.pk]), {"decision": "dismiss"}
    )
    assert response.status_code == 404


@pytest.fixture
def other_moderator(db, other_public_cop):
    person = make_user(username="autre-mod", display_name="Autre Modératrice")
    make_membership(person, other_public_cop, Membership.Role.MODERATOR)
    return person


def test_moderation_changes_show_in_the_log(client_for, moderator, public_cop):
    services.update_review_settings(
        moderator=moderator, community=public_cop, auto_hide_threshold=4, premoderation_posts=0
    )
    page = client_for(moderator).get(reverse("moderation_log", args=[public_cop.slug]))
    from django.utils.html import strip_tags

    assert "seuil de masquage automatique : « 3 » → « 4 »" in strip_tags(page.content.decode())


def test_report_row_of_the_room_table_reports_a_message(public_cop, member, reporters):
    from rooms import actions

    room = room_services.ensure_salon(public_cop)
    message, _ = room_services.send_message(
        author=member, room=room, body="Bonjour", client_key="report-key-3"
    )
    answer = actions.perform(
        name="report",
        user=reporters[0],
        room=room,
        data={"id": message.pk, "reason": "off_topic"},
    )
    assert answer == {"type": "ack", "action": "report", "id": message.pk}
    assert Report.objects.get().case.kind == "message"
    mine = actions.perform(
        name="report", user=member, room=room, data={"id": message.pk, "reason": "spam"}
    )
    assert mine["code"] == "forbidden"


def test_make_thread_unused_guard(public_cop, member):
    # The fixture factories still publish at once when pre-moderation is off.
    assert not make_thread(member, public_cop).is_pending


def test_queue_shows_an_auto_hidden_item_as_such(client_for, reply, reporters, moderator):
    reply.thread.community.auto_hide_threshold = 2
    reply.thread.community.save()
    report(reporters[0], reply)
    report(reporters[1], reply, reason="danger")

    page = client_for(moderator).get(reverse("review_queue", args=[reply.thread.community.slug]))

    text = page.content.decode()
    assert "masqué automatiquement, en attente d'examen" in text
    assert "rue 12" in text  # moderators still read what was reported
    assert "2 signalements" in text


def test_a_pending_thread_is_labelled_for_its_author_in_the_list(client_for, public_cop, thread):
    public_cop.premoderation_posts = 1
    public_cop.save()
    newcomer = make_user(display_name="Nouvelle")
    make_membership(newcomer, public_cop)
    make_thread(newcomer, public_cop, title="Ma première discussion")

    page = client_for(newcomer).get(public_cop.get_absolute_url()).content.decode()

    assert "Ma première discussion" in page and "en attente de validation" in page


def test_only_the_cops_members_count_toward_the_threshold(reply, reporters, public_cop):
    public_cop.auto_hide_threshold = 2
    public_cop.save()
    strangers = [make_user(display_name=f"Inconnue {n}") for n in range(3)]
    for person in strangers:
        report(person, reply, reason="spam")
    reply.refresh_from_db()
    assert not reply.is_hidden and ReportCase.objects.get().report_count == 3

    report(reporters[0], reply)
    report(reporters[1], reply)

    reply.refresh_from_db()
    assert reply.is_hidden


def test_reports_past_the_limit_are_refused_with_429_and_counted_nowhere(
    clock, thread, member, reporters
):
    from forum import limits

    allowed = limits.LIMITS["report"].count
    posts = [make_post(reporters[0], thread, body=f"Message {n}") for n in range(allowed + 1)]
    for post in posts[:allowed]:
        report(member, post)

    with pytest.raises(limits.RateLimited) as refused:
        report(member, posts[allowed])

    assert refused.value.status == 429 and refused.value.retry_after > 0
    assert not ReportCase.objects.filter(object_id=posts[allowed].pk).exists()
    # A sliding window weighs the previous hour too: two hours later nothing is left of it.
    clock.move(2 * 3600 + 1)
    assert report(member, posts[allowed]).case.object_id == posts[allowed].pk
