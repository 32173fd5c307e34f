"""Links to the Atom feeds: the autodiscovery ``<link>`` and the visible "S'abonner"."""

from django import template
from django.urls import reverse

from forum.feeds import tag_has_public_threads

register = template.Library()


@register.simple_tag
def community_feed_url(community) -> str:
    """A public CoP's feed address; "" for a private CoP (its feed is a 404)."""
    if community is None or community.is_private:
        return ""
    return reverse("community_feed", args=[community.slug])


@register.simple_tag
def tag_feed_url(tag, organisations, user) -> str:
    """A tag's feed address if the feed answers; "" when only private CoPs use the tag."""
    known = getattr(tag, "feed_url_drawn", None)
    if known is None:
        # The page's own list of organisations, already read for it: a tag they carry is
        # public; a page a visitor sees is the feed's too. Drawn once per page (head, body).
        public = organisations or not user.is_authenticated or tag_has_public_threads(tag)
        known = tag.feed_url_drawn = reverse("tag_feed", args=[tag.slug]) if public else ""
    return known
