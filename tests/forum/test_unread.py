"""
Unread markers and "Quoi de neuf": what is new for a member, and who writes the mark when.

The thread page of a signed-in member, opened for real, is the one GET that
writes (forum/services/reading.py); a prefetch, a visitor, or a view that
does not advance the mark writes nothing.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import limits, services
from forum.models import Community, Membership, Notification, Post, Sanction, ThreadRead
from forum.unread import list_new_threads, with_unread

from ..factories import make_community, make_membership, make_post, make_thread, make_user

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])]


def mark_of(user, thread) -> int | None:
    return (
        ThreadRead.objects.filter(user=user, thread=thread)
        .values_list("last_read_seq", flat=True)
        .first()
    )


def set_mark(user, thread, seq: int) -> None:
    ThreadRead.objects.update_or_create(user=user, thread=thread, defaults={"last_read_seq": seq})


def new_count(user, thread) -> int:
    return with_unread(type(thread).objects.filter(pk=thread.pk), user).get().new_count


def replies(author, thread, number: int) -> list[Post]:
    """``number`` replies to the thread itself: their page order is their number order."""
    return [make_post(author, thread, body=f"Réponse {n} de {author}") for n in range(number)]


# Recording a reading ------------------------------------------------------------------------


def test_opening_a_thread_records_the_mark_once_and_then_writes_nothing(
    thread, member, moderator, client_for
):
    replies(moderator, thread, 2)
    client = client_for(member)

    with CaptureQueriesContext(connection) as first:
        assert client.get(thread.get_absolute_url()).status_code == 200
    thread.refresh_from_db()
    assert mark_of(member, thread) == thread.last_seq == 3
    assert len(writes(first)) == 1

    with CaptureQueriesContext(connection) as again:
        assert client.get(thread.get_absolute_url()).status_code == 200
    assert writes(again) == []

    make_post(moderator, thread)
    with CaptureQueriesContext(connection) as advancing:
        client.get(thread.get_absolute_url())
    assert len(writes(advancing)) == 1
    assert mark_of(member, thread) == 4


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_MOZ": "prefetch"},
        {"HTTP_X_PURPOSE": "preview"},
    ],
)
def test_a_prefetch_writes_nothing(thread, member, moderator, client_for, header):
    make_post(moderator, thread)
    client = client_for(member)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(thread.get_absolute_url(), **header).status_code == 200

    assert writes(queries) == []
    assert mark_of(member, thread) is None
    assert new_count(member, thread) == 1


def test_a_visitor_writes_nothing(thread, moderator, client_for):
    make_post(moderator, thread)
    with CaptureQueriesContext(connection) as queries:
        assert client_for(None).get(thread.get_absolute_url()).status_code == 200
    assert writes(queries) == []
    assert not ThreadRead.objects.exists()


def test_the_mark_only_advances(thread, member, moderator, client_for):
    replies(moderator, thread, 3)
    set_mark(member, thread, 4)
    Post.objects.filter(thread=thread, seq=4).delete()  # as if the page showed less than the mark
    client = client_for(member)

    with CaptureQueriesContext(connection) as queries:
        client.get(thread.get_absolute_url())

    assert writes(queries) == []
    assert mark_of(member, thread) == 4


def test_reading_page_one_of_a_long_thread_keeps_page_two_new(
    thread, member, moderator, client_for, settings
):
    settings.JEKAFO = {**settings.JEKAFO, "POSTS_PER_PAGE": 10}
    replies(moderator, thread, 14)  # posts 2..15; page 1 shows 1..10
    client = client_for(member)

    client.get(thread.get_absolute_url())
    assert mark_of(member, thread) == 10
    assert new_count(member, thread) == 5

    client.get(thread.get_absolute_url() + "?page=2")
    assert mark_of(member, thread) == 15
    assert new_count(member, thread) == 0


def test_a_page_that_shows_a_later_reply_but_not_an_earlier_one_stops_the_mark_before_it(
    thread, member, moderator, client_for, settings
):
    """The tree puts a reply to an old post on an early page: what is not shown stays new."""
    settings.JEKAFO = {**settings.JEKAFO, "POSTS_PER_PAGE": 3}
    first, _second = replies(moderator, thread, 2)  # posts 2 and 3, on page 1 with post 1
    late = make_post(moderator, thread)  # post 4: page 2
    make_post(moderator, thread, parent=first)  # post 5: under post 2, so on page 1
    client = client_for(member)

    client.get(thread.get_absolute_url())  # shows 1, 2, 5
    assert mark_of(member, thread) == 2  # 3 and 4 were not shown
    assert new_count(member, thread) == 3

    client.get(thread.get_absolute_url() + "?page=2")  # shows 3, 4
    assert late.seq == 4
    # Post 5 was seen on page 1, but the mark is one number: it errs on the side
    # of showing a post again, and stops before 5 (forum/services/reading.py).
    assert mark_of(member, thread) == 4
    client.get(thread.get_absolute_url())
    assert mark_of(member, thread) == 5
    assert new_count(member, thread) == 0


# Replies shown live on an open page --------------------------------------------------------


def read_live(client, thread, *numbers):
    return client.post(
        reverse("thread_read_live", args=[thread.pk]), {"seq": [str(n) for n in numbers]}
    )


def test_replies_shown_live_are_recorded_through_the_same_service(
    thread, member, moderator, client_for
):
    client = client_for(member)
    client.get(thread.get_absolute_url())
    assert mark_of(member, thread) == 1
    live = replies(moderator, thread, 2)  # posts 2 and 3, pushed to her open page

    response = read_live(client, thread, *(post.seq for post in live))

    assert response.status_code == 204
    assert mark_of(member, thread) == 3
    assert new_count(member, thread) == 0


def test_a_reply_not_shown_live_stays_new(thread, member, moderator, client_for):
    """Post 2 came while her socket was down and was never on her page: 3 alone moves nothing."""
    client = client_for(member)
    client.get(thread.get_absolute_url())
    replies(moderator, thread, 2)

    assert read_live(client, thread, 3).status_code == 204
    assert mark_of(member, thread) == 1
    assert new_count(member, thread) == 2


def test_live_reading_never_moves_the_mark_back(thread, member, moderator, client_for):
    replies(moderator, thread, 3)
    set_mark(member, thread, 4)
    client = client_for(member)

    with CaptureQueriesContext(connection) as queries:
        assert read_live(client, thread, 2).status_code == 204

    assert writes(queries) == []
    assert mark_of(member, thread) == 4


def test_live_reading_counts_only_posts_she_may_read_now(
    thread, public_cop, member, moderator, client_for
):
    """A number is only a claim: a post hidden since it was pushed is not read past."""
    set_mark(member, thread, 1)
    hidden, kept = replies(moderator, thread, 2)
    services.hide_post(moderator=moderator, post=hidden, reason="Hors sujet")
    newcomer = make_user()
    make_membership(newcomer, public_cop)
    public_cop.premoderation_posts = 1
    public_cop.save()
    waiting = make_post(newcomer, thread, body="En attente")
    assert waiting.is_pending

    # She claims the waiting post only: she cannot see it, so nothing is recorded.
    assert read_live(client_for(member), thread, waiting.seq).status_code == 204
    assert mark_of(member, thread) == 1
    # The hidden one is not new for her anyway; the kept one was shown: read to the end.
    assert read_live(client_for(member), thread, kept.seq).status_code == 204
    assert mark_of(member, thread) == waiting.seq


@pytest.mark.parametrize(
    "numbers",
    [[], ["0"], ["-1"], ["2.5"], ["deux"], ["²"], [" 2"], ["99"], ["2"] * 51, ["1" * 40]],
)
def test_live_reading_refuses_numbers_out_of_bounds_with_a_message(
    thread, member, moderator, client_for, numbers
):
    replies(moderator, thread, 2)
    set_mark(member, thread, 1)

    response = client_for(member).post(
        reverse("thread_read_live", args=[thread.pk]), {"seq": numbers}
    )

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "bad_seq"
    assert "1 à 3" in error["message"]
    assert mark_of(member, thread) == 1


def test_live_reading_is_a_no_op_for_a_visitor(thread, moderator, client_for):
    replies(moderator, thread, 2)
    with CaptureQueriesContext(connection) as queries:
        assert read_live(client_for(None), thread, 2, 3).status_code == 204
    assert writes(queries) == []
    assert not ThreadRead.objects.exists()


def test_live_reading_of_a_private_thread_is_missing_for_outsiders(
    private_thread, member, moderator, outsider, client_for
):
    make_post(moderator, private_thread)
    missing = client_for(outsider).post(reverse("thread_read_live", args=[999999]), {"seq": "1"})

    for user in (outsider, None):
        response = read_live(client_for(user), private_thread, 2)
        assert response.status_code == 404
        assert response.status_code == missing.status_code
    assert not ThreadRead.objects.filter(thread=private_thread).exists()
    assert read_live(client_for(member), private_thread, 2).status_code == 204
    assert mark_of(member, private_thread) == 2


def test_live_reading_is_a_post_with_csrf(thread, member, moderator):
    make_post(moderator, thread)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    url = reverse("thread_read_live", args=[thread.pk])

    assert client.get(url).status_code == 405
    assert client.post(url, {"seq": "2"}).status_code == 403
    assert mark_of(member, thread) is None


def test_the_thread_page_tells_live_js_where_to_record_for_members_only(thread, member, client_for):
    url = reverse("thread_read_live", args=[thread.pk])
    assert f'data-read-url="{url}"' in client_for(member).get(thread.get_absolute_url()).text
    assert "data-read-url" not in client_for(None).get(thread.get_absolute_url()).text


def test_a_thread_on_one_page_reads_only_the_mark_and_leaves_a_later_post_new(
    thread, member, moderator
):
    """``whole_thread``: nothing unseen to look for; a post written after the page stays new."""
    shown = list(Post.objects.filter(thread=thread)) + replies(moderator, thread, 2)
    thread.refresh_from_db()
    late = make_post(moderator, thread)  # after the page was read: not shown

    with CaptureQueriesContext(connection) as queries:
        mark = services.record_reading(user=member, thread=thread, shown=shown, whole_thread=True)
    assert mark == mark_of(member, thread) == 3 == late.seq - 1
    assert len(queries.captured_queries) == 2  # her mark, then the one write
    assert "forum_post" not in queries.captured_queries[0]["sql"]
    assert new_count(member, thread) == 1

    with CaptureQueriesContext(connection) as again:
        assert (
            services.record_reading(user=member, thread=thread, shown=shown, whole_thread=True)
            is None
        )
    assert writes(again) == [] and len(again.captured_queries) == 1


# Counting -----------------------------------------------------------------------------------


def test_a_thread_never_opened_shows_as_new_and_counts_since_the_mark(
    public_cop, member, moderator, client_for
):
    theirs = make_thread(moderator, public_cop, title="Jamais ouverte")
    mine = make_thread(member, public_cop, title="La mienne")
    page = client_for(member).get(public_cop.get_absolute_url())
    html = page.content.decode()

    rows = {thread.pk: thread for thread in page.context["page"].object_list}
    assert rows[theirs.pk].read_seq is None
    assert "nouvelle" in html
    # Her own thread is not news to her.
    assert html.count('class="badge new"') == 1

    set_mark(member, theirs, 1)
    replies(moderator, theirs, 2)
    make_post(member, theirs)  # her own reply is not new to her
    make_post(moderator, mine)
    page = client_for(member).get(public_cop.get_absolute_url())
    rows = {thread.pk: thread for thread in page.context["page"].object_list}
    assert rows[theirs.pk].new_count == 2
    assert rows[mine.pk].new_count == 1
    assert "2 nouveaux" in page.content.decode()
    assert reverse("thread_unread", args=[theirs.pk]) in page.content.decode()


def test_waiting_hidden_and_deleted_posts_are_not_new_for_a_reader(
    thread, public_cop, member, moderator, client_for
):
    set_mark(member, thread, 1)
    newcomer = make_user()
    make_membership(newcomer, public_cop)
    public_cop.premoderation_posts = 1
    public_cop.save()
    waiting = make_post(newcomer, thread, body="En attente")
    assert waiting.is_pending
    hidden, deleted, kept = replies(moderator, thread, 3)
    services.hide_post(moderator=moderator, post=hidden, reason="Hors sujet")
    services.delete_post(user=moderator, post=deleted)

    assert new_count(member, thread) == 1
    response = client_for(member).get(reverse("thread_unread", args=[thread.pk]))
    assert response["Location"].endswith(f"#post-{kept.pk}")
    # Viewing the page does not count the waiting post either: the mark passes it.
    client_for(member).get(thread.get_absolute_url())
    assert new_count(member, thread) == 0


def test_a_post_approved_after_she_read_past_its_number_becomes_new(
    thread, public_cop, member, moderator, client_for, django_capture_on_commit_callbacks
):
    newcomer = make_user()
    make_membership(newcomer, public_cop)
    public_cop.premoderation_posts = 1
    public_cop.save()
    waiting = make_post(newcomer, thread, body="Notre expérience à Kita")
    make_post(moderator, thread, body="Une réponse publiée après")
    client_for(member).get(thread.get_absolute_url())
    thread.refresh_from_db()
    assert mark_of(member, thread) == thread.last_seq  # read past the waiting post's number
    set_mark(moderator, thread, thread.last_seq)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(moderator=moderator, post=waiting)

    assert new_count(member, thread) == 2  # the approved post, and the one after it again
    response = client_for(member).get(reverse("thread_unread", args=[thread.pk]))
    assert response["Location"].endswith(f"#post-{waiting.pk}")
    assert mark_of(moderator, thread) == thread.last_seq  # she saw it while it waited


# The first unread post ----------------------------------------------------------------------


def test_first_unread_lands_on_its_page_and_anchor(thread, member, moderator, client_for, settings):
    settings.JEKAFO = {**settings.JEKAFO, "POSTS_PER_PAGE": 10}
    posts = replies(moderator, thread, 14)  # posts 2..15
    set_mark(member, thread, 12)
    client = client_for(member)

    response = client.get(reverse("thread_unread", args=[thread.pk]))
    target = posts[11]  # post 13
    assert target.seq == 13
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#post-{target.pk}"
    landed = client.get(response["Location"].split("#")[0])
    assert f'id="post-{target.pk}"' in landed.content.decode()


def test_first_unread_of_a_thread_never_opened_is_its_opening_post(thread, outsider, client_for):
    opening = Post.objects.get(thread=thread, seq=1)
    response = client_for(outsider).get(reverse("thread_unread", args=[thread.pk]))
    assert response["Location"] == f"{thread.get_absolute_url()}#post-{opening.pk}"


def test_first_unread_with_nothing_new_goes_to_the_last_page(
    thread, member, moderator, client_for, settings
):
    settings.JEKAFO = {**settings.JEKAFO, "POSTS_PER_PAGE": 10}
    replies(moderator, thread, 14)
    set_mark(member, thread, 15)
    response = client_for(member).get(reverse("thread_unread", args=[thread.pk]))
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2"


def test_first_unread_writes_nothing_and_hides_a_private_thread(
    private_thread, outsider, member, client_for
):
    url = reverse("thread_unread", args=[private_thread.pk])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
    client = client_for(member)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 302
    assert writes(queries) == []


# Mark everything read -----------------------------------------------------------------------


def test_mark_all_read_clears_every_thread_of_the_cop(public_cop, member, moderator, client_for):
    threads = [make_thread(moderator, public_cop, title=f"Sujet {n}") for n in range(4)]
    replies(moderator, threads[0], 2)
    set_mark(member, threads[0], 1)
    client = client_for(member)

    response = client.post(reverse("community_mark_read", args=[public_cop.slug]))

    assert response.status_code == 302
    for thread in threads:
        thread.refresh_from_db()
        assert mark_of(member, thread) == thread.last_seq
        assert new_count(member, thread) == 0
    page = client.get(public_cop.get_absolute_url())
    assert 'class="badge new"' not in page.content.decode()


def test_mark_all_read_costs_the_same_for_3_and_30_threads(public_cop, member, moderator):
    def cost() -> int:
        ThreadRead.objects.all().delete()
        reader = type(member).objects.get(pk=member.pk)  # nothing cached on her
        with CaptureQueriesContext(connection) as queries:
            services.mark_community_read(user=reader, community=public_cop)
        return len(queries.captured_queries)

    for number in range(3):
        make_thread(moderator, public_cop, title=f"Petit {number}")
    small = cost()
    for number in range(27):
        make_thread(moderator, public_cop, title=f"Grand {number}")
    assert cost() == small
    assert ThreadRead.objects.filter(user=member).count() == 30


def test_mark_all_read_is_a_post_with_csrf(public_cop, member, client_for):
    url = reverse("community_mark_read", args=[public_cop.slug])
    assert client_for(member).get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(url).status_code == 403
    visitor = client_for(None).post(url)
    assert visitor.status_code == 302 and reverse("login") in visitor["Location"]


def test_the_mark_all_read_button_is_a_form_for_members(public_cop, member, moderator, client_for):
    make_thread(moderator, public_cop)
    action = reverse("community_mark_read", args=[public_cop.slug])
    assert f'action="{action}"' in client_for(member).get(public_cop.get_absolute_url()).text
    assert action not in client_for(None).get(public_cop.get_absolute_url()).text


# Home: "Quoi de neuf" -------------------------------------------------------------------------


def test_visitors_keep_the_list_of_cops(public_cop, client_for):
    html = client_for(None).get(reverse("home")).content.decode()
    assert "Quoi de neuf" not in html
    assert public_cop.name in html


def test_home_shows_what_is_new_in_my_cops_unread_first(public_cop, member, moderator, client_for):
    fresh = make_thread(moderator, public_cop, title="Nouvelle discussion sur la loi")
    read = make_thread(moderator, public_cop, title="Déjà lue")
    set_mark(member, read, read.last_seq)
    answered = make_thread(moderator, public_cop, title="Avec une réponse")
    set_mark(member, answered, 1)
    make_post(moderator, answered)

    response = client_for(member).get(reverse("home"))
    html = response.content.decode()

    assert "Quoi de neuf" in html
    section = response.context["home_sections"][0]
    assert section["name"] == "new"
    assert [t.pk for t in section["threads"]] == [answered.pk, fresh.pk]
    assert read.title not in html.split("Communautés de pratique")[0]
    # The CoP list is still on the page, below.
    assert public_cop.get_absolute_url() in html


def test_home_says_plainly_when_each_section_is_empty(member, client_for):
    html = client_for(member).get(reverse("home")).content.decode()
    assert "Rien de nouveau dans vos communautés" in html
    assert "Aucune mention non lue." in html
    assert "Vous n'êtes inscrit·e à aucun webinaire à venir." in html
    assert "En attente de modération" not in html  # she moderates nothing


def test_home_bounds_the_list_and_links_to_the_rest(public_cop, member, moderator, client_for):
    for number in range(12):
        make_thread(moderator, public_cop, title=f"Discussion {number}")
    response = client_for(member).get(reverse("home"))
    assert len(response.context["home_sections"][0]["threads"]) == 10
    assert reverse("whats_new") in response.content.decode()
    rest = client_for(member).get(reverse("whats_new"))
    assert len(rest.context["page"].object_list) == 12


def test_a_newcomer_is_not_shown_the_cops_history_as_news(public_cop, moderator, client_for):
    make_thread(moderator, public_cop, title="Ancienne discussion")
    newcomer = make_user()
    make_membership(newcomer, public_cop)
    assert list(list_new_threads(newcomer)) == []
    fresh = make_thread(moderator, public_cop, title="Après son arrivée")
    assert [t.pk for t in list_new_threads(newcomer)] == [fresh.pk]


def test_home_lists_my_unread_mentions(public_cop, member, moderator, client_for):
    thread = make_thread(moderator, public_cop, title="Budget du plaidoyer")
    make_post(moderator, thread, body=f"Qu'en pensez-vous, @[{member.display_name}] ?")
    mention = Notification.objects.get(recipient=member, kind=Notification.Kind.MENTION)

    html = client_for(member).get(reverse("home")).content.decode()

    assert "vous a mentionné·e" in html
    assert f'action="{reverse("notification", args=[mention.pk])}"' in html
    mention.read_at = mention.created_at
    mention.save()
    assert "Aucune mention non lue." in client_for(member).get(reverse("home")).content.decode()


def test_moderators_see_what_waits_in_the_cops_they_moderate(
    public_cop, thread, member, moderator, outsider, client_for
):
    newcomer = make_user()
    make_membership(newcomer, public_cop)
    public_cop.premoderation_posts = 1
    public_cop.save()
    make_post(newcomer, thread, body="À valider")
    reply = make_post(member, thread)
    services.report_item(reporter=outsider, kind="post", object_id=reply.pk, reason="spam")
    services.request_to_join(user=make_user(), community=public_cop, message="Bonjour")
    # A CoP where she moderates but nothing waits is left out.
    quiet = make_community(name="Calme")
    make_membership(moderator, quiet, Membership.Role.MODERATOR)

    html = client_for(moderator).get(reverse("home")).content.decode()

    assert "En attente de modération" in html
    assert "1 message à valider" in html
    assert "1 signalement ouvert" in html
    assert "1 demande d'adhésion" in html
    assert reverse("review_queue", args=[public_cop.slug]) in html
    assert reverse("join_requests", args=[public_cop.slug]) in html
    assert reverse("review_queue", args=[quiet.slug]) not in html
    # A plain member sees none of it.
    member_html = client_for(member).get(reverse("home")).content.decode()
    assert "En attente de modération" not in member_html


def test_a_moderator_with_nothing_waiting_is_told_so(public_cop, moderator, client_for):
    html = client_for(moderator).get(reverse("home")).content.decode()
    assert "Rien n'attend la modération" in html


# Private means private, judged when shown ------------------------------------------------------


def secret_news(private_cop, moderator, member):
    thread = make_thread(moderator, private_cop, title="Dossier confidentiel de Mopti")
    make_post(moderator, thread, body=f"@[{member.display_name}] regarde ceci")
    return thread


def assert_nothing_from(client, thread) -> None:
    html = client.get(reverse("home")).content.decode()
    assert thread.title not in html
    assert "vous a mentionné·e" not in html
    assert thread.title not in client.get(reverse("whats_new")).content.decode()


def test_a_member_who_left_sees_nothing_of_the_cop_on_home(
    private_cop, member, moderator, client_for
):
    thread = secret_news(private_cop, moderator, member)
    client = client_for(member)
    assert thread.title in client.get(reverse("home")).content.decode()

    services.leave_community(user=member, community=private_cop)
    assert_nothing_from(client, thread)
    assert client.get(reverse("thread_unread", args=[thread.pk])).status_code == 404


def test_a_removed_member_sees_nothing_of_the_cop_on_home(
    private_cop, member, moderator, client_for
):
    thread = secret_news(private_cop, moderator, member)
    membership = Membership.objects.get(user=member, community=private_cop)
    services.remove_member(moderator=moderator, membership=membership, reason="Départ")
    assert_nothing_from(client_for(member), thread)


def test_a_banned_member_sees_nothing_of_the_cop_on_home(
    private_cop, member, moderator, client_for
):
    thread = secret_news(private_cop, moderator, member)
    services.sanction_member(
        moderator=moderator,
        community=private_cop,
        user=member,
        kind=Sanction.Kind.BAN,
        duration="7d",
        reason="Fuite",
    )
    # Her membership row stays while the ban runs: the ban alone must hide the CoP.
    assert Membership.objects.filter(user=member, community=private_cop).exists()
    assert_nothing_from(client_for(member), thread)


def test_a_thread_moved_into_a_private_cop_leaves_her_home_and_lists(
    public_cop, member, moderator, client_for
):
    elsewhere = make_community(name="Cellule juridique", visibility=Community.Visibility.PRIVATE)
    make_membership(moderator, elsewhere, Membership.Role.MODERATOR)
    thread = make_thread(moderator, public_cop, title="Plainte à déposer", tags=["plainte"])
    make_post(moderator, thread, body=f"@[{member.display_name}] à suivre")
    client = client_for(member)
    assert thread.title in client.get(reverse("home")).content.decode()

    services.move_thread(moderator=moderator, thread=thread, target=elsewhere)

    assert_nothing_from(client, thread)
    assert client.get(reverse("tag", args=["plainte"])).status_code == 404
    assert thread.title not in client.get(public_cop.get_absolute_url()).content.decode()
    assert client.get(reverse("thread_unread", args=[thread.pk])).status_code == 404


def test_marking_a_cop_read_needs_to_see_it(private_cop, outsider, client_for):
    url = reverse("community_mark_read", args=[private_cop.slug])
    assert client_for(outsider).post(url).status_code == 404
    assert not ThreadRead.objects.exists()


# A constant number of queries ---------------------------------------------------------------


def grow(community, author, others, threads: int) -> None:
    """``threads`` threads of ``community``, each with replies, some read, some not."""
    with limits.suspended():
        for number in range(threads):
            thread = make_thread(author, community, title=f"Fil {number}", tags=["plaidoyer"])
            for other in others:
                make_post(other, thread)


def cost(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_lists_and_home_cost_the_same_for_3_and_30_threads(
    who, public_cop, member, moderator, client_for, request
):
    viewer = None if who == "anonymous" else request.getfixturevalue(who)
    other = make_user()
    make_membership(other, public_cop)
    client = client_for(viewer)
    urls = [
        public_cop.get_absolute_url(),
        reverse("tag", args=["plaidoyer"]),
        reverse("home"),
    ]
    if viewer is not None:
        urls.append(reverse("whats_new"))

    grow(public_cop, other, [moderator, member], 3)
    some = list(public_cop.threads.all())
    if viewer is not None:
        set_mark(viewer, some[0], 1)
        set_mark(viewer, some[1], 3)
    small = [cost(client, url) for url in urls]

    grow(public_cop, other, [moderator, member], 27)
    if viewer is not None:
        for thread in public_cop.threads.all()[5:15]:
            set_mark(viewer, thread, 2)
    large = [cost(client, url) for url in urls]

    assert large == small, dict(zip(urls, zip(small, large, strict=True), strict=True))


# Her data ----------------------------------------------------------------------------------


def test_my_data_lists_my_reading_marks_and_deletion_erases_them(
    thread, private_cop, member, moderator
):
    import json
    import zipfile

    from forum.account_data import build_export

    from ..factories import PASSWORD

    secret = make_thread(moderator, private_cop, title="Dossier de Mopti")
    set_mark(member, thread, 1)
    set_mark(member, secret, 1)
    services.leave_community(user=member, community=private_cop)

    with zipfile.ZipFile(build_export(member)) as archive:
        reading = json.loads(archive.read("data.json"))["reading"]
    assert {row["thread_id"]: row["thread"] for row in reading} == {
        thread.pk: thread.title,
        secret.pk: None,  # no longer hers to see: the title stays out
    }

    services.delete_account(user=member, password=PASSWORD)
    assert not ThreadRead.objects.filter(user=member).exists()
