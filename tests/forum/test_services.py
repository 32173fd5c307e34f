"""
Every write of forum.services: the happy path and the rules.

Events are delivered on commit; pytest-django wraps each test in a
transaction that never commits, so ``django_capture_on_commit_callbacks
(execute=True)`` stands in for the commit and proves what would be announced.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from forum import events, services
from forum import permissions as perms
from forum.models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Post,
    PostRevision,
    Tag,
    TaggedThread,
    Thread,
    User,
)
from forum.models.threads import PATH_STEP
from tests.factories import (
    make_community,
    make_membership,
    make_post,
    make_thread,
    make_user,
    opening_post,
)

pytestmark = pytest.mark.django_db

Kind = ModerationAction.Kind


def seg(seq: int) -> str:
    return f"{seq:0{PATH_STEP}d}"


def counts() -> dict[str, int]:
    return {
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "tags": Tag.objects.count(),
        "tagged": TaggedThread.objects.count(),
        "revisions": PostRevision.objects.count(),
        "log": ModerationAction.objects.count(),
    }


def log_kinds(community: Community) -> list[str]:
    return list(
        ModerationAction.objects.filter(community=community)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def fresh(user: User) -> User:
    """The same account without its cached memberships, as the next request would see it."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def reply(thread, member):
    return make_post(member, thread, body="Première réponse")


@pytest.fixture
def other_member(public_cop, private_cop):
    user = make_user(username="kadiatou", display_name="Kadiatou Sidibé")
    make_membership(user, public_cop)
    make_membership(user, private_cop)
    return user


@pytest.fixture
def third_cop(member):
    """A public CoP where ``member`` moderates and ``moderator`` is a plain member."""
    community = make_community(name="Leadership féminin", slug="leadership")
    make_membership(member, community, Membership.Role.MODERATOR)
    return community


# create_thread -----------------------------------------------------------------------------------


def test_create_thread_saves_thread_and_opening_post(public_cop, member):
    thread = services.create_thread(
        author=member,
        community=public_cop,
        title="  Accès à la terre\t à Ségou ",
        body="\r\n# Contexte\r\n\r\nLa **loi** foncière.\x00\n",
        tags="Foncier, #Ségou",
    )
    thread.refresh_from_db()
    assert thread.title == "Accès à la terre à Ségou"
    assert thread.community == public_cop
    assert thread.author == member
    assert thread.last_poster == member
    assert thread.last_seq == 1
    assert thread.reply_count == 0
    assert thread.last_activity_at == thread.created_at
    assert not thread.is_pinned
    assert not thread.is_locked
    assert sorted(thread.tags.names()) == ["foncier", "ségou"]
    post = opening_post(thread)
    assert post.seq == 1
    assert post.path == seg(1)
    assert post.depth == 0
    assert post.author == member
    assert post.body == "# Contexte\n\nLa **loi** foncière."
    assert post.body_html == "<h3>Contexte</h3>\n<p>La <strong>loi</strong> foncière.</p>"
    assert post.created_at == thread.created_at
    assert thread.posts.count() == 1


def test_create_thread_without_tags(public_cop, member):
    thread = make_thread(member, public_cop, tags="")
    assert list(thread.tags.names()) == []


def test_staff_can_start_thread_in_private_community_without_membership(private_cop, staff):
    thread = make_thread(staff, private_cop)
    assert thread.community == private_cop


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("title", {"title": ""}),
        ("title", {"title": "   \t "}),
        ("title", {"title": "\u200b\x00"}),
        ("title", {"title": "a" * 201}),
        ("body", {"body": ""}),
        ("body", {"body": " \n\n \t"}),
        ("body", {"body": "a" * 50_001}),
        ("tags", {"tags": "###"}),
        ("tags", {"tags": "foncier, !!!"}),
        ("tags", {"tags": ["ok", "   ,   "]}),
        ("tags", {"tags": [f"t{i}" for i in range(9)]}),
        ("tags", {"tags": ["a" * 51]}),
    ],
)
def test_create_thread_rejects_invalid_input_and_saves_nothing(public_cop, member, field, kwargs):
    make_thread(member, public_cop, tags=["déjà là"])  # something to leave untouched
    before = counts()
    values = {"title": "Un titre", "body": "Un message", "tags": ["foncier"], **kwargs}
    with pytest.raises(ValidationError) as excinfo:
        services.create_thread(author=member, community=public_cop, **values)
    assert field in excinfo.value.message_dict
    assert counts() == before


def test_create_thread_accepts_the_longest_title_and_body(public_cop, member):
    thread = make_thread(member, public_cop, title="t" * 200, body="b" * 50_000)
    assert len(thread.title) == 200
    assert len(opening_post(thread).body) == 50_000


def test_non_member_cannot_start_thread_in_public_community(public_cop, outsider):
    before = counts()
    with pytest.raises(PermissionDenied):
        make_thread(outsider, public_cop)
    assert counts() == before


def test_anonymous_cannot_start_thread(public_cop, anonymous):
    with pytest.raises(PermissionDenied):
        make_thread(anonymous, public_cop)
    assert Thread.objects.count() == 0


def test_outsider_gets_404_when_starting_thread_in_private_community(private_cop, outsider):
    with pytest.raises(Http404):
        make_thread(outsider, private_cop)
    assert Thread.objects.count() == 0


def test_same_tag_in_any_case_is_one_tag(public_cop, member):
    first = make_thread(member, public_cop, tags=["Loi 052"])
    second = make_thread(member, public_cop, tags=["loi 052", "LOI  052"])
    assert Tag.objects.count() == 1
    tag = Tag.objects.get()
    assert tag.name == "loi 052"
    assert tag.slug == "loi-052"
    assert set(tag.thread_items.values_list("content_object", flat=True)) == {first.pk, second.pk}


def test_tags_whose_slugs_collide_get_distinct_slugs(public_cop, member):
    make_thread(member, public_cop, tags=["loi 052", "loi-052"])
    assert sorted(Tag.objects.values_list("name", "slug")) == [
        ("loi 052", "loi-052"),
        ("loi-052", "loi-052_1"),
    ]


def test_tags_keep_their_accents(public_cop, member):
    make_thread(member, public_cop, tags=["Ségou", "Égalité"])
    assert sorted(Tag.objects.values_list("name", "slug")) == [
        ("ségou", "ségou"),
        ("égalité", "égalité"),
    ]


def test_create_thread_emits_thread_created_after_commit(
    public_cop, member, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        thread = make_thread(member, public_cop)
    assert captured_events == []  # nothing before commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert captured_events == [
        events.ThreadCreated(thread_id=thread.pk, community_id=public_cop.pk, author_id=member.pk)
    ]
    assert captured_events[0].type == "thread.created"


def test_invalid_thread_emits_nothing(
    public_cop, member, captured_events, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        make_thread(member, public_cop, title="")
    assert callbacks == []
    assert captured_events == []


# create_post -------------------------------------------------------------------------------------


def test_reply_without_parent_is_a_child_of_the_opening_post(thread, other_member):
    post = make_post(other_member, thread, body="  Bonne *idée*  ")
    first = opening_post(thread)
    assert post.parent == first
    assert post.seq == 2
    assert post.depth == 1
    assert post.path == seg(1) + seg(2)
    assert post.body == "Bonne *idée*"
    assert post.body_html == "<p>Bonne <em>idée</em></p>"


def test_reply_tree_paths_list_posts_depth_first(thread, member, other_member, moderator):
    a = make_post(other_member, thread)
    b = make_post(moderator, thread)
    a1 = make_post(member, thread, parent=a)
    a1x = make_post(moderator, thread, parent=a1)
    a2 = make_post(moderator, thread, parent=a)
    assert [p.seq for p in (a, b, a1, a1x, a2)] == [2, 3, 4, 5, 6]
    assert (a1.depth, a1x.depth, a2.depth) == (2, 3, 2)
    assert a1.path == seg(1) + seg(2) + seg(4)
    assert a1x.path == a1.path + seg(5)
    ordered = list(Post.objects.filter(thread=thread).order_by("path"))
    assert ordered == [opening_post(thread), a, a1, a1x, a2, b]


def test_replies_deeper_than_the_limit_are_placed_beside_their_parent(
    thread, member, other_member, monkeypatch
):
    monkeypatch.setattr(services.threads, "MAX_TREE_DEPTH", 2)
    r1 = make_post(member, thread)
    r2 = make_post(other_member, thread, parent=r1)
    r3 = make_post(member, thread, parent=r2)
    assert (r1.depth, r2.depth, r3.depth) == (1, 2, 2)
    assert r3.parent == r2  # still "in reply to" r2
    assert r3.path == r1.path + seg(4)  # but shown beside it
    ordered = list(Post.objects.filter(thread=thread).order_by("path"))
    assert ordered == [opening_post(thread), r1, r2, r3]


def test_reply_updates_thread_counters(thread, member, other_member):
    assert thread.last_poster == member
    post = make_post(other_member, thread)
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert thread.last_seq == 2
    assert thread.last_poster == other_member
    assert thread.last_activity_at == post.created_at
    assert thread.last_activity_at > thread.created_at
    make_post(member, thread, parent=post)
    thread.refresh_from_db()
    assert thread.reply_count == 2
    assert thread.last_seq == 3
    assert thread.last_poster == member


def test_reply_to_a_post_of_another_thread_is_rejected_and_saves_nothing(
    thread, public_cop, member, captured_events, django_capture_on_commit_callbacks
):
    other_thread = make_thread(member, public_cop, title="Autre discussion")
    stranger = make_post(member, other_thread)
    before = counts()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as excinfo,
    ):
        make_post(member, thread, parent=stranger)
    assert "parent" in excinfo.value.message_dict
    assert counts() == before
    thread.refresh_from_db()
    assert (thread.last_seq, thread.reply_count) == (1, 0)
    assert captured_events == []


def test_empty_reply_is_rejected_and_saves_nothing(thread, member):
    before = counts()
    with pytest.raises(ValidationError):
        make_post(member, thread, body=" \n\x00 ")
    assert counts() == before
    thread.refresh_from_db()
    assert thread.last_seq == 1


def test_lock_thread_stops_member_replies(thread, member, moderator):
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True)
    before = counts()
    with pytest.raises(PermissionDenied):
        make_post(member, thread)
    assert counts() == before


def test_reply_rechecks_the_lock_on_the_saved_thread(thread, member):
    stale = Thread.objects.get(pk=thread.pk)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    assert not stale.is_locked
    with pytest.raises(PermissionDenied):
        make_post(member, stale)


def test_moderator_can_reply_to_locked_thread(thread, moderator):
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True)
    post = make_post(moderator, thread)
    assert post.seq == 2


def test_non_member_cannot_reply_in_public_community(thread, outsider):
    with pytest.raises(PermissionDenied):
        make_post(outsider, thread)
    assert thread.posts.count() == 1


def test_anonymous_cannot_reply(thread, anonymous):
    with pytest.raises(PermissionDenied):
        make_post(anonymous, thread)


def test_outsider_gets_404_when_replying_in_private_community(private_thread, outsider):
    with pytest.raises(Http404):
        make_post(outsider, private_thread)
    assert private_thread.posts.count() == 1


def test_create_post_emits_post_created_after_commit(
    thread, member, other_member, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(other_member, thread)
    # The reply also notifies the thread's author.
    assert captured_events == [
        events.NotificationsChanged(user_ids=(member.pk,)),
        events.PostCreated(
            post_id=post.pk,
            thread_id=thread.pk,
            community_id=thread.community_id,
            author_id=other_member.pk,
            parent_author_id=member.pk,
        ),
    ]
    assert captured_events[1].type == "post.created"


def test_create_post_emits_nothing_before_commit(
    thread, other_member, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_post(other_member, thread)
    assert captured_events == []
    assert len(callbacks) == 2  # the reply notification and the post


def test_a_failing_subscriber_does_not_stop_the_others(
    thread, other_member, captured_events, django_capture_on_commit_callbacks
):
    def broken(event):
        raise RuntimeError("listener down")

    events.subscribe(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post = make_post(other_member, thread)
    finally:
        events.unsubscribe(broken)
    assert Post.objects.filter(pk=post.pk).exists()
    assert [type(e) for e in captured_events] == [events.NotificationsChanged, events.PostCreated]


# edit_post ---------------------------------------------------------------------------------------


def test_author_edit_keeps_a_revision_and_rerenders(reply, member):
    old_html = reply.body_html
    edited = services.edit_post(editor=member, post=reply, body="Réponse **corrigée**")
    edited.refresh_from_db()
    assert edited.body == "Réponse **corrigée**"
    assert edited.body_html == "<p>Réponse <strong>corrigée</strong></p>"
    assert edited.edit_count == 1
    assert edited.edited_at is not None
    revision = edited.revisions.get()
    assert revision.body == "Première réponse"
    assert revision.body_html == old_html
    assert revision.written_at == reply.created_at
    assert revision.replaced_by == member
    assert ModerationAction.objects.count() == 0  # one's own edit is not moderation


def test_second_edit_dates_the_revision_from_the_first_edit(reply, member):
    first = services.edit_post(editor=member, post=reply, body="Version 2")
    services.edit_post(editor=member, post=reply, body="Version 3")
    latest = reply.revisions.order_by("-pk").first()
    assert latest.body == "Version 2"
    assert latest.written_at == first.edited_at
    reply.refresh_from_db()
    assert reply.edit_count == 2
    assert reply.revisions.count() == 2


def test_edit_with_unchanged_body_changes_nothing(
    reply, member, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(editor=member, post=reply, body="  Première réponse \n")
    reply.refresh_from_db()
    assert reply.edit_count == 0
    assert reply.revisions.count() == 0
    assert captured_events == []


def test_moderator_edit_is_audit_logged(reply, member, moderator, public_cop):
    services.edit_post(editor=moderator, post=reply, body="Coordonnées retirées.")
    action = ModerationAction.objects.get()
    assert action.kind == Kind.EDIT_POST
    assert action.community == public_cop
    assert action.actor == moderator
    assert action.post == reply
    assert action.thread == reply.thread
    assert action.target_user == member
    assert reply.revisions.get().replaced_by == moderator


def test_member_cannot_edit_someone_elses_post(reply, other_member):
    with pytest.raises(PermissionDenied):
        services.edit_post(editor=other_member, post=reply, body="Piraté")
    reply.refresh_from_db()
    assert reply.body == "Première réponse"
    assert reply.revisions.count() == 0


def test_author_cannot_edit_in_locked_thread(reply, member, moderator):
    services.set_thread_locked(moderator=moderator, thread=reply.thread, locked=True)
    with pytest.raises(PermissionDenied):
        services.edit_post(editor=member, post=reply, body="Trop tard")


def test_edit_to_empty_body_is_rejected(reply, member):
    before = counts()
    with pytest.raises(ValidationError):
        services.edit_post(editor=member, post=reply, body="   ")
    reply.refresh_from_db()
    assert reply.body == "Première réponse"
    assert counts() == before


def test_edit_emits_post_edited(reply, member, captured_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(editor=member, post=reply, body="Autre texte")
    assert captured_events == [
        events.PostEdited(
            post_id=reply.pk, thread_id=reply.thread_id, community_id=reply.thread.community_id
        )
    ]


# delete_post -------------------------------------------------------------------------------------


def test_delete_leaves_a_marker_and_keeps_the_children(reply, member, other_member):
    child = make_post(other_member, reply.thread, parent=reply)
    services.edit_post(editor=member, post=reply, body="Numéro de téléphone : 70 00 00 00")
    assert reply.revisions.count() == 1
    services.delete_post(user=member, post=reply)
    reply.refresh_from_db()
    assert reply.deleted_at is not None
    assert reply.body == ""
    assert reply.body_html == ""
    assert reply.revisions.count() == 0
    assert PostRevision.objects.count() == 0
    child.refresh_from_db()
    assert child.parent_id == reply.pk
    assert child.body == "Merci pour ce partage, voici notre expérience à Kati."
    reply.thread.refresh_from_db()
    assert reply.thread.reply_count == 2  # the marker stays in the tree


def test_moderator_cannot_delete_someone_elses_post(reply, moderator):
    with pytest.raises(PermissionDenied):
        services.delete_post(user=moderator, post=reply)
    reply.refresh_from_db()
    assert reply.deleted_at is None


def test_post_cannot_be_deleted_twice(reply, member):
    services.delete_post(user=member, post=reply)
    with pytest.raises(PermissionDenied):
        services.delete_post(user=member, post=reply)


def test_outsider_gets_404_when_deleting_private_post(private_thread, outsider):
    with pytest.raises(Http404):
        services.delete_post(user=outsider, post=opening_post(private_thread))


def test_delete_emits_post_deleted(
    reply, member, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(user=member, post=reply)
    assert captured_events == [
        events.PostDeleted(
            post_id=reply.pk, thread_id=reply.thread_id, community_id=reply.thread.community_id
        )
    ]


# hide_post / restore_post ------------------------------------------------------------------------


def test_hide_post_with_reason_is_audit_logged(
    reply, member, moderator, public_cop, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.hide_post(moderator=moderator, post=reply, reason="  Données\n personnelles ")
    reply.refresh_from_db()
    assert reply.hidden_at is not None
    assert reply.hidden_by == moderator
    assert reply.hidden_reason == "Données personnelles"
    action = ModerationAction.objects.get()
    assert (action.kind, action.actor, action.community) == (Kind.HIDE_POST, moderator, public_cop)
    assert (action.post, action.thread, action.target_user) == (reply, reply.thread, member)
    assert action.reason == "Données personnelles"
    assert captured_events == [
        events.PostModerated(
            post_id=reply.pk, thread_id=reply.thread_id, community_id=public_cop.pk, hidden=True
        )
    ]


@pytest.mark.parametrize("reason", ["", "   ", "\x00\n"])
def test_hide_post_requires_a_reason(reply, moderator, reason):
    with pytest.raises(ValidationError) as excinfo:
        services.hide_post(moderator=moderator, post=reply, reason=reason)
    assert "reason" in excinfo.value.message_dict
    reply.refresh_from_db()
    assert reply.hidden_at is None
    assert ModerationAction.objects.count() == 0


def test_hide_post_reason_is_at_most_500_characters(reply, moderator):
    services.hide_post(moderator=moderator, post=reply, reason="r" * 500)
    other = make_post(moderator, reply.thread)
    with pytest.raises(ValidationError):
        services.hide_post(moderator=moderator, post=other, reason="r" * 501)


def test_member_cannot_hide_post(reply, other_member):
    with pytest.raises(PermissionDenied):
        services.hide_post(moderator=other_member, post=reply, reason="Je n'aime pas")
    reply.refresh_from_db()
    assert reply.hidden_at is None


def test_outsider_gets_404_when_hiding_private_post(private_thread, outsider):
    with pytest.raises(Http404):
        services.hide_post(moderator=outsider, post=opening_post(private_thread), reason="x")


def test_hidden_post_cannot_be_hidden_again(reply, moderator):
    services.hide_post(moderator=moderator, post=reply, reason="Hors sujet")
    with pytest.raises(ValidationError):
        services.hide_post(moderator=moderator, post=reply, reason="Encore")
    assert ModerationAction.objects.count() == 1


def test_deleted_post_cannot_be_hidden(reply, member, moderator):
    services.delete_post(user=member, post=reply)
    with pytest.raises(ValidationError):
        services.hide_post(moderator=moderator, post=reply, reason="Hors sujet")


def test_restore_post_is_audit_logged(
    reply, member, moderator, public_cop, captured_events, django_capture_on_commit_callbacks
):
    services.hide_post(moderator=moderator, post=reply, reason="Hors sujet")
    with django_capture_on_commit_callbacks(execute=True):
        services.restore_post(moderator=moderator, post=reply, reason="Après relecture")
    reply.refresh_from_db()
    assert (reply.hidden_at, reply.hidden_by, reply.hidden_reason) == (None, None, "")
    assert log_kinds(public_cop) == [Kind.HIDE_POST, Kind.RESTORE_POST]
    action = ModerationAction.objects.get(kind=Kind.RESTORE_POST)
    assert (action.post, action.target_user, action.reason) == (reply, member, "Après relecture")
    assert captured_events == [
        events.PostModerated(
            post_id=reply.pk, thread_id=reply.thread_id, community_id=public_cop.pk, hidden=False
        )
    ]


def test_visible_post_cannot_be_restored(reply, moderator):
    with pytest.raises(ValidationError):
        services.restore_post(moderator=moderator, post=reply)
    assert ModerationAction.objects.count() == 0


def test_member_cannot_restore_post(reply, moderator, other_member):
    services.hide_post(moderator=moderator, post=reply, reason="Hors sujet")
    with pytest.raises(PermissionDenied):
        services.restore_post(moderator=other_member, post=reply)
    reply.refresh_from_db()
    assert reply.hidden_at is not None


# Pin, lock, rename, retag ------------------------------------------------------------------------


def test_pin_and_unpin_are_logged_once_each(
    thread, moderator, public_cop, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_thread_pinned(moderator=moderator, thread=thread, pinned=True)
        services.set_thread_pinned(moderator=moderator, thread=thread, pinned=True)  # no-op
    thread.refresh_from_db()
    assert thread.is_pinned
    services.set_thread_pinned(moderator=moderator, thread=thread, pinned=False)
    thread.refresh_from_db()
    assert not thread.is_pinned
    assert log_kinds(public_cop) == [Kind.PIN, Kind.UNPIN]
    assert captured_events == [
        events.ThreadModerated(thread_id=thread.pk, community_id=public_cop.pk, action="pin")
    ]


def test_pinned_threads_list_first(thread, public_cop, member, moderator):
    later = make_thread(member, public_cop, title="Plus récente")
    assert list(Thread.objects.filter(community=public_cop)) == [later, thread]
    services.set_thread_pinned(moderator=moderator, thread=thread, pinned=True)
    assert list(Thread.objects.filter(community=public_cop)) == [thread, later]


def test_member_cannot_pin(thread, member):
    with pytest.raises(PermissionDenied):
        services.set_thread_pinned(moderator=member, thread=thread, pinned=True)
    thread.refresh_from_db()
    assert not thread.is_pinned


def test_lock_and_unlock_are_logged_with_reason(thread, member, moderator, public_cop):
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True, reason="Clos")
    thread.refresh_from_db()
    assert thread.is_locked
    assert not perms.can_reply_to_thread(member, thread)
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True)  # no-op
    services.set_thread_locked(moderator=moderator, thread=thread, locked=False)
    thread.refresh_from_db()
    assert not thread.is_locked
    assert log_kinds(public_cop) == [Kind.LOCK, Kind.UNLOCK]
    assert ModerationAction.objects.get(kind=Kind.LOCK).reason == "Clos"
    assert make_post(member, thread).seq == 2  # unlocked: members reply again


def test_member_cannot_lock(thread, member):
    with pytest.raises(PermissionDenied):
        services.set_thread_locked(moderator=member, thread=thread, locked=True)
    thread.refresh_from_db()
    assert not thread.is_locked


def test_lock_emits_thread_moderated(
    thread, moderator, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_thread_locked(moderator=moderator, thread=thread, locked=True)
    assert captured_events == [
        events.ThreadModerated(thread_id=thread.pk, community_id=thread.community_id, action="lock")
    ]


def test_rename_cleans_title_and_logs_old_and_new(thread, moderator, public_cop):
    services.rename_thread(moderator=moderator, thread=thread, title="  Loi 052 :\n le bilan ")
    thread.refresh_from_db()
    assert thread.title == "Loi 052 : le bilan"
    action = ModerationAction.objects.get()
    assert action.kind == Kind.RENAME
    assert action.details == {"old": "Loi 052 : où en est-on ?", "new": "Loi 052 : le bilan"}
    services.rename_thread(moderator=moderator, thread=thread, title="Loi 052 : le bilan")
    assert log_kinds(public_cop) == [Kind.RENAME]  # same title: nothing logged


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_rename_validates_the_title(thread, moderator, title):
    with pytest.raises(ValidationError) as excinfo:
        services.rename_thread(moderator=moderator, thread=thread, title=title)
    assert "title" in excinfo.value.message_dict
    thread.refresh_from_db()
    assert thread.title == "Loi 052 : où en est-on ?"
    assert ModerationAction.objects.count() == 0


def test_member_cannot_rename(thread, member):
    with pytest.raises(PermissionDenied):
        services.rename_thread(moderator=member, thread=thread, title="Mon titre")


def test_retag_normalises_and_logs(thread, moderator, public_cop):
    services.retag_thread(moderator=moderator, thread=thread, tags="Ségou, #Foncier, loi 052")
    assert sorted(thread.tags.names()) == ["foncier", "loi 052", "ségou"]
    action = ModerationAction.objects.get()
    assert action.kind == Kind.RETAG
    assert action.details == {"old": "loi 052", "new": "foncier, loi 052, ségou"}
    assert Tag.objects.get(name="ségou").slug == "ségou"


def test_retag_is_case_insensitive(thread, moderator, public_cop):
    services.retag_thread(moderator=moderator, thread=thread, tags=["LOI 052", "Loi  052"])
    assert list(thread.tags.names()) == ["loi 052"]
    assert Tag.objects.count() == 1
    assert log_kinds(public_cop) == []  # nothing changed


def test_retag_with_nothing_clears_the_tags(thread, moderator):
    services.retag_thread(moderator=moderator, thread=thread, tags="")
    assert list(thread.tags.names()) == []
    assert ModerationAction.objects.get().details == {"old": "loi 052", "new": ""}


@pytest.mark.parametrize("tags", ["###", "ok, !!!", [f"t{i}" for i in range(9)]])
def test_retag_rejects_invalid_tags_and_keeps_the_old_ones(thread, moderator, tags):
    before = counts()
    with pytest.raises(ValidationError):
        services.retag_thread(moderator=moderator, thread=thread, tags=tags)
    assert list(thread.tags.names()) == ["loi 052"]
    assert counts() == before


def test_member_cannot_retag(thread, member):
    with pytest.raises(PermissionDenied):
        services.retag_thread(moderator=member, thread=thread, tags="spam")
    assert list(thread.tags.names()) == ["loi 052"]


# move_thread -------------------------------------------------------------------------------------


def test_move_thread_logs_in_both_communities(
    thread, moderator, public_cop, private_cop, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.move_thread(
            moderator=moderator, thread=thread, target=private_cop, reason="Données sensibles"
        )
    thread.refresh_from_db()
    assert thread.community == private_cop
    out = ModerationAction.objects.get(community=public_cop)
    into = ModerationAction.objects.get(community=private_cop)
    assert (out.kind, into.kind) == (Kind.MOVE_OUT, Kind.MOVE_IN)
    details = {
        "from": public_cop.name,
        "to": private_cop.name,
        "from_id": public_cop.pk,
        "to_id": private_cop.pk,
    }
    for action in (out, into):
        assert action.thread == thread
        assert action.actor == moderator
        assert action.reason == "Données sensibles"
        assert action.details == details
    assert captured_events == [
        events.ThreadModerated(
            thread_id=thread.pk,
            community_id=private_cop.pk,
            action="move_out",
            previous_community_id=public_cop.pk,
        )
    ]


def test_move_thread_to_the_same_community_is_rejected(thread, moderator, public_cop):
    with pytest.raises(ValidationError) as excinfo:
        services.move_thread(moderator=moderator, thread=thread, target=public_cop)
    assert "target" in excinfo.value.message_dict
    assert ModerationAction.objects.count() == 0


def test_move_thread_needs_moderation_rights_on_the_target(thread, moderator, third_cop):
    # ``moderator`` moderates the source only and is a plain member of the target.
    make_membership(moderator, third_cop)
    with pytest.raises(PermissionDenied):
        services.move_thread(moderator=moderator, thread=thread, target=third_cop)
    thread.refresh_from_db()
    assert thread.community.slug == "droits-fonciers"
    assert ModerationAction.objects.count() == 0


def test_move_thread_needs_moderation_rights_on_the_source(thread, member, third_cop):
    # ``member`` moderates the target only.
    with pytest.raises(PermissionDenied):
        services.move_thread(moderator=member, thread=thread, target=third_cop)
    thread.refresh_from_db()
    assert thread.community.slug == "droits-fonciers"


def test_move_thread_into_a_private_community_one_cannot_see_is_a_404(thread, member):
    hidden = make_community(visibility=Community.Visibility.PRIVATE)
    moderator_of_source = make_user()
    make_membership(moderator_of_source, thread.community, Membership.Role.MODERATOR)
    with pytest.raises(Http404):
        services.move_thread(moderator=moderator_of_source, thread=thread, target=hidden)
    thread.refresh_from_db()
    assert thread.community != hidden


def test_staff_can_move_threads_anywhere(thread, staff, third_cop):
    services.move_thread(moderator=staff, thread=thread, target=third_cop)
    thread.refresh_from_db()
    assert thread.community == third_cop


# request_to_join / decide_join_request -----------------------------------------------------------


def test_request_to_join_creates_a_pending_request(public_cop, outsider):
    join_request = services.request_to_join(
        user=outsider, community=public_cop, message="  Je travaille à Kayes.  "
    )
    assert join_request.status == JoinRequest.Status.PENDING
    assert join_request.message == "Je travaille à Kayes."
    assert join_request.user == outsider
    assert not Membership.objects.filter(user=outsider).exists()


def test_a_second_pending_request_is_rejected(public_cop, outsider):
    services.request_to_join(user=outsider, community=public_cop)
    with pytest.raises(ValidationError):
        services.request_to_join(user=outsider, community=public_cop)
    assert JoinRequest.objects.count() == 1


def test_a_refused_person_may_ask_again(public_cop, outsider, moderator):
    first = services.request_to_join(user=outsider, community=public_cop)
    services.decide_join_request(moderator=moderator, join_request=first, approve=False)
    second = services.request_to_join(user=outsider, community=public_cop)
    assert second.status == JoinRequest.Status.PENDING
    assert JoinRequest.objects.count() == 2


def test_request_message_drops_control_characters(public_cop, outsider):
    join_request = services.request_to_join(
        user=outsider, community=public_cop, message="Bonjour\x00 à\r\ntoutes\x07"
    )
    join_request.refresh_from_db()
    assert join_request.message == "Bonjour à\ntoutes"


def test_request_message_is_at_most_1000_characters(public_cop, outsider):
    with pytest.raises(ValidationError):
        services.request_to_join(user=outsider, community=public_cop, message="m" * 1001)
    assert JoinRequest.objects.count() == 0


def test_member_cannot_request_to_join(public_cop, member):
    with pytest.raises(PermissionDenied):
        services.request_to_join(user=member, community=public_cop)


def test_anonymous_cannot_request_to_join(public_cop, anonymous):
    with pytest.raises(PermissionDenied):
        services.request_to_join(user=anonymous, community=public_cop)


def test_outsider_gets_404_when_requesting_to_join_private_community(private_cop, outsider):
    with pytest.raises(Http404):
        services.request_to_join(user=outsider, community=private_cop)
    assert JoinRequest.objects.count() == 0


def test_approving_a_request_creates_the_membership(
    public_cop, outsider, moderator, captured_events, django_capture_on_commit_callbacks
):
    join_request = services.request_to_join(user=outsider, community=public_cop)
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.decide_join_request(
            moderator=moderator, join_request=join_request, approve=True
        )
    assert decided.status == JoinRequest.Status.APPROVED
    assert decided.decided_by == moderator
    assert decided.decided_at is not None
    membership = Membership.objects.get(user=outsider, community=public_cop)
    assert membership.role == Membership.Role.MEMBER
    assert perms.can_post_in_community(fresh(outsider), public_cop)
    action = ModerationAction.objects.get()
    assert (action.kind, action.target_user) == (Kind.APPROVE_MEMBER, outsider)
    # The applicant is told (her bell rings), then her sockets learn the new role.
    assert captured_events == [
        events.NotificationsChanged(user_ids=(outsider.pk,)),
        events.MembershipChanged(community_id=public_cop.pk, user_id=outsider.pk, role="member"),
    ]


def test_refusing_a_request_creates_no_membership(
    public_cop, outsider, moderator, captured_events, django_capture_on_commit_callbacks
):
    join_request = services.request_to_join(user=outsider, community=public_cop)
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.decide_join_request(
            moderator=moderator, join_request=join_request, approve=False
        )
    assert decided.status == JoinRequest.Status.REFUSED
    assert not Membership.objects.filter(user=outsider).exists()
    assert log_kinds(public_cop) == [Kind.REFUSE_MEMBER]
    assert captured_events == []


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("second", [True, False])
def test_a_request_cannot_be_decided_twice(public_cop, outsider, moderator, first, second):
    join_request = services.request_to_join(user=outsider, community=public_cop)
    services.decide_join_request(moderator=moderator, join_request=join_request, approve=first)
    with pytest.raises(ValidationError):
        services.decide_join_request(moderator=moderator, join_request=join_request, approve=second)
    join_request.refresh_from_db()
    expected = JoinRequest.Status.APPROVED if first else JoinRequest.Status.REFUSED
    assert join_request.status == expected
    assert Membership.objects.filter(user=outsider).exists() is first
    assert ModerationAction.objects.count() == 1


def test_member_cannot_decide_a_request(public_cop, outsider, member):
    join_request = services.request_to_join(user=outsider, community=public_cop)
    with pytest.raises(PermissionDenied):
        services.decide_join_request(moderator=member, join_request=join_request, approve=True)
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert not Membership.objects.filter(user=outsider).exists()


# leave_community / change_member_role / remove_member --------------------------------------------


def test_leave_community(
    public_cop, private_cop, member, captured_events, django_capture_on_commit_callbacks
):
    assert perms.can_post_in_community(member, public_cop)  # primes the membership cache
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_community(user=member, community=public_cop)
    assert not Membership.objects.filter(user=member, community=public_cop).exists()
    assert Membership.objects.filter(user=member).count() == 1  # still in the private CoP
    assert not perms.can_post_in_community(member, public_cop)  # cache forgotten
    assert captured_events == [
        events.MembershipChanged(community_id=public_cop.pk, user_id=member.pk, role=None)
    ]


def test_non_member_cannot_leave(public_cop, outsider):
    with pytest.raises(PermissionDenied):
        services.leave_community(user=outsider, community=public_cop)


def test_promote_member_to_moderator(
    public_cop, member, moderator, captured_events, django_capture_on_commit_callbacks
):
    membership = Membership.objects.get(user=member, community=public_cop)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_member_role(
            moderator=moderator, membership=membership, role=Membership.Role.MODERATOR
        )
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MODERATOR
    action = ModerationAction.objects.get()
    assert action.kind == Kind.CHANGE_ROLE
    assert action.target_user == member
    assert action.details["changes"] == [
        {"field": "rôle", "old": "membre", "new": "modératrice ou modérateur"}
    ]
    assert captured_events == [
        events.MembershipChanged(community_id=public_cop.pk, user_id=member.pk, role="moderator")
    ]


def test_unchanged_role_is_not_logged(public_cop, member, moderator):
    membership = Membership.objects.get(user=member, community=public_cop)
    services.change_member_role(moderator=moderator, membership=membership, role="member")
    assert ModerationAction.objects.count() == 0


def test_last_moderator_cannot_leave(public_cop, moderator):
    with pytest.raises(ValidationError):
        services.leave_community(user=moderator, community=public_cop)
    assert Membership.objects.filter(user=moderator, community=public_cop).exists()


def test_moderator_can_leave_when_another_moderates(public_cop, moderator, member):
    Membership.objects.filter(user=member, community=public_cop).update(role="moderator")
    services.leave_community(user=moderator, community=public_cop)
    assert not Membership.objects.filter(user=moderator, community=public_cop).exists()


def test_last_moderator_cannot_be_demoted(public_cop, moderator, staff):
    membership = Membership.objects.get(user=moderator, community=public_cop)
    for actor in (moderator, staff):
        with pytest.raises(ValidationError):
            services.change_member_role(moderator=actor, membership=membership, role="member")
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MODERATOR
    assert ModerationAction.objects.count() == 0


def test_a_moderator_can_step_down_when_another_remains(public_cop, member, moderator):
    services.change_member_role(
        moderator=moderator,
        membership=Membership.objects.get(user=member, community=public_cop),
        role=Membership.Role.MODERATOR,
    )
    own = Membership.objects.get(user=moderator, community=public_cop)
    services.change_member_role(moderator=moderator, membership=own, role="member")
    own.refresh_from_db()
    assert own.role == Membership.Role.MEMBER


def test_unknown_role_is_rejected(public_cop, member, moderator):
    membership = Membership.objects.get(user=member, community=public_cop)
    with pytest.raises(ValidationError) as excinfo:
        services.change_member_role(moderator=moderator, membership=membership, role="admin")
    assert "role" in excinfo.value.message_dict
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER


def test_member_cannot_change_roles(public_cop, member, other_member):
    membership = Membership.objects.get(user=other_member, community=public_cop)
    with pytest.raises(PermissionDenied):
        services.change_member_role(moderator=member, membership=membership, role="moderator")
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER


def test_remove_member_is_logged(
    public_cop, member, moderator, captured_events, django_capture_on_commit_callbacks
):
    membership = Membership.objects.get(user=member, community=public_cop)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_member(moderator=moderator, membership=membership, reason="Spam")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    action = ModerationAction.objects.get()
    assert (action.kind, action.target_user, action.reason) == (Kind.REMOVE_MEMBER, member, "Spam")
    assert action.details["changes"] == [
        {"field": "rôle", "old": "membre", "new": None},
        {"field": "exclusion", "old": "aucune", "new": "jusqu'à levée"},
    ]
    # She is told (her bell rings), then her sockets lose the CoP.
    assert captured_events == [
        events.NotificationsChanged(user_ids=(member.pk,)),
        events.MembershipChanged(community_id=public_cop.pk, user_id=member.pk, role=None),
    ]


def test_moderator_cannot_remove_themself(public_cop, moderator):
    membership = Membership.objects.get(user=moderator, community=public_cop)
    with pytest.raises(ValidationError):
        services.remove_member(moderator=moderator, membership=membership)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_only_staff_removes_a_moderator(public_cop, member, moderator, staff):
    services.change_member_role(
        moderator=moderator,
        membership=Membership.objects.get(user=member, community=public_cop),
        role=Membership.Role.MODERATOR,
    )
    target = Membership.objects.get(user=moderator, community=public_cop)
    with pytest.raises(PermissionDenied):
        services.remove_member(moderator=fresh(member), membership=target)
    assert Membership.objects.filter(pk=target.pk).exists()
    services.remove_member(moderator=staff, membership=target)
    assert not Membership.objects.filter(pk=target.pk).exists()


def test_member_cannot_remove_members(public_cop, member, other_member):
    membership = Membership.objects.get(user=other_member, community=public_cop)
    with pytest.raises(PermissionDenied):
        services.remove_member(moderator=member, membership=membership)
    assert Membership.objects.filter(pk=membership.pk).exists()


# Invitations -------------------------------------------------------------------------------------


def test_create_invitation_is_logged(private_cop, moderator):
    before = timezone.now()
    invitation = services.create_invitation(
        moderator=moderator, community=private_cop, days=7, max_uses=3
    )
    assert invitation.community == private_cop
    assert invitation.created_by == moderator
    assert invitation.max_uses == 3
    assert invitation.use_count == 0
    assert before + timedelta(days=7) <= invitation.expires_at <= timezone.now() + timedelta(7)
    assert len(invitation.token) >= 32
    action = ModerationAction.objects.get()
    assert action.kind == Kind.CREATE_INVITATION
    assert action.details["changes"] == [
        {"field": "durée du lien (jours)", "old": None, "new": 7},
        {"field": "utilisations au plus", "old": None, "new": 3},
    ]


@pytest.mark.parametrize(("days", "max_uses"), [(0, 5), (91, 5), (14, 0), (14, 501)])
def test_create_invitation_validates_limits(private_cop, moderator, days, max_uses):
    with pytest.raises(ValidationError):
        services.create_invitation(
            moderator=moderator, community=private_cop, days=days, max_uses=max_uses
        )
    assert Invitation.objects.count() == 0


def test_member_cannot_create_invitation(private_cop, member):
    with pytest.raises(PermissionDenied):
        services.create_invitation(moderator=member, community=private_cop)


def test_outsider_gets_404_when_creating_invitation_to_private_community(private_cop, outsider):
    with pytest.raises(Http404):
        services.create_invitation(moderator=outsider, community=private_cop)


@pytest.fixture
def invitation(private_cop, moderator):
    return services.create_invitation(moderator=moderator, community=private_cop, max_uses=2)


def test_accept_invitation_joins_a_private_community(
    invitation, outsider, private_cop, captured_events, django_capture_on_commit_callbacks
):
    assert not perms.can_view_community(outsider, private_cop)  # primes the cache
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.accept_invitation(user=outsider, token=invitation.token)
    assert membership.community == private_cop
    assert membership.role == Membership.Role.MEMBER
    assert perms.can_view_community(outsider, private_cop)
    invitation.refresh_from_db()
    assert invitation.use_count == 1
    assert captured_events == [
        events.MembershipChanged(community_id=private_cop.pk, user_id=outsider.pk, role="member")
    ]


def test_accepting_twice_does_not_double_count(invitation, outsider):
    first = services.accept_invitation(user=outsider, token=invitation.token)
    second = services.accept_invitation(user=fresh(outsider), token=invitation.token)
    assert first.pk == second.pk
    assert Membership.objects.filter(user=outsider).count() == 1
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_members_accepting_an_invitation_do_not_use_it_up(invitation, member):
    membership = services.accept_invitation(user=member, token=invitation.token)
    assert membership.role == Membership.Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_used_up_invitation_is_a_404(invitation, outsider):
    services.accept_invitation(user=outsider, token=invitation.token)
    services.accept_invitation(user=make_user(), token=invitation.token)
    late = make_user()
    with pytest.raises(Http404):
        services.accept_invitation(user=late, token=invitation.token)
    assert not Membership.objects.filter(user=late).exists()
    invitation.refresh_from_db()
    assert invitation.use_count == 2


def test_expired_invitation_is_a_404(invitation, outsider):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(Http404):
        services.accept_invitation(user=outsider, token=invitation.token)
    assert not Membership.objects.filter(user=outsider).exists()


def test_revoked_invitation_is_a_404(invitation, moderator, outsider, private_cop):
    services.revoke_invitation(moderator=moderator, invitation=invitation)
    services.revoke_invitation(moderator=moderator, invitation=invitation)  # no-op
    invitation.refresh_from_db()
    assert invitation.revoked
    assert log_kinds(private_cop) == [Kind.CREATE_INVITATION, Kind.REVOKE_INVITATION]
    with pytest.raises(Http404):
        services.accept_invitation(user=outsider, token=invitation.token)
    assert not Membership.objects.filter(user=outsider).exists()


@pytest.mark.parametrize("token", ["", "inconnu", "x" * 500, "a\x00b"])
def test_unknown_invitation_token_is_a_404(invitation, outsider, token):
    with pytest.raises(Http404):
        services.accept_invitation(user=outsider, token=token)


def test_member_cannot_revoke_invitation(invitation, member):
    with pytest.raises(PermissionDenied):
        services.revoke_invitation(moderator=member, invitation=invitation)
    invitation.refresh_from_db()
    assert not invitation.revoked


def test_accepting_an_invitation_settles_a_pending_join_request(public_cop, moderator, outsider):
    join_request = services.request_to_join(user=outsider, community=public_cop)
    invitation = services.create_invitation(moderator=moderator, community=public_cop)
    services.accept_invitation(user=fresh(outsider), token=invitation.token)
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    assert join_request.decided_at is not None


def test_find_invitation_returns_usable_invitation(invitation):
    assert services.find_invitation(invitation.token) == invitation


# render_description ------------------------------------------------------------------------------


def test_render_description_is_sanitised_markdown():
    assert services.render_description("") == ""
    assert services.render_description("  \n ") == ""
    assert services.render_description("# Mission\n\n<script>x</script>") == (
        "<h3>Mission</h3>\n<p>&lt;script&gt;x&lt;/script&gt;</p>"
    )
