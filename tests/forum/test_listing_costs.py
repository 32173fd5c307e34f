"""
Listings cost the same whatever the number of CoPs, members and threads they cover.

Each test builds a small site, counts the queries of a listing, grows the site
tenfold and counts again (tests/forum/test_views_queries.py pins the numbers
themselves). The counts the listings show are checked against the truth
recomputed from the rows.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import home, selectors
from forum.models import Community, Membership, Thread
from forum.unread import list_new_threads

from ..factories import make_community, make_membership, make_post, make_thread, make_user

pytestmark = pytest.mark.django_db


def cost(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries.captured_queries)


def premoderated(community: Community) -> None:
    """New members of ``community`` have their first thread wait for validation."""
    community.premoderation_posts = 1
    community.save(update_fields=["premoderation_posts"])


def grow_site(count: int, member, moderator) -> list[Community]:
    """Add ``count`` CoPs (one in three private), each with members, threads and a pending one."""
    made = []
    for number in range(count):
        visibility = (
            Community.Visibility.PRIVATE if number % 3 == 2 else Community.Visibility.PUBLIC
        )
        community = make_community(visibility=visibility)
        make_membership(moderator, community, Membership.Role.MODERATOR)
        if number % 2 == 0:
            make_membership(member, community)
        people = [make_user() for _ in range(1 + number % 3)]
        for person in people:
            make_membership(person, community)
        for index, person in enumerate(people):
            make_thread(person, community, title=f"Discussion {number}-{index}", tags=["plaidoyer"])
        newcomer = make_user()
        make_membership(newcomer, community)
        premoderated(community)
        make_thread(newcomer, community, title=f"En attente {number}", tags=["plaidoyer"])
        made.append(community)
    return made


def truth(community: Community) -> tuple[int, int]:
    """Published threads and members of ``community``, counted row by row."""
    threads = sum(1 for t in Thread.objects.filter(community=community) if not t.is_pending)
    members = len(list(Membership.objects.filter(community=community)))
    return threads, members


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_home_costs_the_same_for_3_and_30_cops(who, member, moderator, client_for, request):
    viewer = request.getfixturevalue(who) if who != "anonymous" else None
    client = client_for(viewer)
    grow_site(3, member, moderator)
    small = cost(client, reverse("home"))

    grow_site(27, member, moderator)

    assert cost(client, reverse("home")) == small


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_the_cop_list_counts_published_threads_and_every_member(who, member, moderator, request):
    viewer = request.getfixturevalue(who) if who != "anonymous" else None
    grow_site(6, member, moderator)

    listed = list(selectors.list_communities(viewer))

    assert listed
    for community in listed:
        assert (community.thread_count, community.member_count) == truth(community)
    # Private means private: the list holds exactly the CoPs the viewer may see.
    expected = Community.objects.filter(selectors.visible_communities_q(viewer))
    assert {c.pk for c in listed} == set(expected.values_list("pk", flat=True))


def test_cop_counts_follow_every_kind_of_write(member, moderator, outsider):
    """Joins, leaves, removals (bans), moves, approvals, merges and splits."""
    from forum import services

    first, second, _ = grow_site(3, member, moderator)

    def check() -> None:
        for community in selectors.list_communities(moderator):
            assert (community.thread_count, community.member_count) == truth(community)

    services.leave_community(user=member, community=first)
    make_membership(outsider, second)
    check()
    removed = Membership.objects.filter(community=second, role=Membership.Role.MEMBER).first()
    services.remove_member(moderator=moderator, membership=removed, reason="Hors charte")
    check()
    thread = Thread.objects.filter(community=first, is_pending=False).first()
    services.move_thread(moderator=moderator, thread=thread, target=second)
    waiting = Thread.objects.get(community=second, is_pending=True)
    services.approve_post(moderator=moderator, post=waiting.posts.get(seq=1))
    check()
    source, target = Thread.objects.filter(community=second, is_pending=False)[:2]
    reply = make_post(moderator, target)
    services.merge_threads(moderator=moderator, source=source, target=target)
    check()
    services.split_thread(moderator=moderator, post=reply, title="À part", community=first)
    check()


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_tag_page_costs_the_same_for_3_and_30_cops(who, member, moderator, client_for, request):
    viewer = request.getfixturevalue(who) if who != "anonymous" else None
    client = client_for(viewer)
    grow_site(3, member, moderator)
    small = cost(client, reverse("tag", args=["plaidoyer"]))

    grow_site(27, member, moderator)

    assert cost(client, reverse("tag", args=["plaidoyer"])) == small


def test_tag_page_shows_only_visible_published_threads(member, moderator, outsider):
    grow_site(6, member, moderator)

    for viewer in (None, member, outsider):
        _, threads, _ = selectors.access_tag(viewer, "plaidoyer")
        shown = set(threads.values_list("pk", flat=True))
        visible = Community.objects.filter(selectors.visible_communities_q(viewer))
        expected = {
            t.pk
            for t in Thread.objects.filter(community__in=visible, tags__slug="plaidoyer")
            if not t.is_pending or (viewer is not None and t.author_id == viewer.pk)
        }
        assert shown == expected


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_member_list_costs_the_same_for_3_and_120_members(
    who, public_cop, member, moderator, client_for, request
):
    client = client_for(request.getfixturevalue(who))
    url = reverse("community_members", args=[public_cop.slug])
    for _ in range(3):
        make_membership(make_user(), public_cop)
    small = cost(client, url)

    for _ in range(117):
        make_membership(make_user(), public_cop)

    assert cost(client, url) == small
    assert cost(client, url + "?page=3") == small


def test_member_list_is_shown_a_page_at_a_time(public_cop, member, client_for):
    for _ in range(58):
        make_membership(make_user(), public_cop)  # 60 with the member and the moderator
    client = client_for(member)
    url = reverse("community_members", args=[public_cop.slug])

    first = client.get(url)
    second = client.get(url + "?page=2")

    assert len(first.context["members"]) == selectors.MEMBERS_PER_PAGE
    assert len(second.context["members"]) == 60 - selectors.MEMBERS_PER_PAGE
    shown = {m.pk for m in first.context["members"]} | {m.pk for m in second.context["members"]}
    assert shown == set(public_cop.memberships.values_list("pk", flat=True))
    assert "?page=2" in first.content.decode()
    assert client.get(url + "?page=3").status_code == 404


def test_home_looks_for_news_among_her_latest_threads(
    public_cop, member, moderator, client_for, monkeypatch
):
    monkeypatch.setattr(home, "NEW_THREADS_SEARCHED", 3)
    old = make_thread(moderator, public_cop, title="Ancienne discussion non lue")
    for number in range(3):
        make_thread(member, public_cop, title=f"La mienne {number}")  # nothing new for her

    section = client_for(member).get(reverse("home")).context["home_sections"][0]

    assert section["threads"] == []
    # "Nouveautés" still lists every thread with something new.
    assert [t.pk for t in list_new_threads(member)] == [old.pk]
    assert list(list_new_threads(member, among_latest=4)) == [old]


def test_popular_tags_come_from_the_latest_visible_threads(
    public_cop, private_cop, member, moderator, monkeypatch
):
    monkeypatch.setattr(selectors, "POPULAR_TAGS_THREADS", 2)
    make_thread(moderator, public_cop, title="Vieille", tags=["ancien sujet"])
    make_thread(moderator, public_cop, title="Récente", tags=["loi 052", "terre"])
    make_thread(moderator, private_cop, title="Privée", tags=["secret"])

    visitor = {t.name for t in selectors.list_popular_tags(None)}
    assert visitor == {"ancien sujet", "loi 052", "terre"}
    # The member also sees her private CoP's thread, which pushes the oldest out.
    assert {t.name for t in selectors.list_popular_tags(member)} == {"loi 052", "terre", "secret"}
