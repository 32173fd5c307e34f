"""
The JSON endpoints, fuzzed: 200 generated bodies each, every answer a frame, never a 500.

The endpoints are the routes whose access-matrix rule posts JSON (the room
doors: a CoP's salon and ``POST /salles/<id>/action/``), the action door once
per kind of room (a salon and a webinar room, whose tables differ). Bodies
are frames of the room's actions (fields right, wrong, missing, extra), JSON
of any shape, deep nesting, huge numbers, ``NaN``/``Infinity`` as text,
frames over 16 KB, and bytes that are not UTF-8. The answer must be JSON with
``type`` ``ack`` or ``error`` and the status the protocol gives its code.
(Every other POST route also gets JSON bodies, in tests/fuzz/test_forms.py.)
"""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given

from rooms import actions

from ..test_access_matrix import RULES
from .strategies import FUZZ, json_body


def json_targets() -> list[tuple[str, str]]:
    """(route name, room) for every JSON route, the action door once per room kind."""
    targets = []
    for name, rule in sorted(RULES.items()):
        if rule.json:
            rooms = ["salon", "webinar_room"] if name == "room_action" else ["salon"]
            targets += [(name, room) for room in rooms]
    return targets


@pytest.fixture
def unlimited(settings):
    settings.JEKAFO = {**settings.JEKAFO, "CHAT_RATE": (100_000, 1)}


@pytest.mark.parametrize(("name", "room"), json_targets())
def test_json_post_answers_a_frame(name, room, world, tracebacks, unlimited):
    room = world[room]
    target = (
        reverse("room_action", args=[room.pk]) if name == "room_action" else RULES[name].url(world)
    )
    client = Client(raise_request_exception=False)
    client.force_login(world.users["moderator"])
    table = [actions.find(room, n) for n in actions.names_for(room)]

    @FUZZ
    @given(json_body(table))
    def post(body):
        cache.clear()
        with transaction.atomic():
            response = client.generic(
                "POST",
                target,
                body,
                content_type="application/json",
                headers={"accept": "application/json"},
            )
            transaction.set_rollback(True)
        logged = tracebacks.take()
        assert response.status_code < 500, (response.status_code, body[:300])
        frame = response.json()
        assert frame["type"] in {"ack", "error"}, frame
        assert response.status_code == actions.status_of(frame), frame
        assert logged == []

    post()
