"""
Seed the backup test's database through the app's own services, in a subprocess with
that database's environment: ``python -m tests.deploy._seed``. Prints the ids as JSON.
"""

import json
import secrets
from datetime import timedelta


def main() -> None:
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from forum.models import Community, Membership, User
    from forum.services.threads import create_post, create_thread
    from webinars import services as webinar_services

    tag = secrets.token_hex(4)
    community = Community.objects.create(
        name=f"Sauvegarde {tag}",
        slug=f"sauvegarde-{tag}",
        summary="Une CdP pour la sauvegarde.",
        visibility=Community.Visibility.PRIVATE,
    )
    moderator = User.objects.create_user(
        username=f"sauvegarde-{tag}", display_name="Awa la modératrice", password=None
    )
    Membership.objects.create(user=moderator, community=community, role=Membership.Role.MODERATOR)
    thread = create_thread(
        author=moderator,
        community=community,
        title=f"Plan d'action loi 052 {tag}",
        body="Premier message : **le plan** de la CdP.",
    )
    reply = create_post(
        author=moderator, thread=thread, parent=None, body=f"Réponse conservée {tag}"
    )
    session = webinar_services.create_session(
        author=moderator,
        community=community,
        title=f"Atelier {tag}",
        starts_at=timezone.now() + timedelta(days=3),
        duration=60,
    )
    content = f"Compte rendu {tag}\n".encode() * 100
    document = webinar_services.add_document(
        author=moderator,
        session=session,
        title="Compte rendu",
        file=ContentFile(content, name="compte-rendu.txt"),
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(moderator.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = moderator.get_session_auth_hash()
    store.save()
    print(
        json.dumps(
            {
                "thread_url": thread.get_absolute_url(),
                "title": thread.title,
                "reply": reply.body,
                "document_id": document.pk,
                "file_name": document.file.name,
                "file_content": content.decode(),
                "cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}",
            }
        )
    )


if __name__ == "__main__":
    main()
