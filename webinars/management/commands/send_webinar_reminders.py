"""
Send the webinar reminders that are due: ``python manage.py send_webinar_reminders``.

Run it every 5 to 10 minutes (cron or a systemd timer, see docs/reminders.md).
A second run, or two runs at once, send nothing twice. ``--dry-run`` lists
what would be sent without sending or writing anything; ``--now`` replays a
given moment (tests, or catching up after an outage).
"""

from argparse import ArgumentTypeError
from datetime import datetime
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from forum.management.sending import SendingCommand
from webinars.services.reminders import list_due_reminders, send_due_reminders


def parse_moment(value: str) -> datetime:
    """Read an ISO 8601 date and time; without an offset it is in the site's zone (UTC+0)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise ArgumentTypeError(f"date ISO 8601 invalide : {value!r}") from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(SendingCommand):
    help = (
        "Envoie les rappels de webinaire dus (la veille et une heure avant) : notification "
        "sur le site et e-mail. Sans risque de doublon si on la relance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche ce qui serait envoyé, sans rien envoyer ni écrire.",
        )
        parser.add_argument(
            "--now",
            type=parse_moment,
            default=None,
            metavar="ISO8601",
            help="Fait comme s'il était ce moment-là (ex. 2025-03-11T10:00:00+00:00).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = options["now"] or timezone.now()
        if options["dry_run"]:
            self._dry_run(now)
            return
        counts = send_due_reminders(now=now)
        sent = counts["24h"] + counts["1h"]
        summary = (
            f"Rappels : {sent} envoyé(s) (24h : {counts['24h']}, 1h : {counts['1h']}), "
            f"{counts['emailed']} e-mail(s), {counts['skipped']} ignoré(s), "
            f"{counts['failed']} échec(s) d'e-mail."
        )
        self.finish(summary, counts["failed"], "e-mail(s) de rappel", success=bool(sent))

    def _dry_run(self, now: datetime) -> None:
        due = list_due_reminders(now=now)
        for reminder in due:
            session, user = reminder.session, reminder.user
            channel = "notification + e-mail" if user.email else "notification seule"
            self.stdout.write(
                f"{reminder.kind:>3}  séance {session.pk} « {session.title} » "
                f"({session.starts_at:%Y-%m-%d %H:%M} UTC) → membre {user.pk} "
                f"{user.display_name} : {channel}"
            )
        self.stdout.write(f"Simulation : {len(due)} rappel(s) à envoyer, rien n'a été écrit.")
