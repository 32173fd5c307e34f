"""The forum's sections of the signed-in home page (see ``forum.home_sections``)."""

from .home_sections import HomeSection, register
from .models import User
from .unread import NEWS_WINDOW, list_moderation_waiting, list_new_threads, list_unread_mentions

# Threads shown on the home page; the rest is on "Nouveautés" (forum/unread_views.py).
NEW_THREADS_SHOWN = 10
# The home looks for them among her CoPs' threads last active (a fixed cost); older
# unread threads are on "Nouveautés", as are the rest of these.
NEW_THREADS_SEARCHED = NEWS_WINDOW
MENTIONS_SHOWN = 5


def _new_threads(user: User) -> dict:
    found = list_new_threads(user, among_latest=NEW_THREADS_SEARCHED)
    threads = list(found[: NEW_THREADS_SHOWN + 1])
    return {"threads": threads[:NEW_THREADS_SHOWN], "more": len(threads) > NEW_THREADS_SHOWN}


def _mentions(user: User) -> dict:
    return {"mentions": list_unread_mentions(user, MENTIONS_SHOWN)}


def _moderation(user: User) -> dict:
    moderated = list_moderation_waiting(user)
    waiting = [c for c in moderated if c.pending_posts or c.open_cases or c.waiting_requests]
    return {"moderates": bool(moderated), "waiting": waiting}


def register_forum_sections() -> None:
    register(HomeSection("new", "forum/home/new_threads.html", _new_threads, order=10))
    register(HomeSection("mentions", "forum/home/mentions.html", _mentions, order=20))
    register(HomeSection("moderation", "forum/home/moderation.html", _moderation, order=40))


# Her reading marks are hers: the "my data" download lists them, account deletion erases them.


def _export_reading(user: User) -> list:
    from .frames import iso_time
    from .models import Thread, ThreadRead
    from .selectors import visible_communities_q

    visible = set(
        Thread.objects.filter(visible_communities_q(user, "community__"))
        .filter(reads__user=user)
        .values_list("pk", flat=True)
    )
    return [
        {
            "thread_id": mark.thread_id,
            # The title only of a thread she may still see (it may have moved since).
            "thread": mark.thread.title if mark.thread_id in visible else None,
            "last_read_post_number": mark.last_read_seq,
            "updated_at": iso_time(mark.updated_at),
        }
        for mark in ThreadRead.objects.filter(user=user).select_related("thread").order_by("pk")
    ]


def _erase_reading(user: User, erase_content: bool) -> None:
    from .models import ThreadRead

    ThreadRead.objects.filter(user=user).delete()


def register_reading_data() -> None:
    from .data_sections import Section
    from .data_sections import register as register_data

    register_data(Section(name="reading", export=_export_reading, erase=_erase_reading))
