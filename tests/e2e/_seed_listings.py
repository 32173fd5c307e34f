"""
Rows for the listings phone test (run beside tests/e2e/_seed.py, on the same database).

As ``python -m tests.e2e._seed_listings``: more webinar sessions, organisations and
threads new for Awa than one page holds, with long names. Prints one JSON line.
"""

import json


def main() -> None:
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from forum.models import Community, Organisation, User
    from tests.factories import make_thread
    from webinars import services as webinar_services

    community = Community.objects.get(slug="droits-fonciers")
    mariam = User.objects.get(username="mariam")
    kadidia = User.objects.get(username="kadidia")
    now = timezone.now()
    for number in range(24):
        for sign, word in ((1, "à venir"), (-1, "passée")):
            webinar_services.create_session(
                author=mariam,
                community=community,
                title=f"Séance {word} n° {number + 1} : accès des femmes rurales à la terre",
                starts_at=now + sign * timedelta(days=1 + number, hours=3),
                duration=90,
            )
    for number in range(34):
        Organisation.objects.create(
            name=f"Association des femmes juristes et paralégales de la région n° {number + 1}",
            slug=f"paralegales-{number + 1}",
            kind=Organisation.Kind.ASSOCIATION,
        )
    for number in range(28):
        make_thread(
            kadidia,
            community,
            title=f"Retour d'expérience n° {number + 1} : commissions foncières villageoises",
        )
    print(json.dumps({"sessions": 48, "organisations": 34, "threads": 28}))


if __name__ == "__main__":
    main()
