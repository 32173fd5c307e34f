"""
What a list of posts needs to be drawn: links and the viewer's rights.

The thread page draws up to POSTS_PER_PAGE posts with up to nine links each;
calling ``reverse()`` for every one of them was a tenth of the page's time.
Each URL pattern is reversed once per call here, with a sentinel id, and the
links are then plain string formatting.
"""

from collections.abc import Iterable

from django.urls import reverse

from . import permissions as perms
from .models import Post, Thread, User

_SENTINEL = 2_147_483_647
_POST_LINKS = {
    "url": "post",
    "reply_url": "post_reply",
    "edit_url": "post_edit",
    "delete_url": "post_delete",
    "history_url": "post_history",
    "hide_url": "post_hide",
    "restore_url": "post_restore",
}


def url_pattern(name: str) -> str:
    """Return the URL of ``name`` for one integer argument, as a ``str.format`` pattern."""
    return reverse(name, args=[_SENTINEL]).replace(str(_SENTINEL), "{}")


def prepare_posts(user: User | None, thread: Thread, posts: Iterable[Post]) -> list[Post]:
    """Attach links and the viewer's rights to each post of ``thread``."""
    patterns = {attribute: url_pattern(name) for attribute, name in _POST_LINKS.items()}
    profile = url_pattern("profile")
    prepared = []
    for post in posts:
        post.thread = thread  # already loaded; permission checks read thread.community
        for attribute, pattern in patterns.items():
            setattr(post, attribute, pattern.format(post.pk))
        post.author_url = profile.format(post.author_id) if post.author_id else ""
        post.parent_url = patterns["url"].format(post.parent_id) if post.parent_id else ""
        post.show_body = perms.can_view_post_body(user, post)
        post.can_edit = perms.can_edit_post(user, post)
        post.can_delete = perms.can_delete_post(user, post)
        prepared.append(post)
    return prepared
