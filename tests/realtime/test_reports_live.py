"""
Reports and pre-moderation, live (issue 13, items 3 and 4).

A post waiting for validation reaches no socket, not even on a catch-up; its
approval pushes it as a new post although later posts passed its number. A
report's outcome rings the reporter's bell, and no frame names who decided.
"""

import json

import pytest

from forum import services
from forum.models import Membership

from ..factories import make_membership, make_user
from .wire import assert_no_frame, in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

WAITING = "Témoignage en attente de validation"


def thread_path(thread, after=None) -> str:
    path = f"/ws/threads/{thread.pk}/"
    return path if after is None else f"{path}?after={after}"


def _newcomer(community):
    person = make_user(username="salimata", display_name="Salimata Koné")
    make_membership(person, community, Membership.Role.MEMBER)
    community.premoderation_posts = 1
    community.save()
    return person


async def test_a_waiting_post_is_pushed_only_when_approved(
    connect, member, colleague, moderator, thread
):
    newcomer = await in_db(_newcomer, thread.community)
    watching = await connect(colleague, thread_path(thread))
    await receive_type(watching, "hello")

    waiting = await in_db(
        services.create_post, author=newcomer, thread=thread, parent=None, body=WAITING
    )
    await assert_no_frame(watching, ignore={"presence", "readers", "notifications"})
    later = await in_db(
        services.create_post, author=member, thread=thread, parent=None, body="Réponse publiée"
    )
    assert (await receive_type(watching, "post", skip={"presence", "readers", "notifications"}))[
        "id"
    ] == later.pk
    assert later.seq > waiting.seq

    await in_db(services.approve_post, moderator=moderator, post=waiting)
    frame = await receive_type(watching, "post", skip={"presence", "readers", "notifications"})

    assert (frame["event"], frame["id"], frame["seq"]) == ("created", waiting.pk, waiting.seq)
    assert WAITING in frame["html"]
    await watching.disconnect()


async def test_a_catch_up_leaves_waiting_posts_out(connect, colleague, thread):
    newcomer = await in_db(_newcomer, thread.community)
    await in_db(services.create_post, author=newcomer, thread=thread, parent=None, body=WAITING)

    socket = await connect(colleague, thread_path(thread, after=1))
    hello = await receive_type(socket, "hello")
    assert hello["last_seq"] == 2
    await assert_no_frame(socket, ignore={"presence", "readers", "notifications"})
    await socket.disconnect()


async def test_the_reporter_hears_of_the_outcome_and_no_frame_names_the_moderator(
    connect, member, colleague, moderator, thread
):
    post = await in_db(
        services.create_post, author=colleague, thread=thread, parent=None, body="Adresse : rue 4"
    )
    made = await in_db(
        services.report_item,
        reporter=member,
        kind="post",
        object_id=post.pk,
        reason="personal_data",
    )
    bell = await connect(member, "/ws/notifications/")
    page = await connect(member, thread_path(thread, after=post.seq))
    await receive_type(bell, "hello")
    await receive_type(page, "hello")

    await in_db(
        services.resolve_case, moderator=moderator, case=made.case, decision="hide", note="Adresse"
    )

    heard = [await receive_type(bell, "notifications", skip={"presence", "readers"})]
    heard.append(await receive_type(page, "post", skip={"presence", "readers", "notifications"}))
    assert heard[0]["unread"] >= 1
    assert heard[1]["event"] == "hidden"
    for frame in heard:
        assert moderator.display_name not in json.dumps(frame, ensure_ascii=False)
    await bell.disconnect()
    await page.disconnect()
