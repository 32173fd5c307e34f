"""
The frame the sending commands share (forum/management/sending.py): a summary,
and when some could not leave, the summary as a warning and exit status 1.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from forum.management.commands import send_digests, send_notification_emails

DIGESTS = {"daily": 2, "weekly": 1, "empty": 0, "skipped": 0, "failed": 0}
EMAILS = {"emailed": 3, "skipped": 1, "failed": 0}


@pytest.mark.parametrize(
    ("module", "function", "counts", "summary", "failure"),
    [
        (send_digests, "send_digests", DIGESTS, "Résumés : 2 quotidien(s)", "2 résumé(s) n'ont"),
        (
            send_notification_emails,
            "send_notification_emails",
            EMAILS,
            "Notifications par e-mail : 3 envoyé(s)",
            "2 e-mail(s) n'ont",
        ),
    ],
)
def test_a_failure_is_a_warning_and_exit_status_1(
    monkeypatch, module, function, counts, summary, failure
):
    monkeypatch.setattr(module, function, lambda: counts)
    out = StringIO()
    call_command(function, stdout=out)
    assert summary in out.getvalue()

    monkeypatch.setattr(module, function, lambda: {**counts, "failed": 2})
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(function, stdout=out)
    assert str(raised.value).startswith(failure)
    assert str(raised.value).endswith("(voir le journal) ; ils ne seront pas renvoyés.")
    assert summary in out.getvalue() and "2 échec(s)" in out.getvalue()
