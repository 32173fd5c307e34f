"""
Rows for the browser tests, written by the application's own models and services.

Run as ``python -m tests.e2e._seed`` with the server's environment (the
shared database): prints one JSON line describing what it created. Only the
standard library is imported at module level; Django is set up in ``main``.
"""

import json


def main() -> None:
    import django

    django.setup()
    from forum.models import Community, Membership
    from rooms import services as room_services
    from tests.factories import (
        PASSWORD,
        make_community,
        make_membership,
        make_post,
        make_thread,
        make_user,
    )

    community = make_community(
        name="Droits fonciers des femmes",
        slug="droits-fonciers",
        visibility=Community.Visibility.PUBLIC,
    )
    awa = make_user(username="awa", display_name="Awa Traoré")
    kadidia = make_user(username="kadidia", display_name="Kadidia Keita")
    # A third member who only reads (the report test watches the thread with her).
    oumou = make_user(username="oumou", display_name="Oumou Diallo")
    for user in (awa, kadidia, oumou):
        make_membership(user, community, Membership.Role.MEMBER)
    thread = make_thread(awa, community, title="Loi 052 : où en est-on ?")
    # Two replies to the opening post, so that a reply to the first one
    # belongs between them in depth-first order, not at the end.
    first = make_post(kadidia, thread, body="À Kati, la commission foncière s'est réunie.")
    second = make_post(awa, thread, body="À Ségou, rien de nouveau depuis mars.")
    room = room_services.ensure_salon(community)
    thread.refresh_from_db()
    # A webinar session under way, its room open, with a moderator.
    from datetime import timedelta

    from django.utils import timezone

    from webinars import services as webinar_services

    mariam = make_user(username="mariam", display_name="Mariam Sangaré")
    make_membership(mariam, community, Membership.Role.MODERATOR)
    session = webinar_services.create_session(
        author=mariam,
        community=community,
        title="Webinaire Ségou–Kayes : la loi 052",
        starts_at=timezone.now() - timedelta(minutes=5),
        duration=180,
    )
    # And one whose room opens in an hour and a half.
    soon = webinar_services.create_session(
        author=mariam,
        community=community,
        title="Webinaire Kati–Koulikoro : les comités de veille",
        starts_at=timezone.now() + timedelta(hours=2),
        duration=90,
    )
    # What the moderator pages show (tests/e2e/test_moderator_phone_browser.py): a member
    # with long names under a mute, a pending request, an invitation, their log lines.
    from forum import services as forum_services
    from forum.models import Organisation

    organisation = Organisation.objects.create(
        name="Association des juristes maliennes pour les droits des femmes et des filles",
        slug="ajm-droits-femmes",
        kind=Organisation.Kind.ASSOCIATION,
    )
    muted = make_user(
        username="oumou-k",
        display_name="Oumou Kadiatou Sangaré-Diallo de Bandiagara",
        organisation=organisation,
    )
    make_membership(muted, community, Membership.Role.MEMBER)
    forum_services.sanction_member(
        moderator=mariam,
        community=community,
        user=muted,
        kind="mute",
        duration="7d",
        reason="Propos blessants répétés envers d'autres membres dans plusieurs discussions",
    )
    fanta = make_user(username="fanta", display_name="Fanta Coulibaly", organisation=organisation)
    forum_services.request_to_join(
        user=fanta, community=community, message="Je travaille sur le foncier à Kayes depuis 2019."
    )
    invitation = forum_services.create_invitation(moderator=mariam, community=community)
    forum_services.revoke_invitation(moderator=mariam, invitation=invitation)
    forum_services.create_invitation(moderator=mariam, community=community)
    print(
        json.dumps(
            {
                "password": PASSWORD,
                "oumou_membership": Membership.objects.get(user=muted, community=community).pk,
                "a": {"username": awa.username, "name": awa.display_name, "id": awa.pk},
                "b": {"username": kadidia.username, "name": kadidia.display_name, "id": kadidia.pk},
                "c": {"username": oumou.username, "name": oumou.display_name, "id": oumou.pk},
                "m": {"username": mariam.username, "name": mariam.display_name, "id": mariam.pk},
                "webinar_room": f"/webinaires/{session.pk}/salle/",
                "upcoming_room": f"/webinaires/{soon.pk}/salle/",
                "community": community.slug,
                "room": room.pk,
                "thread_url": thread.get_absolute_url(),
                "first_reply": {"id": first.pk, "path": first.path},
                "second_reply": {"id": second.pk, "path": second.path},
            }
        )
    )


if __name__ == "__main__":
    main()
