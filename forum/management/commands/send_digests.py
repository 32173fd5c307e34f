"""
Send the daily and weekly digests of notifications: ``python manage.py send_digests``.

A day ends at 7:00 in Bamako, a week at 7:00 on Monday; each run sends the
digests of the last complete period not sent yet, once per member and
period, whatever the number of runs (deploy/systemd/jekafo-digests.timer
runs it every hour, so a run missed is made up within the day).
"""

from typing import Any

from forum.management.sending import SendingCommand
from forum.services.emails import send_digests


class Command(SendingCommand):
    help = (
        "Envoie les résumés quotidiens (7 h, heure de Bamako) et hebdomadaires (lundi) des "
        "notifications. Sans risque de doublon si on la relance."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_digests()
        summary = (
            f"Résumés : {counts['daily']} quotidien(s), {counts['weekly']} hebdomadaire(s), "
            f"{counts['empty']} sans nouveauté, {counts['skipped']} ignoré(s), "
            f"{counts['failed']} échec(s)."
        )
        self.finish(summary, counts["failed"], "résumé(s)")
