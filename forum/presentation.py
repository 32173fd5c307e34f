"""
What a list of posts needs to be drawn: links and the viewer's rights.

The thread page draws up to POSTS_PER_PAGE posts with up to nine links each;
calling ``reverse()`` for every one of them was a tenth of the page's time.
Each URL pattern is reversed once per call here, with a sentinel id, and the
links are then plain string formatting.
"""

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from . import permissions as perms
from .models import Post, Thread, User
from .post_html import PostDrawer

_SENTINEL = 2_147_483_647
_POST_LINKS = {
    "url": "post",
    "reply_url": "post_reply",
    "edit_url": "post_edit",
    "delete_url": "post_delete",
    "history_url": "post_history",
    "hide_url": "post_hide",
    "restore_url": "post_restore",
    "split_url": "post_split",
}

_FILE_LINKS = {
    "post_file": "url",
    "post_file_preview": "preview_url",
    "post_file_transcript": "transcript_url",
}


def url_pattern(name: str) -> str:
    """Return the URL of ``name`` for one integer argument, as a ``str.format`` pattern."""
    return reverse(name, args=[_SENTINEL]).replace(str(_SENTINEL), "{}")


def _file_pattern(name: str) -> str:
    """The URL of a post's file ``name`` as a pattern of two ``str.format`` fields."""
    url = reverse(name, args=[_SENTINEL, _SENTINEL - 1])
    return url.replace(str(_SENTINEL), "{0}", 1).replace(str(_SENTINEL - 1), "{1}", 1)


def file_patterns() -> dict[str, str]:
    """The links of a post's file, as patterns of (post id, file id)."""
    return {attribute: _file_pattern(name) for name, attribute in _FILE_LINKS.items()}


def attachments_of(
    post: Post, patterns: dict[str, str] | None = None, files: list | None = None
) -> list:
    """The files of ``post`` with their links, for those who may read it (else none).

    ``files``: the post's files when already loaded (a page's, in one query).
    """
    if not post.show_body:
        return []  # a hidden or deleted post's files are listed to no one who cannot read it
    files = list(post.files.all()) if files is None else files
    if files:
        patterns = patterns or file_patterns()
        for attached in files:
            for attribute, pattern in patterns.items():
                setattr(attached, attribute, pattern.format(post.pk, attached.pk))
    return files


def prepare_posts(
    user: User | None, thread: Thread, posts: Iterable[Post], files: dict | None = None
) -> list[Post]:
    """Attach links and the viewer's rights to each post of ``thread``.

    ``files``: the posts' files by post id (selectors.files_of_posts), else
    each post's ``files`` are read (prefetched or not).
    """
    patterns = {attribute: url_pattern(name) for attribute, name in _POST_LINKS.items()}
    profile = url_pattern("profile")
    report = reverse("report", args=["post", _SENTINEL]).replace(str(_SENTINEL), "{}")
    # An author's organisation is shown to the members of the thread's CoP, if they chose so.
    member_here = perms.can_view_members(user, thread.community)
    shows_org: dict[int | None, bool] = {}  # by author: a page has many posts, few authors
    rights = perms.post_rights_on(user, thread)
    links = file_patterns()
    prepared = []
    for post in posts:
        post.thread = thread  # already loaded; permission checks read thread.community
        for attribute, pattern in patterns.items():
            setattr(post, attribute, pattern.format(post.pk))
        post.author_url = profile.format(post.author_id) if post.author_id else ""
        post.report_url = report.format(post.pk)
        if post.author_id not in shows_org:
            shows_org[post.author_id] = _shows_organisation(user, post.author, member_here)
        post.show_org = shows_org[post.author_id]
        post.parent_url = patterns["url"].format(post.parent_id) if post.parent_id else ""
        post.show_body, post.can_edit, post.can_delete = rights(post)
        post.attachments = attachments_of(
            post, links, None if files is None else files.get(post.pk, [])
        )
        prepared.append(post)
    return prepared


def _shows_organisation(viewer: User | None, author: User | None, member_here: bool) -> bool:
    if author is None or author.organisation_id is None or author.deleted_at is not None:
        return False
    if viewer is not None and viewer.is_authenticated and viewer.pk == author.pk:
        return True
    return member_here and perms.shows_to(viewer, author, author.show_organisation)


# Live pushes: the same partial, drawn once per audience instead of per reader.
READER, MEMBER, MODERATOR = "reader", "member", "moderator"
AUDIENCES = (READER, MEMBER, MODERATOR)


def audience_of(user: User | None, thread: Thread) -> str:
    """Which variant of a pushed post ``user`` receives on ``thread``."""
    if perms.can_moderate_community(user, thread.community):
        return MODERATOR
    if perms.can_post_in_community(user, thread.community):
        return MEMBER
    return READER


def render_post_for(post: Post, thread: Thread, audience: str, language: str) -> str:
    """Draw ``post`` as the thread page does (forum/post_html.py), as ``audience`` sees it.

    Rights that depend on the reader (editing and deleting one's own post)
    become links marked ``data-owner`` and ``hidden``; the client shows them
    to their owner. The server checks every action anyway.
    """
    [post] = prepare_posts(None, thread, [post])
    moderator = audience == MODERATOR
    post.show_body = not post.is_deleted and (not post.is_hidden or moderator)
    post.attachments = attachments_of(post)
    post.can_edit = moderator and not post.is_deleted
    post.can_delete = False
    post.show_org = _shows_organisation(None, post.author, audience != READER)
    post.owner_links = audience != READER and not post.is_deleted and not post.is_hidden
    with translation.override(language):
        # No reader, so no CSRF field: the client adds its page's token to the forms.
        drawer = PostDrawer(
            can_reply=moderator or (audience == MEMBER and not thread.is_locked),
            can_moderate=moderator,
            max_depth=settings.JEKAFO["MAX_VISIBLE_DEPTH"],
        )
        return str(drawer.draw(post))
