"""
Rows for the unread browser test (run beside tests/e2e/_seed.py, on the same database).

As ``python -m tests.e2e._seed_unread``: Kadidia opens threads and answers, mentions
Awa, Awa registers to the coming webinar and has read some of it. Prints one JSON line.
"""

import json


def main() -> None:
    import django

    django.setup()
    from forum.models import Community, ThreadRead, User
    from tests.factories import make_post, make_thread
    from webinars import services as webinar_services
    from webinars.models import Session

    community = Community.objects.get(slug="droits-fonciers")
    awa = User.objects.get(username="awa")
    kadidia = User.objects.get(username="kadidia")
    read_to_end = make_thread(kadidia, community, title="Cadastre rural : où s'adresser ?")
    make_post(kadidia, read_to_end, body="Au service des domaines du cercle.")
    read_to_end.refresh_from_db()
    ThreadRead.objects.create(user=awa, thread=read_to_end, last_read_seq=read_to_end.last_seq)
    answered = make_thread(
        kadidia, community, title="Modèle de demande d'attestation de propriété coutumière"
    )
    ThreadRead.objects.create(user=awa, thread=answered, last_read_seq=1)
    for body in ("Voici le nôtre, en pièce jointe bientôt.", "Merci, il nous sera utile."):
        make_post(kadidia, answered, body=body)
    make_post(kadidia, answered, body=f"@[{awa.display_name}] peux-tu relire le modèle ?")
    make_thread(kadidia, community, title="Héritage : la part des veuves devant le tribunal")
    soon = Session.objects.get(title__startswith="Webinaire Kati")
    webinar_services.register(user=awa, session=soon, region=_region())
    print(json.dumps({"answered": answered.pk, "answered_url": answered.get_absolute_url()}))


def _region():
    from forum.models import Region

    return Region.objects.get_or_create(slug="segou", defaults={"name": "Ségou"})[0]


if __name__ == "__main__":
    main()
