"""
E-mail new notifications to the members who chose "à chaque notification":
``python manage.py send_notification_emails``.

Run it every minute (deploy/systemd/jekafo-notification-emails.timer). Each
notification is e-mailed at most once, even when two runs overlap: it is
claimed before it leaves (forum/services/emails.py).
"""

from typing import Any

from forum.management.sending import SendingCommand
from forum.services.emails import send_notification_emails


class Command(SendingCommand):
    help = (
        "Envoie par e-mail les nouvelles notifications des membres qui l'ont choisi "
        "(« à chaque notification »). Sans risque de doublon si on la relance."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_notification_emails()
        summary = (
            f"Notifications par e-mail : {counts['emailed']} envoyé(s), "
            f"{counts['skipped']} ignoré(s), {counts['failed']} échec(s)."
        )
        self.finish(summary, counts["failed"], "e-mail(s)")
