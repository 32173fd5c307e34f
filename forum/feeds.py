"""
What the Atom feeds hold: reads that apply the visibility rules of a feed.

Feed readers cannot sign in, and they are often third-party services that
keep what they fetch. So a public feed is read as a visitor sees the site
(public CoPs only), and a member's personal feed carries a secret token in its
address instead of a session; each fetch re-checks what the token's owner may
see at that moment. An entry is a post: the latest ``FEED_ENTRIES`` published
posts (an opening post announces a new thread, a reply a new answer), so one
subscription tells a member both. Hidden, pending and deleted posts, posts of
pending threads, and anything in a CoP the reader may not see never appear.
Each feed is a fixed number of queries whatever its number of entries.
"""

import re

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import (
    Community,
    CommunityFollow,
    FeedToken,
    FollowLevel,
    Membership,
    Post,
    Tag,
    Thread,
    User,
)
from .selectors import access_community, access_tag, banned_community_ids, visible_communities_q

# Entries in a feed: enough for a member who reads once a week, light on costly data.
FEED_ENTRIES = 30

# What ``secrets.token_urlsafe`` makes; anything else is not a token (and never reaches SQL).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _published_posts() -> QuerySet[Post]:
    return Post.objects.filter(
        deleted_at__isnull=True,
        hidden_at__isnull=True,
        is_pending=False,
        thread__is_pending=False,
    )


def _latest(posts: QuerySet[Post]) -> QuerySet[Post]:
    # Newest first by id: the primary key's index gives the first N matches, and ids
    # follow creation order (merges and splits keep a post's id).
    return (
        posts.select_related("thread__community", "author")
        .prefetch_related("thread__tags")
        .order_by("-pk")[:FEED_ENTRIES]
    )


def access_public_feed_community(slug: str) -> Community:
    """A CoP whose public feed exists: a public one. A private CoP is a 404, for anyone."""
    return access_community(None, slug)


def list_community_feed(community: Community) -> QuerySet[Post]:
    """The latest published posts of a public CoP (nothing for a private one)."""
    posts = _published_posts().filter(
        visible_communities_q(None, "thread__community__"), thread__community=community
    )
    return _latest(posts)


def access_public_feed_tag(slug: str) -> Tag:
    """A tag a visitor may see (used in a public CoP, or by an organisation), else 404."""
    tag, _threads, _organisations = access_tag(None, slug)
    return tag


def list_tag_feed(tag: Tag) -> QuerySet[Post]:
    """
    The latest published posts of threads under ``tag`` in public CoPs.

    Sensible CoPs stay out of tag feeds: a "something new" entry under a
    tag would still tell a feed reader's service what a sensible CoP talks about.
    """
    posts = _published_posts().filter(
        visible_communities_q(None, "thread__community__"),
        thread__community__sensitive=False,
        thread__tags=tag,
    )
    return _latest(posts)


def access_feed_owner(token: str) -> User:
    """The active member a personal feed token belongs to; anything else is a 404."""
    if not token or not _TOKEN.fullmatch(token):
        raise Http404
    found = FeedToken.objects.select_related("user").filter(token=token).first()
    if found is None or not found.user.is_active or found.user.deleted_at is not None:
        raise Http404
    return found.user


def member_feed_communities_q(user: User, prefix: str = "") -> Q:
    """The CoPs of a member's personal feed, judged at each fetch.

    Those she belongs to now, and the public ones she follows (not muted)
    without belonging to them; never one she is banned from, nor one she may
    not see now (a followed CoP made private leaves her feed at once).
    """
    banned = banned_community_ids(user)
    member_of = Membership.objects.filter(user=user).exclude(community_id__in=banned)
    followed_public = (
        CommunityFollow.objects.filter(user=user, community__visibility=Community.Visibility.PUBLIC)
        .exclude(level=FollowLevel.MUTED)
        .exclude(community_id__in=banned)
    )
    chosen = Q(**{f"{prefix}pk__in": member_of.values("community_id")}) | Q(
        **{f"{prefix}pk__in": followed_public.values("community_id")}
    )
    return chosen & visible_communities_q(user, prefix)


def list_member_feed(user: User) -> QuerySet[Post]:
    """The latest published posts of the member's CoPs (private ones included) and followed ones."""
    posts = _published_posts().filter(member_feed_communities_q(user, "thread__community__"))
    return _latest(posts)


def feed_token_of(user: User | None) -> FeedToken | None:
    """The member's feed token, if she made one (a visit never makes it)."""
    if user is None or not user.is_authenticated:
        return None
    return FeedToken.objects.filter(user=user).first()


def tag_has_public_threads(tag: Tag) -> bool:
    """Whether a visitor sees a thread under ``tag`` (one query, for the tag page's link)."""
    return Thread.objects.filter(
        visible_communities_q(None, "community__"), tags=tag, is_pending=False
    ).exists()
