"""
The frame of the commands that send what is due (digests, notification e-mails,
webinar reminders): each prints a summary of its counts, and when some could
not leave it prints the summary as a warning and fails (exit status 1), so
that the systemd timer's unit shows the failure. What failed is not sent again.

webinars' reminders command uses it too (imports go webinars -> forum).
"""

from django.core.management.base import BaseCommand, CommandError


class SendingCommand(BaseCommand):
    def finish(self, summary: str, failed: int, what: str, *, success: bool = False) -> None:
        """Print ``summary`` (in the success style when ``success``), or, when ``failed``
        items (``what``, e.g. "résumé(s)") could not leave, warn and raise CommandError."""
        if failed:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(
                f"{failed} {what} n'ont pas pu partir (voir le journal) ; "
                "ils ne seront pas renvoyés."
            )
        self.stdout.write(self.style.SUCCESS(summary) if success else summary)
