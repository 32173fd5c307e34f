"""
The access sweep (realtime/sweep.py): while the channel layer is down, a
socket that lost access is closed all the same, with the push's code.

Here the layer is the in-memory one wrapped in test_degrade's PausableLayer
(nothing answers while paused); the same with a real Redis paused under real
Daphne processes is tests/realtime/test_sweep_outage.py.
"""

import asyncio
import json
import logging
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.models import Membership
from forum.presentation import MEMBER
from forum.services import communities as community_services
from forum.services import sanctions, security
from forum.services import threads as thread_services
from realtime import sweep as sweep_module
from realtime.health import health
from realtime.sweep import Probe, judge
from rooms import services as room_services

from ..factories import make_membership, make_thread, make_user
from .test_degrade import pausable_layer
from .wire import AMBIENT, in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def layer(monkeypatch):
    """The settings' layer, made to answer nothing while paused (as in test_degrade)."""
    yield from pausable_layer(monkeypatch)


@pytest.fixture
def quick_sweep(monkeypatch):
    monkeypatch.setattr(sweep_module, "INTERVAL", 0.2)
    # Loaded before the test runs: Django's setup configures logging again, which
    # would take caplog's handler off the root logger half-way through a test.
    import config.asgi  # noqa: F401


def session_of(user) -> str:
    """A real session of ``user`` (as a sign-in makes), returning its key."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


# One database call for every socket ---------------------------------------------------


def probes_for(count: int, private_cop, public_cop, moderator) -> list[Probe]:
    """``count`` sockets of as many members, on rooms and threads of both CoPs."""
    rooms = [room_services.ensure_salon(private_cop), room_services.ensure_salon(public_cop)]
    threads = [make_thread(moderator, private_cop), make_thread(moderator, public_cop)]
    probes = []
    for n in range(count):
        user = make_user()
        make_membership(user, private_cop)
        key = session_of(user)
        if n % 2:
            probes.append(Probe(key, user.pk, room_id=rooms[n % 4 // 2].pk))
        else:
            thread = threads[n % 4 // 2]
            probes.append(
                Probe(key, user.pk, thread_id=thread.pk, community_id=thread.community_id)
            )
    probes.append(Probe(None, None, room_id=rooms[1].pk))  # signed out, public salon
    return probes


def test_a_sweep_costs_the_same_queries_for_3_sockets_as_for_30(private_cop, public_cop, moderator):
    few = probes_for(3, private_cop, public_cop, moderator)
    many = probes_for(30, private_cop, public_cop, moderator)

    with CaptureQueriesContext(connection) as small:
        assert judge(few) == {}
    with CaptureQueriesContext(connection) as large:
        assert judge(many) == {}

    # Sessions, users, rooms, threads, memberships, sanctions.
    assert len(small) == len(large) == 6, [q["sql"] for q in large]


def test_judge_gives_each_lost_access_the_code_of_its_push(
    member, moderator, outsider, private_cop, public_cop
):
    salon = room_services.ensure_salon(private_cop)
    public_salon = room_services.ensure_salon(public_cop)
    thread = make_thread(moderator, public_cop)
    staying = make_thread(moderator, public_cop)
    ended, kept, banned, gone, removed, muted = (make_user() for _ in range(6))
    for user in (ended, kept, banned, gone):
        make_membership(user, private_cop)
    for user in (removed, muted):
        make_membership(user, public_cop)
    probes = [
        Probe(session_of(ended), ended.pk, room_id=salon.pk),
        Probe(session_of(kept), kept.pk, room_id=salon.pk),
        Probe(session_of(banned), banned.pk, room_id=salon.pk),
        Probe(session_of(gone), gone.pk, room_id=salon.pk),
        Probe(None, None, thread_id=thread.pk, community_id=public_cop.pk),
        Probe(session_of(outsider), outsider.pk, thread_id=thread.pk, community_id=public_cop.pk),
        Probe(None, member.pk, room_id=salon.pk),  # no session (a test's socket): not judged by one
        Probe(session_of(removed), removed.pk, room_id=public_salon.pk, took_part=True),
        Probe(
            session_of(muted),
            muted.pk,
            thread_id=staying.pk,
            community_id=public_cop.pk,
            took_part=True,
            audience=MEMBER,
        ),
    ]
    assert judge(probes) == {}

    security.end_all_sessions(user=ended)
    community_services.remove_member(
        moderator=moderator, membership=Membership.objects.get(user=banned, community=private_cop)
    )
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    thread_services.move_thread(moderator=moderator, thread=thread, target=private_cop)
    community_services.remove_member(  # from a public CoP: its push closes with 4403 too
        moderator=moderator, membership=Membership.objects.get(user=removed, community=public_cop)
    )
    sanctions.sanction_member(
        moderator=moderator, community=public_cop, user=muted, kind="mute", duration="1d"
    )

    assert judge(probes) == {
        0: sweep_module.LOGIN_REQUIRED,
        2: sweep_module.ACCESS_LOST,
        3: sweep_module.ACCESS_LOST,
        4: sweep_module.NOT_FOUND,  # moved where the reader may not follow
        5: sweep_module.NOT_FOUND,
        7: sweep_module.ACCESS_LOST,
        8: sweep_module.RIGHTS_CHANGED,  # muted: reads her rights again, as after the push
    }


# Through real sockets -----------------------------------------------------------------


async def frames_after(socket, seconds: float) -> list[dict]:
    await asyncio.sleep(seconds)
    frames = []
    while not socket.output_queue.empty():
        output = socket.output_queue.get_nowait()
        if output["type"] == "websocket.close":
            frames.append({"type": "closed", "code": output.get("code")})
            continue
        frame = json.loads(output["text"])
        if frame["type"] not in AMBIENT:
            frames.append(frame)
    return frames


async def closed_with(socket, timeout: float) -> int:
    """Wait for the socket's close; frames before it must be ambient ones or messages."""
    async with asyncio.timeout(timeout):
        while True:
            output = await socket.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                return output.get("code")


async def go_down(paused) -> None:
    paused.pause()
    state = health(paused)
    state.failed(ConnectionError("paused by the test"))
    assert not state.up


async def test_sockets_that_lose_access_during_an_outage_are_closed_and_others_go_on(
    layer, quick_sweep, connect, member, moderator, colleague, private_cop, public_cop, caplog
):
    salon = await in_db(room_services.ensure_salon, private_cop)
    thread = await in_db(make_thread, moderator, public_cop)
    banned = await in_db(make_user)
    await in_db(make_membership, banned, private_cop)
    outsider = await in_db(make_user)

    origin = "http://testserver"
    awa = await connect(member, f"/ws/rooms/{salon.pk}/", origin=origin)
    kadidia = await connect(colleague, f"/ws/rooms/{salon.pk}/", origin=origin)
    other = await connect(banned, f"/ws/rooms/{salon.pk}/", origin=origin)
    reader = await connect(outsider, f"/ws/threads/{thread.pk}/", origin=origin)
    for socket in (awa, kadidia, other, reader):
        await receive_type(socket, "hello")

    await go_down(layer)
    # Open and receiving during the outage, from the room's log.
    said, _created = await in_db(
        room_services.send_message, author=moderator, room=salon, body="Pendant la panne"
    )
    for socket in (awa, kadidia, other):
        assert (await receive_type(socket, "message", timeout=3))["seq"] == said.seq

    # Her session is ended elsewhere, the other is removed, the thread moves: no push arrives.
    await in_db(security.end_all_sessions, user=member)
    membership = await in_db(Membership.objects.get, user=banned, community=private_cop)
    await in_db(community_services.remove_member, moderator=moderator, membership=membership)
    await in_db(thread_services.move_thread, moderator=moderator, thread=thread, target=private_cop)

    assert await closed_with(awa, timeout=3) == sweep_module.LOGIN_REQUIRED
    assert await closed_with(other, timeout=3) == sweep_module.ACCESS_LOST
    assert await closed_with(reader, timeout=3) == sweep_module.NOT_FOUND

    after, _created = await in_db(
        room_services.send_message, author=moderator, room=salon, body="Après la fin"
    )
    assert (await receive_type(kadidia, "message", timeout=3))["seq"] == after.seq
    for socket in (awa, other, reader):
        assert await frames_after(socket, 0.3) == []  # nothing after the close

    layer.resume()
    async with asyncio.timeout(5):
        await health(layer).back.wait()
    async with asyncio.timeout(5):
        while not any("lost access" in r.getMessage() for r in caplog.records):
            await asyncio.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if "lost access" in r.getMessage()]
    assert lines == ["sockets closed for lost access during the outage: 3"]
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]


async def test_a_sweep_runs_when_the_layer_is_back(
    layer, quick_sweep, connect, member, moderator, private_cop, monkeypatch
):
    """A push lost by the layer during the outage: the sweep on return closes the socket."""
    monkeypatch.setattr(sweep_module, "INTERVAL", 60)  # only the first and the last sweep
    salon = await in_db(room_services.ensure_salon, private_cop)
    awa = await connect(member, f"/ws/rooms/{salon.pk}/", origin="http://testserver")
    await receive_type(awa, "hello")
    await go_down(layer)
    await asyncio.sleep(0.2)  # the first sweep, right when the layer went down, is done
    await in_db(security.end_all_sessions, user=member)
    await asyncio.sleep(0.3)
    assert await frames_after(awa, 0) == []
    layer.resume()
    assert await closed_with(awa, timeout=5) == sweep_module.LOGIN_REQUIRED


async def test_no_sweep_while_the_layer_is_up(layer, quick_sweep, connect, member, private_cop):
    salon = await in_db(room_services.ensure_salon, private_cop)
    awa = await connect(member, f"/ws/rooms/{salon.pk}/", origin="http://testserver")
    await receive_type(awa, "hello")
    # Ended with the layer up: the push closes it, not a sweep (none runs).
    await in_db(security.end_all_sessions, user=member)
    assert await closed_with(awa, timeout=3) == sweep_module.LOGIN_REQUIRED
    assert sweep_module.sweeper(layer).task is None


async def test_a_thread_reader_muted_during_an_outage_reads_her_rights_again(
    layer, quick_sweep, connect, member, moderator, public_cop
):
    thread = await in_db(make_thread, moderator, public_cop)
    awa = await connect(member, f"/ws/threads/{thread.pk}/", origin="http://testserver")
    assert (await receive_type(awa, "hello"))["can_post"] is True
    await go_down(layer)
    await in_db(
        sanctions.sanction_member,
        moderator=moderator,
        community=public_cop,
        user=member,
        kind="mute",
        duration="1d",
    )
    # As after the push of her new role: a new hello, and the readers' variant of posts.
    hello = await receive_type(awa, "hello", timeout=3)
    assert hello["can_post"] is False
    assert await frames_after(awa, 0.5) == []  # not closed: she may still read
