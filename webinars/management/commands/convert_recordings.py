"""
Convert the sessions' recordings waiting in the spool: ``python manage.py convert_recordings``.

Run every minute by a systemd timer (deploy/systemd/jekafo-recordings.timer), at
low priority: an hour of audio takes about a minute of one core. Two runs at once
convert each recording once (each is claimed by a conditional update); one that
died mid-way is taken again an hour later. Spool files that no recording names
(a crash between copy and save) are removed after two days.
"""

from typing import Any

from django.core.management.base import BaseCommand

from webinars.models import SessionRecording
from webinars.services.radio import cleanup_spool, convert_waiting_recordings


class Command(BaseCommand):
    help = "Convert uploaded session recordings to small Opus (replays)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = convert_waiting_recordings()
        for recording in done:
            if recording is None:
                continue
            if recording.status == SessionRecording.Status.READY:
                self.stdout.write(
                    f"session {recording.session_id}: {recording.duration:.0f} s, "
                    f"{recording.size} bytes"
                )
            else:
                self.stdout.write(f"session {recording.session_id}: {recording.status}")
        removed = cleanup_spool()
        if removed:
            self.stdout.write(f"{removed} orphan spool file(s) removed")
