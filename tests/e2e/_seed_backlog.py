"""
A salon with a long backlog, for tests/e2e/test_resume_browser.py.

Run as ``python -m tests.e2e._seed_backlog <count>`` with the server's
environment: a public CoP of its own whose salon holds ``count`` messages
(written in bulk with their room events, as if sent over a long day), Awa a
member; prints one JSON line.
"""

import json
import sys


def main(count: int) -> None:
    import django

    django.setup()
    from django.db import transaction
    from django.utils.html import escape

    from forum.models import Community, Membership, User
    from rooms import services as room_services
    from rooms.models import Message, Room, RoomEvent
    from tests.factories import make_community, make_membership

    awa = User.objects.get(username="awa")
    community = make_community(
        name="Longue journée au salon",
        slug="longue-journee",
        visibility=Community.Visibility.PUBLIC,
    )
    make_membership(awa, community, Membership.Role.MEMBER)
    room = room_services.ensure_salon(community)
    with transaction.atomic():
        Message.objects.bulk_create(
            Message(
                room=room,
                author=awa,
                seq=n,
                body=f"Message {n}",
                body_html=escape(f"Message {n}"),
            )
            for n in range(1, count + 1)
        )
        RoomEvent.objects.bulk_create(
            RoomEvent(room=room, seq=seq, kind=RoomEvent.Kind.MESSAGE, object_id=pk)
            for pk, seq in Message.objects.filter(room=room).values_list("pk", "seq")
        )
        Room.objects.filter(pk=room.pk).update(last_seq=count)
    print(json.dumps({"salon_url": f"/communautes/{community.slug}/salon/", "count": count}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
