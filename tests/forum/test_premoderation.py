"""
Pre-moderation (issue 13, item 4): the first N posts of a new member wait.

A waiting post or thread is seen by its author (labelled) and the CoP's
moderators (in the queue), by nobody else anywhere; approval publishes it
the way a post is published (counts, notifications, the live event).
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from forum import events, selectors, services
from forum.models import CommunityFollow, ModerationAction, Notification, Thread

from ..factories import make_membership, make_post, make_thread, make_user, opening_post

pytestmark = pytest.mark.django_db

HIDDEN_WORDS = "Témoignage de Salimata à valider"


@pytest.fixture
def newcomer(public_cop, thread):
    # After ``thread``: its author is new too, and her thread must be published.
    person = make_user(username="salimata", display_name="Salimata Koné")
    make_membership(person, public_cop)
    public_cop.premoderation_posts = 2
    public_cop.save()
    return person


@pytest.fixture
def waiting(newcomer, thread):
    return make_post(newcomer, thread, body=f"@[Awa Traoré] {HIDDEN_WORDS}")


def test_a_new_members_first_posts_wait_and_announce_nothing(
    newcomer, thread, member, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(newcomer, thread, body=f"@[Awa Traoré] {HIDDEN_WORDS}")

    thread.refresh_from_db()
    assert post.is_pending
    assert thread.reply_count == 0 and thread.last_poster == member
    assert not [e for e in captured_events if isinstance(e, events.PostCreated)]
    assert not Notification.objects.filter(post=post).exists()  # no reply, no mention


def test_moderators_and_members_with_published_posts_do_not_wait(
    newcomer, thread, moderator, public_cop
):
    assert not make_post(moderator, thread).is_pending
    public_cop.premoderation_posts = 1
    public_cop.save()
    first = make_post(newcomer, thread)
    services.approve_post(moderator=moderator, post=first)
    assert not make_post(newcomer, thread).is_pending


def test_off_by_default(public_cop, thread):
    person = make_user()
    make_membership(person, public_cop)
    assert public_cop.premoderation_posts == 0
    assert not make_post(person, thread).is_pending


def test_a_waiting_post_is_seen_by_its_author_and_moderators_only(
    waiting, newcomer, member, moderator, outsider, anonymous, client_for
):
    thread = waiting.thread
    for person in (newcomer, moderator):
        page = client_for(person).get(thread.get_absolute_url()).content.decode()
        assert HIDDEN_WORDS in page
    assert (
        "en attente de validation"
        in client_for(newcomer).get(thread.get_absolute_url()).content.decode()
    )
    for person in (member, outsider, anonymous):
        page = client_for(person).get(thread.get_absolute_url()).content.decode()
        assert HIDDEN_WORDS not in page
        with pytest.raises(Http404):
            selectors.access_post(person, waiting.pk)
        assert client_for(person).get(reverse("post", args=[waiting.pk])).status_code == 404
    assert waiting not in selectors.list_profile_posts(member, newcomer)
    assert waiting not in selectors.list_profile_posts(newcomer, newcomer)


def test_a_waiting_thread_is_listed_nowhere_for_others(
    newcomer, public_cop, member, moderator, anonymous, client_for
):
    thread = make_thread(newcomer, public_cop, title="Fil en attente", tags=["attente"])
    assert thread.is_pending
    for person in (member, anonymous):
        assert thread not in selectors.list_threads(public_cop, person)
        with pytest.raises(Http404):
            selectors.access_thread(person, thread.pk)
        assert (
            "Fil en attente"
            not in client_for(person).get(public_cop.get_absolute_url()).content.decode()
        )
        assert client_for(person).get(reverse("tag", args=["attente"])).status_code == 404
    listed = selectors.list_communities(member).get(pk=public_cop.pk)
    assert listed.thread_count == 1  # the published thread only
    assert thread in selectors.list_threads(public_cop, newcomer)
    assert thread in selectors.list_threads(public_cop, moderator)
    assert "attente" not in [tag.name for tag in selectors.list_popular_tags(member)]


def test_a_followers_bell_waits_for_approval(newcomer, public_cop, member, moderator):
    CommunityFollow.objects.create(user=member, community=public_cop)
    thread = make_thread(newcomer, public_cop, title="Fil suivi")
    assert not Notification.objects.filter(recipient=member).exists()

    services.approve_post(moderator=moderator, post=opening_post(thread))

    thread.refresh_from_db()
    assert not thread.is_pending
    assert Notification.objects.filter(recipient=member, thread=thread, kind="thread").exists()


def test_approval_publishes_counts_notifies_and_emits(
    waiting, member, moderator, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(moderator=moderator, post=waiting)

    waiting.refresh_from_db()
    thread = Thread.objects.get(pk=waiting.thread_id)
    assert not waiting.is_pending
    assert thread.reply_count == 1
    assert Notification.objects.filter(recipient=member, post=waiting).exists()
    [created] = [e for e in captured_events if isinstance(e, events.PostCreated)]
    assert created.post_id == waiting.pk and created.approved
    entry = ModerationAction.objects.get(kind=ModerationAction.Kind.APPROVE_POST)
    assert entry.details["changes"] == [
        {"field": "état", "old": "en attente de validation", "new": "publié"}
    ]
    assert selectors.access_post(member, waiting.pk) == waiting


def test_refusal_needs_a_note_and_tells_the_author(waiting, newcomer, moderator, member):
    with pytest.raises(ValidationError):
        services.refuse_post(moderator=moderator, post=waiting, note="")
    services.refuse_post(moderator=moderator, post=waiting, note="Nom complet d'une victime")

    waiting.refresh_from_db()
    assert waiting.is_pending and waiting.is_hidden
    [notice] = Notification.objects.filter(recipient=newcomer)
    assert notice.subject == "Votre message n'a pas été publié : Nom complet d'une victime"
    assert notice.actor is None
    with pytest.raises(Http404):
        selectors.access_post(member, waiting.pk)
    assert waiting not in selectors.list_pending_posts([waiting.thread.community])
    with pytest.raises(ValidationError):
        services.approve_post(moderator=moderator, post=waiting)


def test_only_moderators_approve_or_refuse(waiting, member):
    with pytest.raises(PermissionDenied):
        services.approve_post(moderator=member, post=waiting)
    with pytest.raises(PermissionDenied):
        services.refuse_post(moderator=member, post=waiting, note="Non")


def test_the_queue_shows_waiting_posts_and_approves_through_a_form(waiting, moderator, client_for):
    client = client_for(moderator)
    url = reverse("review_queue", args=[waiting.thread.community.slug])
    assert HIDDEN_WORDS in client.get(url).content.decode()

    response = client.post(reverse("post_approve", args=[waiting.pk]))

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert not waiting.is_pending


def test_approve_and_refuse_urls_are_404_for_who_cannot_see_the_post(waiting, member, client_for):
    client = client_for(member)
    assert client.post(reverse("post_approve", args=[waiting.pk])).status_code == 404
    assert client.post(reverse("post_refuse", args=[waiting.pk]), {"note": "x"}).status_code == 404


def test_editing_a_waiting_post_mentions_no_one(waiting, newcomer, member, public_cop):
    make_membership(make_user(display_name="Mariam Coulibaly"), public_cop)
    services.edit_post(editor=newcomer, post=waiting, body="@[Mariam Coulibaly] nouveau texte")
    assert not Notification.objects.filter(post=waiting).exists()


def test_a_waiting_post_cannot_be_answered_by_others_and_says_nothing(waiting, member):
    with pytest.raises(ValidationError) as refused:
        services.create_post(author=member, thread=waiting.thread, parent=waiting, body="Oui")
    assert "n'existe plus" in str(refused.value)


def test_a_reply_to_a_waiting_post_waits_and_is_approved_after_it(waiting, newcomer, moderator):
    answer = services.create_post(
        author=moderator, thread=waiting.thread, parent=waiting, body="Merci, je valide"
    )
    assert answer.is_pending
    with pytest.raises(ValidationError):
        services.approve_post(moderator=moderator, post=answer)
    services.approve_post(moderator=moderator, post=waiting)
    services.approve_post(moderator=moderator, post=answer)
