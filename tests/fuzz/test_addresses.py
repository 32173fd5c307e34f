"""
Addresses, fuzzed: query strings on every GET page, and WebSocket paths.

- GET: 400 examples spread over every GET route of the access matrix (the
  route is drawn too), each with query parameters the views read (``page``,
  ``after``, ``avant``, ``q``, ``next``…) set to hostile values: no 500, no
  traceback.
- WebSocket: 200 paths under ``/ws/`` (each route's prefix or another, an id
  that is not ASCII digits, ``?after=`` of any kind): the socket answers
  ``hello`` or closes with a 4xxx code, never crashes (1011).
"""

import asyncio
import json
from urllib.parse import quote

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from forum.models import User
from realtime import routing

from ..private_world import build_world
from ..test_access_matrix import OK, RULES
from .strategies import FUZZ, texts, value_for

QUERY_NAMES = [
    "page",
    "after",
    "before",
    "avant",
    "q",
    "next",
    "quote",
    "muet",
    "onglet",
    "video",
    "domain",
    "region",
    "kind",
]


def get_routes() -> list[str]:
    return sorted(name for name, rule in RULES.items() if rule.get and rule.get["moderator"] == OK)


def query(pairs) -> str:
    return "&".join(
        quote(k.encode("utf-8", "surrogatepass")) + "=" + quote(v.encode("utf-8", "surrogatepass"))
        for k, v in pairs
    )


def test_query_strings_never_fail(world, tracebacks):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["moderator"])
    urls = {name: RULES[name].url(world) for name in get_routes()}
    pair = st.sampled_from(QUERY_NAMES).flatmap(lambda n: st.tuples(st.just(n), value_for(n)))
    queries = st.lists(st.one_of(pair, pair, st.tuples(texts, texts)), min_size=1, max_size=4)

    @settings(FUZZ, max_examples=400)
    @given(st.sampled_from(sorted(urls)), queries)
    def get(name, pairs):
        cache.clear()
        response = client.get(urls[name] + "?" + query(pairs))
        logged = tracebacks.take()
        assert response.status_code < 500, (name, pairs)
        assert logged == []

    get()


SEGMENTS = st.one_of(
    st.sampled_from(["rooms", "threads", "webinars", "notifications", "", "ROOMS", "rooms/1"]),
    st.text(st.characters(codec="utf-8", exclude_characters="/?#"), max_size=8),
)
IDS = st.one_of(
    st.integers(0, 10**25).map(str),
    st.sampled_from(["²", "١", "𝟗", "-1", "0x10", " 1", "1 ", "", "%00", "1.0", "9" * 40]),
    st.text(st.characters(codec="utf-8", exclude_characters="/?#"), max_size=6),
)
AFTER = st.one_of(st.just(""), st.builds(lambda v: "?after=" + quote(v), value_for("after")))


@pytest.mark.django_db(transaction=True)
def test_websocket_paths_answer_hello_or_a_4xxx_close(tracebacks):
    world = build_world()
    moderator = User.objects.get(pk=world.users["moderator"].pk)
    loop = asyncio.new_event_loop()

    async def open_socket(path: str):
        communicator = WebsocketCommunicator(URLRouter(routing.websocket_urlpatterns), path)
        communicator.scope["user"] = moderator
        try:
            connected, _ = await communicator.connect(timeout=5)
            output = await communicator.receive_output(timeout=5)
        finally:
            await communicator.disconnect()
        if output["type"] == "websocket.close":
            return output.get("code")
        return json.loads(output["text"])["type"]

    # No shrinking: a crashed socket costs a timeout per try, and the first failure says enough.
    @settings(FUZZ, phases=[Phase.explicit, Phase.generate])
    @given(SEGMENTS, IDS, AFTER)
    def connect(segment, id_, after):
        path = "/ws/" + quote(segment, safe="/") + "/" + quote(id_) + "/" + after
        answer = loop.run_until_complete(open_socket(path))
        logged = tracebacks.take()
        assert answer == "hello" or 4000 <= answer < 5000, (path, answer)
        assert logged == [], path

    try:
        connect()
    finally:
        loop.close()
