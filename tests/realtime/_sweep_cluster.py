"""
Rows and actions for tests/realtime/test_sweep_outage.py, run in a subprocess
with the cluster's environment (as ``tests.realtime._daphne seed`` is).

``seed`` prints, as JSON, a private CoP with its salon and a public CoP with a
thread, and signed-in sessions of the people the test needs. ``act`` then
ends one session, removes a member from the private CoP and moves the thread
into it, through the application's own services.

Only the standard library is imported at module level.
"""

import json
import secrets
import sys


def _setup() -> None:
    import django

    django.setup()


def _session(user) -> tuple[str, str]:
    """A signed-in session of ``user``: its cookie header and its key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}", store.session_key


def seed() -> dict:
    _setup()
    from forum.models import Community, Membership, User
    from forum.services import threads as thread_services
    from rooms import services as room_services

    tag = secrets.token_hex(4)

    # Group names cross Redis, which other runs may share: random ids.
    def random_id() -> int:
        return secrets.randbelow(2**31 - 10**6) + 10**6

    private = Community.objects.create(
        pk=random_id(),
        name=f"Cercle privé {tag}",
        slug=f"prive-{tag}",
        summary="Privé.",
        visibility=Community.Visibility.PRIVATE,
    )
    public = Community.objects.create(
        pk=random_id(),
        name=f"Place publique {tag}",
        slug=f"public-{tag}",
        summary="Public.",
        visibility=Community.Visibility.PUBLIC,
    )
    room = room_services.ensure_salon(private)

    def person(name: str, *, private_role=None, public_role=Membership.Role.MEMBER):
        user = User.objects.create_user(
            pk=random_id(), username=f"{name}-{tag}", display_name=name.title(), password=None
        )
        if private_role:
            Membership.objects.create(user=user, community=private, role=private_role)
        if public_role:
            Membership.objects.create(user=user, community=public, role=public_role)
        return user

    moderator = person(
        "fatoumata",
        private_role=Membership.Role.MODERATOR,
        public_role=Membership.Role.MODERATOR,
    )
    awa = person("awa", private_role=Membership.Role.MEMBER)
    kadidia = person("kadidia", private_role=Membership.Role.MEMBER)
    bintou = person("bintou", private_role=Membership.Role.MEMBER)
    reader = person("mariam")  # of the public CoP only
    thread = thread_services.create_thread(
        author=moderator, community=public, title="Où se réunir ?", body="Proposez un lieu."
    )
    awa_cookie, awa_key = _session(awa)
    _other_cookie, other_key = _session(awa)  # her phone, from which she signs the tab out
    return {
        "room": room.pk,
        "thread": thread.pk,
        "private": private.pk,
        "moderator": {"id": moderator.pk, "cookie": _session(moderator)[0]},
        "awa": {"id": awa.pk, "cookie": awa_cookie, "key": awa_key, "other_key": other_key},
        "kadidia": {"id": kadidia.pk, "cookie": _session(kadidia)[0]},
        "bintou": {"id": bintou.pk, "cookie": _session(bintou)[0]},
        "reader": {"id": reader.pk, "cookie": _session(reader)[0]},
    }


def act(seeded: dict) -> None:
    """End Awa's tab from her phone, remove Bintou, move the thread into the private CoP."""
    _setup()
    from forum.models import Community, Membership, Thread, User
    from forum.services import communities as community_services
    from forum.services import security
    from forum.services import threads as thread_services

    awa = User.objects.get(pk=seeded["awa"]["id"])
    security.end_session(
        user=awa,
        handle=security.session_handle(seeded["awa"]["key"]),
        current_key=seeded["awa"]["other_key"],
    )
    moderator = User.objects.get(pk=seeded["moderator"]["id"])
    membership = Membership.objects.get(
        user_id=seeded["bintou"]["id"], community_id=seeded["private"]
    )
    community_services.remove_member(moderator=moderator, membership=membership)
    thread_services.move_thread(
        moderator=moderator,
        thread=Thread.objects.get(pk=seeded["thread"]),
        target=Community.objects.get(pk=seeded["private"]),
    )


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "seed":
        print(json.dumps(seed()))
    elif command == "act":
        act(json.loads(arguments[0]))
    else:
        raise SystemExit(f"unknown command: {command}")
