"""
Follows of threads and CoPs and their levels (forum/services/follows.py).

Levels: "tout" (every new post of a thread, every new thread of a CoP),
"réponses et mentions" (only what is addressed to her), "en sourdine"
(nothing at all, not even a reply to her or a mention of her). A thread's own
level wins over its CoP's. Posting follows a thread at "tout", being mentioned
at "réponses et mentions", never over a level she chose. Who may not see the
thread at the time is told nothing; the author never hears of her own post;
one notification a post a person; writes are batched.
"""

import io
import json
import zipfile

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import services
from forum.models import (
    Community,
    CommunityFollow,
    FollowLevel,
    Membership,
    Notification,
    ThreadFollow,
    User,
)

from ..factories import (
    PASSWORD,
    make_membership,
    make_post,
    make_thread,
    make_user,
    opening_post,
)

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
ALL, REPLIES, MUTED = FollowLevel.ALL, FollowLevel.REPLIES, FollowLevel.MUTED
MENTION_OF_READER = "Qu'en pense @[Kadiatou Sidibé] ?"


@pytest.fixture
def reader(public_cop, private_cop):
    """A member of both CoPs whose notifications the tests read."""
    user = make_user(username="kadiatou", display_name="Kadiatou Sidibé")
    make_membership(user, public_cop)
    make_membership(user, private_cop)
    return user


def told(user: User) -> list[tuple[str, int | None]]:
    return [
        (kind, post_id)
        for kind, post_id in Notification.objects.filter(recipient=user)
        .order_by("pk")
        .values_list("kind", "post_id")
    ]


def thread_level(user: User, thread) -> str | None:
    return (
        ThreadFollow.objects.filter(user=user, thread=thread)
        .values_list("level", flat=True)
        .first()
    )


def html(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Levels of a thread × what happens in it -----------------------------------------------------


def _event(event: str, thread, reader, moderator):
    """Have the moderator write in ``thread``: a plain post, a reply to the reader, a mention."""
    if event == "post":
        return make_post(moderator, thread, body="Un nouveau message pour toutes.")
    if event == "reply":
        mine = reader.posts_for_test
        return make_post(moderator, thread, parent=mine, body="Je vous réponds.")
    return make_post(moderator, thread, body=MENTION_OF_READER)


@pytest.mark.parametrize(
    ("level", "event", "expected"),
    [
        (ALL, "post", Kind.FOLLOWED),
        (ALL, "reply", Kind.REPLY),
        (ALL, "mention", Kind.MENTION),
        (REPLIES, "post", None),
        (REPLIES, "reply", Kind.REPLY),
        (REPLIES, "mention", Kind.MENTION),
        (MUTED, "post", None),
        (MUTED, "reply", None),  # muting is against harassment: not even a reply to her
        (MUTED, "mention", None),  # nor a mention of her
        (None, "post", None),
        (None, "reply", Kind.REPLY),
        (None, "mention", Kind.MENTION),
    ],
)
def test_each_thread_level_decides_what_each_post_tells(
    level, event, expected, thread, reader, moderator
):
    reader.posts_for_test = make_post(reader, thread, body="Mon expérience à Kati.")
    if level is None:
        services.unfollow_thread(user=reader, thread=thread)
    else:
        services.set_thread_follow(user=reader, thread=thread, level=level)
    Notification.objects.all().delete()

    post = _event(event, thread, reader, moderator)

    assert told(reader) == ([(expected, post.pk)] if expected else [])


@pytest.mark.parametrize(
    ("level", "event", "expected"),
    [
        (ALL, "thread", Kind.NEW_THREAD),
        (ALL, "post", None),  # a CoP at "tout" tells of new threads, not of every post
        (ALL, "reply", Kind.REPLY),
        (ALL, "mention", Kind.MENTION),
        (REPLIES, "thread", None),
        (REPLIES, "post", None),
        (REPLIES, "reply", Kind.REPLY),
        (REPLIES, "mention", Kind.MENTION),
        (MUTED, "thread", None),
        (MUTED, "post", None),
        (MUTED, "reply", None),
        (MUTED, "mention", None),
        (None, "thread", None),
        (None, "reply", Kind.REPLY),
    ],
)
def test_each_community_level_decides_what_each_event_tells(
    level, event, expected, thread, public_cop, reader, moderator
):
    reader.posts_for_test = make_post(reader, thread, body="Mon expérience à Kati.")
    services.unfollow_thread(user=reader, thread=thread)  # the CoP's level alone
    if level is not None:
        services.follow_community(user=reader, community=public_cop, level=level)
    Notification.objects.all().delete()

    if event == "thread":
        post = opening_post(make_thread(moderator, public_cop, title="Nouvelle campagne"))
    else:
        post = _event(event, thread, reader, moderator)

    assert told(reader) == ([(expected, post.pk)] if expected else [])


def test_a_mention_in_a_new_thread_of_a_muted_community_tells_nothing(
    public_cop, reader, moderator
):
    services.follow_community(user=reader, community=public_cop, level=MUTED)

    make_thread(moderator, public_cop, title="Atelier", body=MENTION_OF_READER)

    assert told(reader) == []
    assert not ThreadFollow.objects.filter(user=reader).exists()


def test_a_follower_mentioned_in_a_new_thread_is_told_once(public_cop, reader, moderator):
    services.follow_community(user=reader, community=public_cop, level=ALL)

    thread = make_thread(moderator, public_cop, title="Atelier", body=MENTION_OF_READER)

    assert told(reader) == [(Kind.MENTION, opening_post(thread).pk)]


def test_a_thread_level_wins_over_a_muted_community(thread, public_cop, reader, moderator):
    services.follow_community(user=reader, community=public_cop, level=MUTED)
    services.set_thread_follow(user=reader, thread=thread, level=ALL)

    post = make_post(moderator, thread)

    assert told(reader) == [(Kind.FOLLOWED, post.pk)]


def test_a_reply_that_mentions_its_parent_author_is_one_reply(thread, member, reader):
    mine = make_post(member, thread)
    Notification.objects.all().delete()

    answer = make_post(reader, thread, parent=mine, body="@[Awa Traoré] : tout à fait.")

    assert told(member) == [(Kind.REPLY, answer.pk)]


def test_the_author_is_never_told_of_her_own_post(thread, member):
    services.set_thread_follow(user=member, thread=thread, level=ALL)
    Notification.objects.all().delete()

    make_post(member, thread, body="Je me cite : @[Awa Traoré].")

    assert told(member) == []


def test_an_edit_that_adds_a_mention_tells_no_one_twice_about_a_post(thread, reader, moderator):
    services.set_thread_follow(user=reader, thread=thread, level=ALL)
    post = make_post(moderator, thread, body="Premier jet.")

    services.edit_post(editor=moderator, post=post, body=MENTION_OF_READER)

    assert told(reader) == [(Kind.FOLLOWED, post.pk)]


def test_an_edit_that_adds_a_mention_in_a_muted_thread_tells_nothing(thread, reader, moderator):
    services.set_thread_follow(user=reader, thread=thread, level=MUTED)
    post = make_post(moderator, thread, body="Premier jet.")

    services.edit_post(editor=moderator, post=post, body=MENTION_OF_READER)

    assert told(reader) == []


# Automatic follows ----------------------------------------------------------------------------


def test_starting_a_thread_or_posting_follows_it_at_everything(public_cop, member, reader):
    thread = make_thread(member, public_cop, title="Ma question")
    make_post(reader, thread)

    follows = ThreadFollow.objects.filter(thread=thread)
    assert {(f.user_id, f.level, f.chosen) for f in follows} == {
        (member.pk, ALL, False),
        (reader.pk, ALL, False),
    }


def test_being_mentioned_follows_at_replies_and_posting_then_raises_it(thread, reader, moderator):
    make_post(moderator, thread, body=MENTION_OF_READER)
    assert thread_level(reader, thread) == REPLIES

    make_post(reader, thread)

    assert thread_level(reader, thread) == ALL


def test_being_mentioned_keeps_an_existing_follow(thread, reader, moderator):
    make_post(reader, thread)

    make_post(moderator, thread, body=MENTION_OF_READER)

    assert thread_level(reader, thread) == ALL


@pytest.mark.parametrize("chosen", [REPLIES, MUTED])
def test_posting_or_being_mentioned_never_changes_a_chosen_level(chosen, thread, reader, moderator):
    services.set_thread_follow(user=reader, thread=thread, level=chosen)

    make_post(reader, thread)
    make_post(moderator, thread, body=MENTION_OF_READER)

    assert thread_level(reader, thread) == chosen
    assert ThreadFollow.objects.get(user=reader, thread=thread).chosen


def test_posting_in_a_muted_community_follows_nothing(thread, public_cop, reader, moderator):
    services.follow_community(user=reader, community=public_cop, level=MUTED)

    mine = make_post(reader, thread)
    make_post(moderator, thread, parent=mine, body=MENTION_OF_READER)

    assert thread_level(reader, thread) is None
    assert told(reader) == []


def test_a_post_waiting_for_validation_follows_and_tells_at_approval(
    public_cop, thread, reader, moderator
):
    Community.objects.filter(pk=public_cop.pk).update(premoderation_posts=5)
    newcomer = make_user(display_name="Nouvelle Venue")
    make_membership(newcomer, public_cop)
    services.set_thread_follow(user=reader, thread=thread, level=ALL)

    waiting = make_post(newcomer, thread)
    assert told(reader) == [] and thread_level(newcomer, thread) is None

    services.approve_post(moderator=moderator, post=waiting)
    assert told(reader) == [(Kind.FOLLOWED, waiting.pk)]
    assert thread_level(newcomer, thread) == ALL


# Who may see it, at the time -------------------------------------------------------------------


def test_leaving_a_private_community_drops_its_follows(private_cop, private_thread, reader):
    make_post(reader, private_thread)
    services.follow_community(user=reader, community=private_cop, level=ALL)

    services.leave_community(user=reader, community=private_cop)

    assert not ThreadFollow.objects.filter(user=reader).exists()
    assert not CommunityFollow.objects.filter(user=reader).exists()


def test_a_removed_member_loses_her_follows_of_a_private_community(
    private_cop, private_thread, reader, moderator
):
    make_post(reader, private_thread)
    services.follow_community(user=reader, community=private_cop, level=ALL)

    membership = Membership.objects.get(user=reader, community=private_cop)
    services.remove_member(moderator=moderator, membership=membership, reason="Hors charte")

    assert not ThreadFollow.objects.filter(user=reader).exists()
    assert not CommunityFollow.objects.filter(user=reader).exists()


def test_leaving_a_public_community_keeps_its_follows(public_cop, thread, reader, moderator):
    make_post(reader, thread)

    services.leave_community(user=reader, community=public_cop)
    post = make_post(moderator, thread)

    assert thread_level(reader, thread) == ALL  # anyone may read and follow a public CoP
    assert told(reader)[-1] == (Kind.FOLLOWED, post.pk)


def test_a_follow_left_behind_in_a_private_community_tells_nothing(
    private_cop, private_thread, reader, member
):
    make_post(reader, private_thread)
    Membership.objects.filter(user=reader, community=private_cop).delete()
    Notification.objects.all().delete()

    make_post(member, private_thread, body=MENTION_OF_READER)
    make_thread(member, private_cop, title="Encore un cas")

    assert thread_level(reader, private_thread) == ALL
    assert told(reader) == []


def test_a_member_banned_from_a_private_community_keeps_her_follows_and_hears_nothing(
    private_cop, private_thread, reader, member, moderator
):
    make_post(reader, private_thread)
    services.sanction_member(
        moderator=moderator, community=private_cop, user=reader, kind="ban", duration="1d"
    )
    Notification.objects.filter(recipient=reader).delete()

    make_post(member, private_thread, body=MENTION_OF_READER)

    assert thread_level(reader, private_thread) == ALL  # a ban ends: her choices wait for her
    assert told(reader) == []


def test_a_thread_moved_into_a_private_community_keeps_its_follows_and_tells_only_who_sees_it(
    thread, private_cop, reader, outsider, moderator, client_for
):
    services.set_thread_follow(user=outsider, thread=thread, level=ALL)
    services.set_thread_follow(user=reader, thread=thread, level=ALL)
    services.move_thread(moderator=moderator, thread=thread, target=private_cop)

    post = make_post(moderator, thread)

    assert thread_level(outsider, thread) == ALL  # follows stay with the thread
    assert told(outsider) == []
    assert told(reader) == [(Kind.FOLLOWED, post.pk)]
    page = html(client_for(outsider).get(reverse("follows")))
    assert thread.title not in page


def test_an_outsider_cannot_follow_a_private_thread(private_thread, outsider):
    with pytest.raises(Http404):
        services.set_thread_follow(user=outsider, thread=private_thread, level=ALL)
    assert not ThreadFollow.objects.filter(user=outsider).exists()


def test_a_merge_carries_the_follows_to_the_remaining_thread(public_cop, reader, moderator, member):
    source = make_thread(member, public_cop, title="Doublon")
    target = make_thread(moderator, public_cop, title="Sujet principal")
    services.set_thread_follow(user=reader, thread=source, level=MUTED)

    services.merge_threads(moderator=moderator, source=source, target=target)

    assert thread_level(reader, target) == MUTED
    assert thread_level(member, target) == ALL


# Batching -------------------------------------------------------------------------------------


def _queries_for_a_post(thread, author, followers: int) -> int:
    community = thread.community
    users = User.objects.bulk_create(
        User(username=f"t{thread.pk}-{n}", display_name=f"Suiveuse {thread.pk}-{n}", email="")
        for n in range(followers)
    )
    users = list(User.objects.filter(username__startswith=f"t{thread.pk}-"))
    Membership.objects.bulk_create(Membership(user=u, community=community) for u in users)
    ThreadFollow.objects.bulk_create(ThreadFollow(user=u, thread=thread, level=ALL) for u in users)
    with CaptureQueriesContext(connection) as queries:
        make_post(author, thread)
    return len(queries)


def test_a_post_costs_the_same_queries_for_5_or_500_followers(public_cop, member, moderator):
    small = make_thread(member, public_cop, title="Petite discussion")
    big = make_thread(member, public_cop, title="Grande discussion")
    make_post(moderator, small)
    make_post(moderator, big)  # the author follows already: the same writes in both

    few = _queries_for_a_post(small, moderator, 5)
    many = _queries_for_a_post(big, moderator, 500)

    assert many == few
    assert Notification.objects.filter(post__thread=big, kind=Kind.FOLLOWED).count() >= 500


# The doors ------------------------------------------------------------------------------------


def test_the_thread_form_sets_each_level_and_unfollows(thread, reader, client_for):
    client = client_for(reader)
    url = reverse("thread_follow", args=[thread.pk])

    response = client.post(url, {"level": "replies"}, follow=True)
    assert response.redirect_chain == [(thread.get_absolute_url(), 302)]
    assert flashed(response) == [
        "Pour cette discussion, seules les réponses à vos messages et les mentions vous seront "
        "signalées."
    ]
    follow = ThreadFollow.objects.get(user=reader, thread=thread)
    assert (follow.level, follow.chosen) == (REPLIES, True)
    assert 'value="replies" aria-pressed="true"' in html(response)

    client.post(url, {"level": "muted"}, follow=True)
    assert thread_level(reader, thread) == MUTED

    response = client.post(url, {"level": "none"}, follow=True)
    assert flashed(response) == ["Vous ne suivez plus cette discussion."]
    assert thread_level(reader, thread) is None


@pytest.mark.parametrize("data", [{}, {"level": "everything"}, {"level": "x" * 5000}])
def test_a_bad_level_is_a_400_with_a_message_and_changes_nothing(data, thread, reader, browser):
    for url in (
        reverse("thread_follow", args=[thread.pk]),
        reverse("community_follow", args=[thread.community.slug]),
    ):
        if not data and "communautes" in url:
            continue  # no level on the CoP form: "tout", as its old button did
        response = browser(reader).post(url, data)
        assert response.status_code == 400
        assert "Niveau de suivi inconnu" in html(response)
    assert not ThreadFollow.objects.filter(user=reader).exists()
    assert not CommunityFollow.objects.filter(user=reader).exists()


def test_the_follow_forms_need_a_csrf_token_a_login_and_a_post(thread, reader, client_for):
    url = reverse("thread_follow", args=[thread.pk])
    no_token = Client(enforce_csrf_checks=True, raise_request_exception=False)
    no_token.force_login(reader)

    assert no_token.post(url, {"level": "all"}).status_code == 403
    assert client_for(None).post(url, {"level": "all"}).status_code == 302
    assert client_for(reader).get(url).status_code == 405
    assert not ThreadFollow.objects.filter(user=reader).exists()


def test_the_thread_form_of_a_private_thread_is_a_404_for_an_outsider(
    private_thread, outsider, client_for
):
    response = client_for(outsider).post(
        reverse("thread_follow", args=[private_thread.pk]), {"level": "all"}
    )
    assert response.status_code == 404
    assert private_thread.title not in html(response)


def test_the_forms_go_back_to_a_safe_next_only(thread, reader, client_for):
    url = reverse("thread_follow", args=[thread.pk])
    here = reverse("follows")

    back = client_for(reader).post(url, {"level": "all", "next": here})
    away = client_for(reader).post(url, {"level": "all", "next": "https://example.com/"})

    assert back["Location"] == here
    assert away["Location"] == thread.get_absolute_url()


def test_the_community_form_sets_a_level(public_cop, reader, client_for):
    url = reverse("community_follow", args=[public_cop.slug])

    response = client_for(reader).post(url, {"level": "muted"}, follow=True)

    assert flashed(response) == [
        "Communauté en sourdine : plus rien ne vous sera signalé à son sujet."
    ]
    assert CommunityFollow.objects.get(user=reader, community=public_cop).level == MUTED
    assert 'value="muted" aria-pressed="true"' in html(response)


def test_the_thread_page_says_when_its_community_is_muted(thread, public_cop, reader, client_for):
    services.follow_community(user=reader, community=public_cop, level=MUTED)

    page = html(client_for(reader).get(thread.get_absolute_url()))

    assert "Suivre la discussion" in page
    assert "en sourdine par la communauté" in page


def test_my_follows_lists_what_i_follow_and_may_see_with_its_level(
    thread, public_cop, private_cop, private_thread, reader, client_for
):
    services.set_thread_follow(user=reader, thread=thread, level=REPLIES)
    services.set_thread_follow(user=reader, thread=private_thread, level=ALL)
    services.follow_community(user=reader, community=public_cop, level=MUTED)
    Membership.objects.filter(user=reader, community=private_cop).delete()  # a row left behind

    response = client_for(reader).get(reverse("follows"))

    page = html(response)
    assert response.status_code == 200
    assert thread.title in page and "réponses et mentions" in page
    assert public_cop.name in page and "en sourdine" in page
    assert private_thread.title not in page
    assert reverse("thread_follow", args=[thread.pk]) in page
    assert f'name="next" value="{reverse("follows")}"' in page


def test_my_follows_needs_a_login(client_for):
    response = client_for(None).get(reverse("follows"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# My data ---------------------------------------------------------------------------------------


def test_my_data_holds_my_follows_and_deletion_removes_them(
    thread, public_cop, private_cop, private_thread, reader, client_for
):
    services.set_thread_follow(user=reader, thread=thread, level=MUTED)
    make_post(reader, private_thread)
    services.follow_community(user=reader, community=public_cop, level=ALL)
    Membership.objects.filter(user=reader, community=private_cop).delete()

    response = client_for(reader).post(reverse("my_data_download"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))["follows"]

    assert {(t["title"], t["level"], t["chosen_by_me"]) for t in data["threads"]} == {
        (thread.title, "muted", True),
        (None, "all", False),  # a thread she may no longer see: no title
    }
    assert [(c["community"], c["level"]) for c in data["communities"]] == [(public_cop.name, "all")]

    services.delete_account(user=reader, password=PASSWORD)
    assert not ThreadFollow.objects.filter(user=reader).exists()
    assert not CommunityFollow.objects.filter(user=reader).exists()
