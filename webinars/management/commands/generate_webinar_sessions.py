"""
Create the sessions each webinar series' rule gives for the coming year or so.

``python manage.py generate_webinar_sessions``: safe to run again (daily, say);
it adds only the sessions that are missing, and never brings back one that was
moved or cancelled.
"""

from typing import Any

from django.core.management.base import BaseCommand

from webinars.models import Series
from webinars.services import generate_sessions


class Command(BaseCommand):
    help = (
        "Crée les séances à venir de chaque série de webinaires selon sa règle de "
        "répétition. Peut être relancée : seules les séances manquantes sont créées."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        series_count = 0
        for series in Series.objects.select_related("community", "created_by").order_by("pk"):
            created += len(generate_sessions(series))
            series_count += 1
        self.stdout.write(f"{created} séance(s) créée(s) pour {series_count} série(s).")
