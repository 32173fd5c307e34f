"""
SQL queries per page are pinned: a list or a thread costs the same whatever its size.

Counts include the session and user lookups of a signed-in visitor (2
queries). A change in one of these numbers is a decision to make on purpose,
not an accident: update the constant with the reason in the commit message.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import limits, services
from forum.models import Membership, Organisation, ThreadRead

from ..factories import make_organisation, make_post, make_thread, make_user, opening_post

pytestmark = pytest.mark.django_db


def measure(client, url: str, status: int = 200) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == status
    return len(context.captured_queries)


@pytest.fixture
def authors(public_cop, member, moderator):
    """Members from several organisations, so that rows show the author's organisation."""
    people = [member, moderator]
    for number in range(4):
        organisation = make_organisation(acronym=f"ORG{number}")
        user = make_user(organisation=organisation)
        Membership.objects.create(user=user, community=public_cop)
        people.append(user)
    return people


def grow_thread(thread, authors, total: int) -> list:
    """Bring ``thread`` to ``total`` posts: replies to the thread mixed with nested replies."""
    posts = [opening_post(thread)]
    for number in range(1, total):
        if number % 4 == 1:
            parent = None  # a reply to the thread
        elif number % 4 == 2:
            parent = posts[-1]  # a reply to the previous post: chains go deep
        else:
            parent = posts[(number * 7) % len(posts)]
        with limits.suspended():
            post = services.create_post(
                author=authors[number % len(authors)],
                thread=thread,
                parent=parent,
                body=f"Message {number} avec **gras** et un [lien](https://example.org).",
            )
        posts.append(post)
    return posts


def add_moderation_marks(posts, moderator) -> None:
    """Hide, delete and edit a few posts on every page: their rendering must not cost more."""
    for post in posts[3::25]:
        services.hide_post(moderator=moderator, post=post, reason="Hors sujet")
    for post in posts[5::25]:
        services.delete_post(user=post.author, post=post)
    for post in posts[7::25]:
        services.edit_post(editor=post.author, post=post, body="Texte corrigé.")


# The CoP's thread list ---------------------------------------------------------------------

# Signed in: + 1 for "do I follow this CoP?"
# Signed-in readers: one query more for the sanctions in force on them (mute, ban);
# a moderator also counts what awaits review: open reports, posts to validate.
COMMUNITY_PAGE_QUERIES = {"anonymous": 5, "outsider": 11, "member": 11, "moderator": 14}


@pytest.fixture
def busy_cop(public_cop, authors, moderator):
    for number in range(30):
        thread = make_thread(
            authors[number % len(authors)],
            public_cop,
            title=f"Discussion {number}",
            tags=[f"sujet {number}", "plaidoyer", "loi 052"],
        )
        make_post(authors[(number + 1) % len(authors)], thread)
    services.set_thread_pinned(moderator=moderator, thread=thread, pinned=True)
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True)
    return public_cop


def test_community_thread_list_query_count_is_pinned(
    busy_cop, request, client_for, django_assert_num_queries
):
    url = busy_cop.get_absolute_url()
    for viewer, expected in COMMUNITY_PAGE_QUERIES.items():
        client = client_for(request.getfixturevalue(viewer))

        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 25

        with django_assert_num_queries(expected):
            assert client.get(url + "?page=2").status_code == 200


def test_community_thread_list_costs_the_same_for_5_and_30_threads(public_cop, authors, client_for):
    client = client_for(authors[0])
    for number in range(5):
        make_thread(authors[number], public_cop, title=f"D{number}", tags=["a", f"b{number}"])
    small = measure(client, public_cop.get_absolute_url())
    for number in range(25):
        make_thread(authors[number % 6], public_cop, title=f"E{number}", tags=["c", f"d{number}"])

    assert measure(client, public_cop.get_absolute_url()) == small


# The thread page -------------------------------------------------------------------------------

# One of them loads the page's post files (a voice note, a photo…) for all its posts at once.
# Signed in: + 1 for her follow levels (the thread's and its CoP's, one query).
# Signed in: + 1 for her reading mark (forum/services/reading.py). A view that advances the
# mark writes once more; these tests read threads already read to the end (``read_to_end``),
# tests/forum/test_unread.py counts the write.
# A page followed by another; the last page (or the only one) needs no COUNT of the thread's
# posts: one query less (selectors.paginate_counting_last).
THREAD_PAGE_QUERIES = {"anonymous": 5, "outsider": 10, "member": 11, "moderator": 13}
LAST_PAGE_SAVES = 1


def read_to_end(user, *threads) -> None:
    """Mark ``threads`` read to their last post for ``user`` (nothing for a visitor)."""
    if user is None or not user.is_authenticated:
        return
    for thread in threads:
        thread.refresh_from_db()
        ThreadRead.objects.update_or_create(
            user=user, thread=thread, defaults={"last_read_seq": thread.last_seq}
        )


@pytest.fixture
def long_thread(thread, authors, moderator, other_public_cop):
    """A 120-post thread; ``other_public_cop`` makes the moderator's move form list a target."""
    posts = grow_thread(thread, authors, 120)
    add_moderation_marks(posts, moderator)
    return thread


def test_thread_page_query_count_is_pinned(
    long_thread, request, client_for, django_assert_num_queries
):
    for viewer, expected in THREAD_PAGE_QUERIES.items():
        client = client_for(request.getfixturevalue(viewer))
        read_to_end(request.getfixturevalue(viewer), long_thread)

        for page, last in ((1, False), (2, False), (3, True)):  # 120 posts, 50 a page
            with django_assert_num_queries(expected - LAST_PAGE_SAVES * last):
                response = client.get(f"{long_thread.get_absolute_url()}?page={page}")
            assert response.status_code == 200
            assert response.context["page"].has_next() is not last


@pytest.mark.parametrize("size", [20, 100, 500])
def test_thread_page_query_count_does_not_grow_with_the_thread(
    size, thread, authors, member, moderator, other_public_cop, client_for
):
    posts = grow_thread(thread, authors, size)
    add_moderation_marks(posts, moderator)
    url = thread.get_absolute_url()

    for viewer, name in ((None, "anonymous"), (member, "member"), (moderator, "moderator")):
        client = client_for(viewer)
        read_to_end(viewer, thread)
        pinned = THREAD_PAGE_QUERIES[name]
        last = pinned - LAST_PAGE_SAVES
        assert measure(client, url) == (last if size == 20 else pinned)
        if size > 50:
            assert measure(client, url + "?page=2") == (last if size == 100 else pinned)
        if size == 500:
            assert measure(client, url + "?page=9") == pinned
            assert measure(client, url + "?page=10") == last
            measure(client, url + "?page=11", status=404)


def test_thread_of_500_posts_costs_what_a_thread_of_20_costs(
    public_cop, authors, moderator, other_public_cop, client_for
):
    small = make_thread(authors[0], public_cop, title="Petite discussion")
    grow_thread(small, authors, 20)
    large = make_thread(authors[1], public_cop, title="Grande discussion")
    add_moderation_marks(grow_thread(large, authors, 500), moderator)

    for viewer in (None, authors[0], moderator):
        client = client_for(viewer)
        read_to_end(viewer, small, large)
        # Both last pages (the small thread's only one) skip the count of the posts.
        counts = [
            measure(client, small.get_absolute_url()),
            measure(client, large.get_absolute_url() + "?page=10"),
            measure(client, large.get_absolute_url()) - LAST_PAGE_SAVES,
            measure(client, large.get_absolute_url() + "?page=2") - LAST_PAGE_SAVES,
        ]
        assert len(set(counts)) == 1, counts


def test_post_permalink_costs_the_same_on_page_1_and_page_4(thread, authors, client_for):
    posts = grow_thread(thread, authors, 160)
    client = client_for(authors[0])

    def permalink(post) -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("post", args=[post.pk]))
        assert response.status_code == 302
        return len(context.captured_queries)

    assert permalink(posts[1]) == permalink(posts[-1])


# Home, tags, organisations -------------------------------------------------------------------

# Signed in, "Quoi de neuf" (forum/home.py, webinars/home.py): + 1 for the threads with
# something new (+ 1 for their tags when there are some), + 1 mentions, + 1 the next
# webinar, + 1 what waits for moderation (tests/forum/test_unread.py: 3 or 30 threads alike).
HOME_QUERIES = {"anonymous": 3, "outsider": 9, "member": 10, "moderator": 10}
TAG_PAGE_QUERIES = {"anonymous": 6, "outsider": 8, "member": 8, "moderator": 8}
# One more than before the directory was paginated: the COUNT of its matches ("12 organisations").
ORGANISATIONS_QUERIES = {"anonymous": 6, "outsider": 8, "member": 8, "moderator": 8}


@pytest.fixture
def busy_site(busy_cop, private_cop, other_public_cop, authors, member, region, other_region):
    for community in (busy_cop, private_cop, other_public_cop):
        community.regions.set([region, other_region])
    for number in range(6):
        make_thread(member, private_cop, title=f"Privée {number}", tags=["plaidoyer"])
        make_thread(member, other_public_cop, title=f"VBG {number}", tags=["plaidoyer"])
    for number in range(12):
        make_organisation(
            domains=["plaidoyer", f"domaine {number % 3}"], regions=[region, other_region]
        )
    return busy_cop


def test_home_query_count_is_pinned(busy_site, request, client_for, django_assert_num_queries):
    for viewer, expected in HOME_QUERIES.items():
        client = client_for(request.getfixturevalue(viewer))

        with django_assert_num_queries(expected):
            assert client.get(reverse("home")).status_code == 200


def test_tag_page_query_count_is_pinned(busy_site, request, client_for, django_assert_num_queries):
    for viewer, expected in TAG_PAGE_QUERIES.items():
        client = client_for(request.getfixturevalue(viewer))

        with django_assert_num_queries(expected):
            response = client.get(reverse("tag", args=["plaidoyer"]))
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 25
        assert len(response.context["organisations"]) == 12


def test_organisation_list_query_count_is_pinned(
    busy_site, request, client_for, django_assert_num_queries
):
    found = {
        "": Organisation.objects.count(),
        "?domain=plaidoyer": 12,
        "?region=segou&domain=domaine-1": 4,
    }
    for viewer, expected in ORGANISATIONS_QUERIES.items():
        client = client_for(request.getfixturevalue(viewer))

        for query, number in found.items():
            with django_assert_num_queries(expected):
                response = client.get(reverse("organisations") + query)
            assert response.status_code == 200
            assert len(response.context["organisations"]) == number


def test_organisation_list_costs_the_same_for_1_and_12_organisations(
    region, client_for, django_assert_num_queries
):
    make_organisation(domains=["plaidoyer"], regions=[region])
    client = client_for(None)
    one = measure(client, reverse("organisations"))
    for number in range(11):
        make_organisation(domains=["plaidoyer", f"d{number}"], regions=[region])

    assert measure(client, reverse("organisations")) == one
    assert Organisation.objects.count() == 12
