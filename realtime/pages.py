"""How much of a log one read or one frame carries (settings: RESUME_PAGE).

Its own module so that the socket code (consumers) and the process-wide
readers it uses (local_groups, thread_poll) read the same size without
importing each other.
"""

from django.conf import settings


def resume_page() -> int:
    """Changes (or posts) per page of a socket's backlog (settings: RESUME_PAGE)."""
    return max(1, int(settings.JEKAFO.get("RESUME_PAGE", 200)))
