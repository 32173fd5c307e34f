"""
Atom feeds (Django's syndication framework): a public CoP's, a tag's, a member's own.

Entries are posts (see ``forum.feeds``). A post's content is its stored
sanitised HTML, never its source; titles and names are text, escaped by the
feed writer. Authors appear by display name only (never organisation, region
or profile link). Links are absolute, built on ``SITE_URL``; an entry's id is
its post's address, which no rename, move, merge or split changes.

A "sensible" CoP's entries leave the site as "something new" only: no title,
content, author or CoP name; a link to the post's address (a number). A
public sensible CoP's public feed follows the same rule, and its title does
not name the CoP either; tag feeds leave sensible CoPs out.

Each answer carries an ETag (a hash of the feed) and a Last-Modified (its
newest entry), and a repeated fetch gets a 304; ``Cache-Control: no-cache``
makes shared caches ask again, so an entry that must go (a thread moved into
a private CoP, a hidden post) is gone from the next fetch.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import parse_http_date_safe, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import feeds, services
from .models import Post

SITE_NAME = "Jɛkafɔ"
# The date of an empty feed: fixed, so that its ETag does not change with the clock.
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


# A root-relative link in stored HTML (not a protocol-relative "//host" one).
_SITE_LINK = re.compile(r'href="/(?!/)')


def absolute(path: str) -> str:
    """``path`` on the site's public address (feeds leave the site)."""
    return settings.SITE_URL + path


class AtomWithContent(Atom1Feed):
    """Atom with each entry's HTML as ``<content type="html">`` (Django writes only a summary)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content") is not None:
            handler.addQuickElement("content", item["content"], {"type": "html"})

    def latest_post_date(self):
        if not self.items:
            return self.feed.get("empty_date") or _EPOCH
        return super().latest_post_date()


@dataclass
class Subject:
    """One feed: what it is called, where it points, its entries and how it words the sensible."""

    title: str
    link: str
    feed_url: str
    posts: QuerySet[Post]
    notice: str
    subtitle: str = ""
    empty_date: datetime = _EPOCH
    language: str = ""


class PostFeed(Feed):
    feed_type = AtomWithContent

    def title(self, subject: Subject) -> str:
        return subject.title

    def subtitle(self, subject: Subject) -> str | None:
        return subject.subtitle or None

    def link(self, subject: Subject) -> str:
        return subject.link

    def feed_url(self, subject: Subject) -> str:
        return subject.feed_url

    def feed_guid(self, subject: Subject) -> str:
        return subject.feed_url

    def feed_extra_kwargs(self, subject: Subject) -> dict:
        return {"empty_date": subject.empty_date}

    def items(self, subject: Subject) -> list[Post]:
        # The feed object is shared by concurrent requests: what an entry needs rides on it.
        posts = list(subject.posts)
        for post in posts:
            post.feed_notice = subject.notice
        return posts

    @staticmethod
    def _sensitive(post: Post) -> bool:
        return post.thread.community.sensitive

    def item_title(self, post: Post) -> str:
        if self._sensitive(post):
            return post.feed_notice
        if post.parent_id is None:
            return post.thread.title
        return _("Réponse : %(title)s") % {"title": post.thread.title}

    def item_link(self, post: Post) -> str:
        return absolute(reverse("post", args=[post.pk]))

    def item_guid(self, post: Post) -> str:
        return self.item_link(post)

    def item_description(self, post: Post) -> None:
        # No summary: the whole post is the entry's content.
        return None

    def item_extra_kwargs(self, post: Post) -> dict:
        if self._sensitive(post):
            content = '<p>{}</p><p><a href="{}">{}</a></p>'.format(
                escape(post.feed_notice), escape(self.item_link(post)), escape(_("Ouvrir Jɛkafɔ"))
            )
        elif post.body_html:
            # Links inside the site (mentions) made absolute: a feed reader is elsewhere.
            content = _SITE_LINK.sub(f'href="{settings.SITE_URL}/', post.body_html)
        else:
            content = "<p>{}</p>".format(
                escape(_("Ce message n'a pas de texte (note vocale ou fichier) : ouvrez-le."))
            )
        return {"content": content}

    def item_author_name(self, post: Post) -> str | None:
        if self._sensitive(post):
            return None
        author = post.author
        if author is None:
            return _("compte supprimé")
        if author.deleted_at is not None:
            return _("ancien·ne membre")
        return author.display_name or _("membre")

    def item_pubdate(self, post: Post) -> datetime:
        return post.created_at

    def item_updateddate(self, post: Post) -> datetime:
        return post.edited_at or post.created_at

    def item_categories(self, post: Post) -> list[str]:
        if self._sensitive(post):
            return []
        return [tag.name for tag in post.thread.tags.all()]


class CommunityFeed(PostFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Subject:
        community = feeds.access_public_feed_community(slug)
        feed_url = absolute(reverse("community_feed", args=[community.slug]))
        notice = _("Du nouveau dans une communauté")
        posts = feeds.list_community_feed(community)
        if community.sensitive:
            return Subject(
                title=_("Du nouveau sur %(site)s") % {"site": SITE_NAME},
                link=absolute("/"),
                feed_url=feed_url,
                posts=posts,
                notice=notice,
            )
        return Subject(
            title=f"{community.name} — {SITE_NAME}",
            subtitle=community.summary,
            link=absolute(community.get_absolute_url()),
            feed_url=feed_url,
            posts=posts,
            notice=notice,
            empty_date=community.created_at,
        )


class TagFeed(PostFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Subject:
        tag = feeds.access_public_feed_tag(slug)
        return Subject(
            title=_("Étiquette « %(name)s » — %(site)s") % {"name": tag.name, "site": SITE_NAME},
            link=absolute(tag.get_absolute_url()),
            feed_url=absolute(reverse("tag_feed", args=[tag.slug])),
            posts=feeds.list_tag_feed(tag),
            notice=_("Du nouveau dans une communauté"),
        )


class MemberFeed(PostFeed):
    def get_object(self, request: HttpRequest, token: str) -> Subject:
        owner = feeds.access_feed_owner(token)
        return Subject(
            title=_("Mes communautés — %(site)s") % {"site": SITE_NAME},
            link=absolute("/"),
            feed_url=absolute(reverse("member_feed", args=[token])),
            posts=feeds.list_member_feed(owner),
            notice=_("Du nouveau dans une de vos communautés"),
            language=owner.preferred_language or settings.LANGUAGE_CODE,
        )

    def get_feed(self, subject: Subject, request: HttpRequest):
        # The owner's language, not the fetching app's cookie or headers.
        with translation.override(subject.language):
            return super().get_feed(subject, request)


def _conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An ETag from the feed's bytes; a fetch that already has them gets a 304."""
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response.headers["ETag"] = etag
    # Shared caches must ask again each time: an entry that has to go is gone at once.
    patch_cache_control(response, no_cache=True, max_age=0)
    last_modified = parse_http_date_safe(response.headers.get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
    )


_community_feed = CommunityFeed()
_tag_feed = TagFeed()
_member_feed = MemberFeed()


@require_safe
def community_feed(request: HttpRequest, slug: str) -> HttpResponse:
    return _conditional(request, _community_feed(request, slug=slug))


@require_safe
def tag_feed(request: HttpRequest, slug: str) -> HttpResponse:
    return _conditional(request, _tag_feed(request, slug=slug))


@require_safe
def member_feed(request: HttpRequest, token: str) -> HttpResponse:
    response = _conditional(request, _member_feed(request, token=token))
    # Its address is the secret: never in a shared cache, never indexed, never a Referer.
    patch_cache_control(response, private=True)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def feeds_page(request: HttpRequest) -> HttpResponse:
    """The member's personal feed address; made (or made anew) by a POST, never by a visit."""
    if request.method == "POST":
        if feeds.feed_token_of(request.user) is None:
            services.get_or_create_feed_token(request.user)
            messages.success(request, _("Votre flux personnel est prêt."))
        else:
            services.reset_feed_token(request.user)
            messages.success(
                request,
                _("Nouvelle adresse de flux créée : l'ancienne ne fonctionne plus."),
            )
        return redirect("feeds")
    token = feeds.feed_token_of(request.user)
    context = {
        "feed_url": absolute(reverse("member_feed", args=[token.token])) if token else None,
    }
    return render(request, "accounts/feeds.html", context)
