"""A moderator's thread tools: merge, split, close with a note, slow mode."""

from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import strip_tags

from forum import limits, services
from forum.models import Membership, ModerationAction, Notification, Post, Thread, ThreadRedirect

from ..factories import make_community, make_membership, make_post, make_thread, make_user

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return unescape(response.content.decode())


def text(response) -> str:
    return unescape(strip_tags(response.content.decode()))


@pytest.fixture
def other_thread(public_cop, moderator):
    return make_thread(moderator, public_cop, title="Calendrier des formations", body="Dates ?")


@pytest.fixture
def foreign_cop(db):
    """A CoP the ``moderator`` does not moderate."""
    return make_community(name="Santé maternelle", slug="sante-maternelle")


# Merge ---------------------------------------------------------------------------------


def test_merge_moves_posts_in_time_order_and_keeps_ids_authors_dates(
    thread, other_thread, member, moderator
):
    first = make_post(moderator, thread, body="Première réponse")
    nested = make_post(member, thread, parent=first, body="Réponse imbriquée")
    target_reply = make_post(member, other_thread, body="Réponse dans la cible")
    source_posts = {p.pk: (p.author_id, p.created_at) for p in Post.objects.filter(thread=thread)}
    source_id = thread.pk

    target = services.merge_threads(moderator=moderator, source=thread, target=other_thread)

    assert not Thread.objects.filter(pk=source_id).exists()
    moved = list(Post.objects.filter(pk__in=source_posts).order_by("seq"))
    assert {p.pk: (p.author_id, p.created_at) for p in moved} == source_posts
    assert all(p.thread_id == target.pk for p in moved)
    # New numbers after the target's, in the order the posts were written.
    assert [p.seq for p in moved] == [3, 4, 5]
    assert [p.created_at for p in moved] == sorted(p.created_at for p in moved)
    opening = Post.objects.get(thread=target, parent__isnull=True)
    old_opening = moved[0]
    assert old_opening.parent_id == opening.pk and old_opening.depth == 1
    nested.refresh_from_db()
    assert nested.parent_id == first.pk
    first.refresh_from_db()
    assert nested.path.startswith(first.path) and nested.depth == first.depth + 1
    target.refresh_from_db()
    assert target.reply_count == 4 and target.last_seq == 5
    assert target_reply.pk in set(target.posts.values_list("pk", flat=True))


def test_merged_thread_address_and_post_addresses_lead_to_the_target(
    thread, other_thread, member, moderator, client_for
):
    reply = make_post(member, thread, body="Une réponse")
    old_url = thread.get_absolute_url()
    services.merge_threads(moderator=moderator, source=thread, target=other_thread)
    client = client_for(member)

    assert client.get(old_url)["Location"] == other_thread.get_absolute_url()
    post_page = client.get(reverse("post", args=[reply.pk]))
    assert post_page["Location"].startswith(other_thread.get_absolute_url())
    assert post_page["Location"].endswith(f"#post-{reply.pk}")
    assert "Une réponse" in page(client.get(other_thread.get_absolute_url()))


def test_merge_into_private_cop_hides_the_old_address_from_outsiders(
    thread, private_thread, member, moderator, outsider, client_for
):
    reply = make_post(member, thread, body="Réponse publique")
    old_url = thread.get_absolute_url()
    services.merge_threads(moderator=moderator, source=thread, target=private_thread)

    outsider_client = client_for(outsider)
    assert outsider_client.get(old_url).status_code == 404
    assert outsider_client.get(reverse("post", args=[reply.pk])).status_code == 404
    assert client_for(member).get(old_url).status_code == 302


def test_merge_points_notifications_at_the_target_and_its_cop(
    thread, private_thread, member, moderator
):
    make_post(moderator, thread, body="Réponse qui notifie l'autrice")
    assert Notification.objects.filter(recipient=member, thread=thread).exists()

    services.merge_threads(moderator=moderator, source=thread, target=private_thread)

    notification = Notification.objects.get(recipient=member, kind="reply")
    assert notification.thread_id == private_thread.pk
    assert notification.community_id == private_thread.community_id


def test_merge_writes_an_audit_entry_old_to_new_in_both_cops(thread, private_thread, moderator):
    source_title, source_id = thread.title, thread.pk

    services.merge_threads(
        moderator=moderator, source=thread, target=private_thread, reason="Doublon"
    )

    entries = ModerationAction.objects.filter(kind=ModerationAction.Kind.MERGE)
    assert {e.community_id for e in entries} == {thread.community_id, private_thread.community_id}
    entry = entries.first()
    assert entry.reason == "Doublon"
    assert entry.details["source_id"] == source_id
    changes = {c["field"]: (c["old"], c["new"]) for c in entry.details["changes"]}
    assert changes["discussion"] == (source_title, private_thread.title)
    assert changes["communauté"] == (thread.community.name, private_thread.community.name)
    assert changes["messages"] == (1, 2)  # the target: before → after


def test_merge_is_refused_to_members_and_to_moderators_of_one_side_only(
    thread, other_thread, member, moderator, foreign_cop
):
    with pytest.raises(PermissionDenied):
        services.merge_threads(moderator=member, source=thread, target=other_thread)
    author = make_user()
    make_membership(author, foreign_cop)
    elsewhere = make_thread(author, foreign_cop, title="Ailleurs")
    with pytest.raises(PermissionDenied):
        services.merge_threads(moderator=moderator, source=thread, target=elsewhere)
    with pytest.raises(ValidationError):
        services.merge_threads(moderator=moderator, source=thread, target=thread)
    assert Thread.objects.filter(pk=thread.pk).exists()
    assert not ModerationAction.objects.filter(kind=ModerationAction.Kind.MERGE).exists()


def test_a_second_merge_keeps_the_first_address_working(
    thread, other_thread, public_cop, moderator, member, client_for
):
    third = make_thread(moderator, public_cop, title="Troisième")
    first_url = thread.get_absolute_url()
    services.merge_threads(moderator=moderator, source=thread, target=other_thread)
    services.merge_threads(moderator=moderator, source=other_thread, target=third)

    assert ThreadRedirect.objects.get(old_thread_id=thread.pk).thread_id == third.pk
    assert client_for(member).get(first_url)["Location"] == third.get_absolute_url()


def test_merge_page_confirms_before_anything_moves(
    thread, other_thread, moderator, member, client_for
):
    client = client_for(moderator)
    url = reverse("thread_merge", args=[thread.pk])
    assert client_for(member).get(url).status_code == 403

    confirm = client.get(url, {"target": other_thread.get_absolute_url()})

    assert confirm.status_code == 200
    assert "Fusionner" in page(confirm) and other_thread.title in page(confirm)
    assert Thread.objects.filter(pk=thread.pk).exists()  # a GET never writes
    done = client.post(url, {"target": other_thread.pk, "reason": ""})
    assert done["Location"] == other_thread.get_absolute_url()
    assert not Thread.objects.filter(pk=thread.pk).exists()


def test_merge_page_refuses_an_unknown_or_unmoderated_target(
    thread, private_cop, moderator, client_for, foreign_cop
):
    client = client_for(moderator)
    url = reverse("thread_merge", args=[thread.pk])
    assert client.get(url, {"target": "999999"}).status_code == 400
    assert client.get(url, {"target": "n'importe quoi"}).status_code == 400
    author = make_user()
    make_membership(author, foreign_cop)
    elsewhere = make_thread(author, foreign_cop, title="Ailleurs")
    refused = client.post(url, {"target": elsewhere.pk})
    assert refused.status_code == 400
    assert "Vous ne modérez pas" in page(refused)
    assert Thread.objects.filter(pk=thread.pk).exists()


# Split ---------------------------------------------------------------------------------


def test_split_moves_a_reply_and_its_whole_subtree_into_a_new_thread(
    thread, member, moderator, private_cop
):
    stays = make_post(member, thread, body="Reste ici")
    root = make_post(moderator, thread, body="Début du hors-sujet")
    child = make_post(member, thread, parent=root, body="Suite du hors-sujet")
    grandchild = make_post(moderator, thread, parent=child, body="Et encore")
    later = make_post(member, thread, body="Après")
    dates = {p.pk: (p.author_id, p.created_at) for p in (root, child, grandchild)}

    new = services.split_thread(
        moderator=moderator, post=root, title="Hors-sujet : la radio", community=private_cop
    )

    assert new.community_id == private_cop.pk and new.title == "Hors-sujet : la radio"
    moved = list(Post.objects.filter(thread=new).order_by("path"))
    assert [p.pk for p in moved] == [root.pk, child.pk, grandchild.pk]
    assert {p.pk: (p.author_id, p.created_at) for p in moved} == dates
    assert moved[0].parent_id is None and moved[0].seq == 1 and moved[0].depth == 0
    assert moved[1].parent_id == root.pk and moved[2].parent_id == child.pk
    assert new.author_id == moderator.pk and new.reply_count == 2 and new.last_seq == 3
    assert set(Post.objects.filter(thread=thread).values_list("pk", flat=True)) == {
        Post.objects.get(thread=thread, parent=None).pk,
        stays.pk,
        later.pk,
    }
    thread.refresh_from_db()
    assert thread.reply_count == 2


def test_split_audit_entry_says_old_thread_to_new_in_both_cops(
    thread, member, moderator, private_cop
):
    root = make_post(member, thread, body="À déplacer")
    new = services.split_thread(
        moderator=moderator, post=root, title="Nouvelle", community=private_cop, reason="Hors-sujet"
    )
    entries = ModerationAction.objects.filter(kind=ModerationAction.Kind.SPLIT)
    assert {e.community_id for e in entries} == {thread.community_id, private_cop.pk}
    changes = {c["field"]: (c["old"], c["new"]) for c in entries.first().details["changes"]}
    assert changes["discussion"] == (thread.title, new.title)
    assert changes["communauté"] == (thread.community.name, private_cop.name)
    assert changes["messages"] == (2, 1)  # the thread that stays: before → after


def test_split_is_refused_to_members_for_the_opening_post_and_to_unmoderated_cops(
    thread, member, moderator, foreign_cop
):
    root = make_post(member, thread, body="Réponse")
    with pytest.raises(PermissionDenied):
        services.split_thread(moderator=member, post=root, title="Non")
    with pytest.raises(PermissionDenied):
        services.split_thread(moderator=moderator, post=root, title="Non", community=foreign_cop)
    opening = Post.objects.get(thread=thread, parent=None)
    with pytest.raises(ValidationError):
        services.split_thread(moderator=moderator, post=opening, title="Non")
    assert Post.objects.get(pk=root.pk).thread_id == thread.pk


def test_split_page_is_the_confirmation_and_moved_post_urls_follow(
    thread, member, moderator, client_for
):
    root = make_post(member, thread, body="Début")
    child = make_post(moderator, thread, parent=root, body="Suite")
    client = client_for(moderator)
    url = reverse("post_split", args=[root.pk])

    form = client.get(url)
    assert form.status_code == 200
    assert "2 messages" in page(form)
    assert Post.objects.get(pk=root.pk).thread_id == thread.pk

    response = client.post(url, {"title": "Nouveau fil", "community": thread.community_id})
    new = Thread.objects.get(title="Nouveau fil")
    assert response["Location"] == new.get_absolute_url()
    assert client.get(reverse("post", args=[child.pk]))["Location"].startswith(
        new.get_absolute_url()
    )
    assert client_for(member).get(reverse("post_split", args=[child.pk])).status_code == 403


# Close with a note -----------------------------------------------------------------------


def test_close_with_note_locks_and_shows_the_note_to_everyone(
    thread, moderator, member, client_for, anonymous
):
    services.close_thread(moderator=moderator, thread=thread, note="Sujet traité en réunion")

    thread.refresh_from_db()
    assert thread.is_locked and thread.closed_note == "Sujet traité en réunion"
    for viewer in (member, anonymous):
        shown = page(client_for(viewer).get(thread.get_absolute_url()))
        assert "Discussion close par la modération : Sujet traité en réunion" in shown
    with pytest.raises(PermissionDenied):
        services.create_post(author=member, thread=thread, parent=None, body="Encore ?")


def test_close_and_reopen_are_audited_old_to_new(thread, moderator):
    services.close_thread(moderator=moderator, thread=thread, note="Close", reason="Spam")
    services.set_thread_locked(moderator=moderator, thread=thread, locked=False)

    close, reopen = ModerationAction.objects.order_by("pk")
    assert close.kind == "lock" and close.reason == "Spam"
    assert close.details["changes"] == [
        {"field": "verrouillée", "old": False, "new": True},
        {"field": "note de clôture", "old": "", "new": "Close"},
    ]
    assert reopen.details["changes"] == [
        {"field": "verrouillée", "old": True, "new": False},
        {"field": "note de clôture", "old": "Close", "new": ""},
    ]
    thread.refresh_from_db()
    assert not thread.is_locked and thread.closed_note == ""


def test_close_is_refused_to_members_and_needs_a_note(thread, member, moderator, client_for):
    with pytest.raises(PermissionDenied):
        services.close_thread(moderator=member, thread=thread, note="Non")
    url = reverse("thread_moderate", args=[thread.pk, "close"])
    assert client_for(member).post(url, {"note": "Non"}).status_code == 403
    assert client_for(moderator).post(url, {"note": "  "}).status_code == 400
    thread.refresh_from_db()
    assert not thread.is_locked


# Slow mode -------------------------------------------------------------------------------


def test_slow_mode_lets_a_member_reply_once_per_period(clock, thread, member, moderator):
    services.set_thread_slow_mode(moderator=moderator, thread=thread, seconds=120)
    thread.refresh_from_db()
    clock.move(120)  # the member opened the thread: that was her last post here
    services.create_post(author=member, thread=thread, parent=None, body="Première")

    clock.move(30)
    with pytest.raises(limits.RateLimited) as refused:
        services.create_post(author=member, thread=thread, parent=None, body="Trop tôt")
    assert refused.value.code == "slow_mode"
    assert "encore 90 s" in refused.value.message
    # Moderators are exempt.
    services.create_post(author=moderator, thread=thread, parent=None, body="Modération 1")
    services.create_post(author=moderator, thread=thread, parent=None, body="Modération 2")

    clock.move(91)
    services.create_post(author=member, thread=thread, parent=None, body="À temps")


def test_slow_mode_answers_429_on_the_form_with_the_text_kept(
    clock, thread, member, moderator, client_for
):
    services.set_thread_slow_mode(moderator=moderator, thread=thread, seconds=60)
    clock.move(60)  # since the member opened the thread
    client = client_for(member)
    url = reverse("thread_reply", args=[thread.pk])
    assert client.post(url, {"body": "Une"}).status_code == 302

    response = client.post(url, {"body": "Deux, mon texte"})

    assert response.status_code == 429
    assert "Mode lent" in page(response) and "Deux, mon texte" in page(response)
    shown = page(client.get(thread.get_absolute_url()))
    assert "répondre une fois toutes les 60 secondes" in shown


def test_slow_mode_is_audited_and_refused_to_members(thread, member, moderator, client_for):
    with pytest.raises(PermissionDenied):
        services.set_thread_slow_mode(moderator=member, thread=thread, seconds=60)
    url = reverse("thread_moderate", args=[thread.pk, "slow"])
    assert client_for(moderator).post(url, {"seconds": "999999"}).status_code == 400
    assert client_for(moderator).post(url, {"seconds": "60"}).status_code == 302
    assert client_for(moderator).post(url, {"seconds": "0"}).status_code == 302

    on, off = ModerationAction.objects.filter(kind="slow_mode").order_by("pk")
    assert on.details["changes"] == [{"field": "mode lent (secondes)", "old": 0, "new": 60}]
    assert off.details["changes"] == [{"field": "mode lent (secondes)", "old": 60, "new": 0}]


def test_moderation_tools_show_on_the_thread_page_for_moderators_only(
    thread, member, moderator, client_for
):
    make_post(member, thread, body="Réponse")
    shown = page(client_for(moderator).get(thread.get_absolute_url()))
    assert reverse("thread_merge", args=[thread.pk]) in shown
    assert "Scinder ici" in shown and "Clore avec cette note" in shown
    hidden = page(client_for(member).get(thread.get_absolute_url()))
    assert "Scinder ici" not in hidden and reverse("thread_merge", args=[thread.pk]) not in hidden


def test_removed_role_cannot_split(thread, member, moderator):
    root = make_post(member, thread, body="Réponse")
    Membership.objects.filter(user=moderator).update(role=Membership.Role.MEMBER)
    moderator = type(moderator).objects.get(pk=moderator.pk)
    with pytest.raises(PermissionDenied):
        services.split_thread(moderator=moderator, post=root, title="Non")


def test_the_log_shows_changes_and_hides_titles_of_a_private_side(
    private_thread, thread, moderator, client_for, public_cop
):
    colleague = make_user()
    make_membership(colleague, public_cop, Membership.Role.MODERATOR)
    secret_title = private_thread.title
    services.merge_threads(moderator=moderator, source=private_thread, target=thread)

    log_url = reverse("moderation_log", args=[public_cop.slug])
    full = text(client_for(moderator).get(log_url))
    assert f"discussion : « {secret_title} » → « {thread.title} »" in full
    redacted = text(client_for(colleague).get(log_url))
    assert secret_title not in redacted
    assert "Accompagnement des survivantes" not in redacted
    assert "messages : « 1 » → « 2 »" in redacted


def test_a_reply_sent_from_a_page_of_the_merged_thread_lands_in_the_target(
    thread, other_thread, member, moderator, client_for
):
    url = reverse("thread_reply", args=[thread.pk])  # the form as the page drew it
    services.merge_threads(moderator=moderator, source=thread, target=other_thread)

    response = client_for(member).post(url, {"body": "Écrit avant la fusion"})

    post = Post.objects.get(body="Écrit avant la fusion")
    assert post.thread_id == other_thread.pk
    assert response["Location"] == post.get_absolute_url()


def test_a_large_merge_asks_open_pages_to_reload_instead_of_pushing_each_post(
    thread,
    other_thread,
    member,
    moderator,
    monkeypatch,
    captured_events,
    django_capture_on_commit_callbacks,
):
    from forum import events
    from forum.services import thread_tools

    monkeypatch.setattr(thread_tools, "LIVE_POSTS_MAX", 1)
    make_post(member, thread, body="Une")
    captured_events.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.merge_threads(moderator=moderator, source=thread, target=other_thread)

    kinds = [type(e).__name__ for e in captured_events]
    assert "PostCreated" not in kinds
    merged = next(e for e in captured_events if isinstance(e, events.ThreadMerged))
    assert (merged.thread_id, merged.target_id) == (thread.pk, other_thread.pk)
    reload = [e for e in captured_events if isinstance(e, events.ThreadModerated)]
    assert [(e.thread_id, e.action) for e in reload] == [(other_thread.pk, "reload")]


def test_merge_brings_the_source_tags_to_the_target(thread, other_thread, moderator):
    services.merge_threads(moderator=moderator, source=thread, target=other_thread)

    assert sorted(other_thread.tags.names()) == ["loi 052"]
    entry = ModerationAction.objects.get(kind=ModerationAction.Kind.MERGE)
    assert {"field": "étiquettes", "old": "", "new": "loi 052"} in entry.details["changes"]
