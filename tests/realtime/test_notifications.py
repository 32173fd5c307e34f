"""The bell's own socket, /ws/notifications/, for pages without another live part."""

import pytest

from forum import services
from forum.models import Notification

from ..factories import make_membership, make_post, make_thread, make_user
from .wire import assert_no_frame, in_db, ping_pong, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/notifications/"


async def test_anonymous_socket_closes_4401_before_any_frame(connect, anonymous):
    socket = await connect(anonymous, PATH)

    assert socket.accepted
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}
    await socket.disconnect()


async def test_signed_in_hello_gives_the_unread_count(connect, member, moderator, thread):
    await in_db(services.create_post, author=moderator, thread=thread, parent=None, body="Réponse")
    socket = await connect(member, PATH)

    assert await receive_type(socket, "hello", skip=()) == {
        "type": "hello",
        "topic": None,
        "user": {"id": member.pk, "name": "Awa Traoré"},
        "unread": 1,
        "heartbeat": 25,
    }
    await assert_no_frame(socket, ignore=())
    await socket.disconnect()


async def test_mention_by_another_member_increments_the_count_live(
    connect, member, moderator, colleague, public_cop
):
    thread = await in_db(make_thread, moderator, public_cop, title="Atelier de Ségou")
    socket = await connect(member, PATH)
    other = await connect(colleague, PATH)
    await receive_type(socket, "hello")
    await receive_type(other, "hello")

    await in_db(
        services.create_post,
        author=moderator,
        thread=thread,
        parent=None,
        body="@[Awa Traoré] pouvez-vous partager le compte rendu ?",
    )

    assert await receive_type(socket, "notifications", skip=()) == {
        "type": "notifications",
        "unread": 1,
    }
    await assert_no_frame(other, ignore=())  # not mentioned, not notified
    kinds = await in_db(
        lambda: list(Notification.objects.filter(recipient=member).values_list("kind", flat=True))
    )
    assert kinds == [Notification.Kind.MENTION]
    await socket.disconnect()
    await other.disconnect()


async def test_reading_notifications_elsewhere_lowers_the_count_live(
    connect, member, moderator, thread
):
    await in_db(services.create_post, author=moderator, thread=thread, parent=None, body="Réponse")
    socket = await connect(member, PATH)
    await receive_type(socket, "hello")

    await in_db(services.mark_all_notifications_read, user=member)

    assert await receive_type(socket, "notifications", skip=()) == {
        "type": "notifications",
        "unread": 0,
    }
    await socket.disconnect()


async def test_notification_in_private_cop_is_not_sent_to_whoever_cannot_see_it(
    connect, member, moderator, outsider, private_thread
):
    # The outsider is named, but is no member of the private CoP.
    bell = await connect(outsider, PATH)
    await receive_type(bell, "hello")

    await in_db(
        services.create_post,
        author=moderator,
        thread=private_thread,
        parent=None,
        body="@[Bintou Coulibaly] voyez-vous ceci ?",
    )

    await assert_no_frame(bell, ignore=())
    await bell.disconnect()


async def test_bell_socket_answers_pings_and_knows_no_other_frame(connect, member):
    socket = await connect(member, PATH)
    await receive_type(socket, "hello")

    await ping_pong(socket)
    await socket.send_json_to({"type": "typing"})

    assert (await receive_type(socket, "error"))["code"] == "unknown_type"
    await ping_pong(socket)
    await socket.disconnect()


async def test_bell_of_an_outsider_told_before_drops_when_the_thread_moves_into_a_private_cop(
    connect, member, moderator, thread, public_cop, private_cop
):
    """The live count judges by the thread's CoP now (issue 13), not the one it was in."""

    def reader_told_of_a_reply():
        user = make_user(username="oumou", display_name="Oumou Sangaré")
        make_membership(user, public_cop)
        own = make_thread(user, public_cop, title="Titre ordinaire")
        make_post(member, own, body="Une réponse")
        return user, own

    reader, own = await in_db(reader_told_of_a_reply)
    bell = await connect(reader, "/ws/notifications/")
    assert (await receive_type(bell, "hello"))["unread"] == 1

    await in_db(services.move_thread, moderator=moderator, thread=own, target=private_cop)

    assert (await receive_type(bell, "notifications")) == {"type": "notifications", "unread": 0}
    await bell.disconnect()
