"""How much of a log one read or one frame carries (settings: RESUME_PAGE).

Its own module so that the socket code (consumers) and the process-wide
readers it uses (local_groups, thread_poll) read the same size without
importing each other.
"""

import threading
import time

from django.conf import settings


def resume_page() -> int:
    """Changes (or posts) per page of a socket's backlog (settings: RESUME_PAGE)."""
    return max(1, int(settings.JEKAFO.get("RESUME_PAGE", 200)))


class RecentPages:
    """First pages of a room's log read lately: one read for a crowd resuming from the same seq.

    A page of a room's log is the same for every reader (frames are drawn
    per room, never per reader: gap fills share them already) and, for a
    given newest seq, the same whenever it is read, since every change to a
    room takes a new seq. When a process restarts or a region's network comes
    back, hundreds of sockets resume from the same few seqs: the first reads
    the page, the others take it for ``KEEP`` seconds. The key also holds the
    room's creation time, so a room made again with the same id (a test
    database rolled back) never meets an older room's page.

    Only the first page of a handshake is kept; the pages a client asks for
    next (``more``) and gap fills are shared while being read (``read_page``).
    """

    KEEP = 2.0  # seconds
    # Pages kept at most (each up to RESUME_PAGE frames): a crowd resumes from a few seqs.
    SIZE = 16

    def __init__(self) -> None:
        self._pages: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()
        self.read = 0  # pages read from the database
        self.shared = 0  # pages given again

    def get(self, key: tuple, read):
        """The page of ``key``: kept from a read of the last ``KEEP`` seconds, or ``read()``."""
        now = time.monotonic()
        with self._lock:
            entry = self._pages.get(key)
            if entry is not None and entry[0] > now:
                self.shared += 1
                return entry[1]
        page = read()
        with self._lock:
            self.read += 1
            for old in [k for k, (until, _page) in self._pages.items() if until <= now]:
                del self._pages[old]
            while len(self._pages) >= self.SIZE:
                del self._pages[next(iter(self._pages))]  # the oldest
            self._pages[key] = (now + self.KEEP, page)
        return page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


recent_pages = RecentPages()
