"""
Atom feeds: a public CoP's, a tag's, a member's own (forum/feed_views.py, forum/feeds.py).

Each feed is parsed back with feedparser, as a feed reader would, and the raw
XML is searched too: what a third-party reader must never get (a private
CoP's titles, bodies, authors, name; a sensible CoP's anything) is not in the
bytes at all.
"""

import feedparser
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import services
from forum.feeds import FEED_ENTRIES
from forum.models import Community, FeedToken, Membership, Organisation

from ..factories import make_community, make_membership, make_post, make_thread, make_user

PRIVATE_TITLE = "Plan de mise à l'abri de Mariam"
PRIVATE_BODY = "Adresse du refuge près de Sévaré"


@pytest.fixture
def secret(private_cop, moderator):
    """A thread in the private CoP, written by someone whose name must not leave it."""
    author = make_user(username="hawa", display_name="Hawa Dembélé")
    make_membership(author, private_cop)
    thread = make_thread(author, private_cop, title=PRIVATE_TITLE, body=PRIVATE_BODY)
    make_post(author, thread, body="Réponse confidentielle de Hawa.")
    return thread


def fetch(client, url, **headers):
    response = client.get(url, **headers)
    return response


def parse(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def community_feed(slug):
    return reverse("community_feed", args=[slug])


def member_feed_url(user):
    token = services.get_or_create_feed_token(user)
    return reverse("member_feed", args=[token.token])


# Public CoP feed -------------------------------------------------------------------------


def test_public_cop_feed_lists_new_threads_and_replies_newest_first(client, thread, member):
    reply = make_post(member, thread, body="Une **réponse** avec du texte.")
    feed = parse(fetch(client, community_feed(thread.community.slug)))

    assert feed.feed.title == "Droits fonciers des femmes — Jɛkafɔ"
    assert feed.feed.link == settings.SITE_URL + thread.community.get_absolute_url()
    titles = [entry.title for entry in feed.entries]
    assert titles == ["Réponse : Loi 052 : où en est-on ?", "Loi 052 : où en est-on ?"]
    newest = feed.entries[0]
    assert newest.link == settings.SITE_URL + reverse("post", args=[reply.pk])
    assert newest.id == newest.link
    assert newest.author == "Awa Traoré"
    assert newest.updated_parsed is not None
    # The stored sanitised HTML, not the Markdown source.
    assert "<strong>réponse</strong>" in newest.content[0].value
    assert "**réponse**" not in newest.content[0].value
    assert [tag.term for tag in newest.tags] == [thread.tags.first().name]


def test_links_inside_a_post_are_absolute(client, thread, member, moderator):
    make_post(moderator, thread, body=f"Merci @[{member.display_name}] !")
    content = parse(fetch(client, community_feed(thread.community.slug))).entries[0].content[0]
    assert f'href="{settings.SITE_URL}/membres/{member.pk}/"' in content.value


def test_entry_id_survives_rename_and_edit(client, thread, moderator, member):
    url = community_feed(thread.community.slug)
    before = parse(fetch(client, url)).entries[0]
    services.rename_thread(moderator=moderator, thread=thread, title="Loi 052, bilan")
    opening = thread.posts.get(parent__isnull=True)
    services.edit_post(editor=member, post=opening, body="Texte corrigé.")
    after = parse(fetch(client, url)).entries[0]
    assert after.id == before.id
    assert after.title == "Loi 052, bilan"
    assert after.updated_parsed >= before.updated_parsed
    assert "Texte corrigé." in after.content[0].value


def test_titles_and_names_are_escaped_text(client, public_cop):
    author = make_user(username="x1", display_name="Awa <script>alert(1)</script> & Co")
    make_membership(author, public_cop)
    make_thread(
        author,
        public_cop,
        title="<script>alert('t')</script> Droits & devoirs",
        body="<script>alert('b')</script> Texte & suite",
    )
    response = fetch(client, community_feed(public_cop.slug))
    raw = response.content.decode()
    assert "<script>" not in raw
    assert "&lt;script&gt;alert('t')&lt;/script&gt; Droits &amp; devoirs" in raw
    entry = parse(response).entries[0]
    assert entry.title == "<script>alert('t')</script> Droits & devoirs"
    assert entry.author == "Awa <script>alert(1)</script> & Co"
    # The body's script never was HTML: the sanitiser kept it as text.
    assert "<script" not in entry.content[0].value


def test_private_cop_feed_is_404_for_everyone_like_an_unknown_cop(
    client_for, private_cop, secret, member, moderator, staff, anonymous
):
    for user in (anonymous, member, moderator, staff):
        client = client_for(user)
        assert client.get(community_feed(private_cop.slug)).status_code == 404
        assert client.get(community_feed("nexiste-pas")).status_code == 404


def test_public_feeds_never_carry_private_content(client, thread, secret, private_cop):
    tag_url = reverse("tag_feed", args=[thread.tags.first().slug])
    for url in (community_feed(thread.community.slug), tag_url):
        raw = fetch(client, url).content.decode()
        for needle in (PRIVATE_TITLE, PRIVATE_BODY, "Hawa", private_cop.name, private_cop.slug):
            assert needle not in raw, (url, needle)


def test_author_organisation_and_region_never_appear(client, public_cop, region):
    organisation = Organisation.objects.create(
        name="Association Kènèya", slug="keneya", kind=Organisation.Kind.ASSOCIATION
    )
    author = make_user(
        username="kadi",
        display_name="Kadi S.",
        organisation=organisation,
        region=region,
        email="kadi.prive@example.org",
        show_organisation="shared",
        show_region="shared",
    )
    make_membership(author, public_cop)
    make_thread(author, public_cop, title="Une discussion")
    raw = fetch(client, community_feed(public_cop.slug)).content.decode()
    assert "Kadi S." in raw
    for needle in ("Kènèya", region.name, "kadi.prive", "/membres/", "kadi<"):
        assert needle not in raw


def test_deleted_account_is_former_member(client, public_cop):
    author = make_user(username="partie", display_name="Nom Oublié")
    make_membership(author, public_cop)
    make_thread(author, public_cop, title="Avant mon départ")
    services.delete_account(user=author, password="mot-de-passe-de-test")
    feed = parse(fetch(client, community_feed(public_cop.slug)))
    assert feed.entries[0].author == "ancien·ne membre"
    assert "Nom Oublié" not in feed.entries[0].get("author", "")


def test_hidden_pending_and_deleted_posts_never_appear(client, thread, member, moderator):
    hidden = make_post(member, thread, body="Message masqué par la modération.")
    services.hide_post(moderator=moderator, post=hidden, reason="Hors sujet")
    deleted = make_post(member, thread, body="Message effacé par son autrice.")
    services.delete_post(user=member, post=deleted)
    community = thread.community
    community.premoderation_posts = 5
    community.save()
    newcomer = make_user(username="nouvelle", display_name="Nouvelle Venue")
    make_membership(newcomer, community)
    make_post(newcomer, thread, body="Réponse en attente de validation.")
    make_thread(newcomer, community, title="Discussion en attente", body="Texte en attente.")

    raw = fetch(client, community_feed(community.slug)).content.decode()
    for needle in ("masqué", "effacé", "en attente", "Nouvelle Venue"):
        assert needle not in raw
    entries = parse(fetch(client, community_feed(community.slug))).entries
    assert [e.title for e in entries] == ["Loi 052 : où en est-on ?"]


def test_thread_moved_into_a_private_cop_leaves_public_feeds_at_once(
    client, thread, private_cop, moderator
):
    tag_url = reverse("tag_feed", args=[thread.tags.first().slug])
    assert parse(fetch(client, community_feed(thread.community.slug))).entries
    services.move_thread(moderator=moderator, thread=thread, target=private_cop)
    raw = fetch(client, community_feed(thread.community.slug)).content.decode()
    assert "Loi 052 : où en est-on ?" not in raw
    assert parse(fetch(client, community_feed(thread.community.slug))).entries == []
    # The tag is now used only in a private CoP: its feed is a 404, as its page is.
    assert client.get(tag_url).status_code == 404


def test_feed_holds_a_bounded_number_of_entries(client, thread, member):
    for number in range(FEED_ENTRIES + 5):
        make_post(member, thread, body=f"Réponse {number}")
    entries = parse(fetch(client, community_feed(thread.community.slug))).entries
    assert len(entries) == FEED_ENTRIES
    assert "Réponse 34" in entries[0].content[0].value


def test_odd_query_strings_are_ignored(client, thread):
    url = community_feed(thread.community.slug)
    plain = fetch(client, url).content
    odd = fetch(client, url + "?page=-1&format=rss&q=%00%ff&limit=100000").content
    assert odd == plain


def test_feeds_refuse_post(client, thread):
    assert client.post(community_feed(thread.community.slug)).status_code == 405


# Conditional GET, gzip, queries -----------------------------------------------------------


def test_conditional_get_answers_304_then_200_after_a_new_post(client, thread, member):
    url = community_feed(thread.community.slug)
    first = fetch(client, url)
    assert first["ETag"] and first["Last-Modified"]
    assert "no-cache" in first["Cache-Control"]
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    make_post(member, thread, body="Nouvelle réponse")
    changed = client.get(url, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_an_empty_feed_keeps_its_etag(client, public_cop):
    url = community_feed(public_cop.slug)
    first = fetch(client, url)
    assert parse(first).entries == []
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304


def test_feed_is_gzipped_like_every_page(client, thread):
    for number in range(5):
        make_post(thread.author, thread, body=f"Une réponse assez longue numéro {number}. " * 5)
    response = client.get(
        community_feed(thread.community.slug), headers={"accept-encoding": "gzip"}
    )
    assert response["Content-Encoding"] == "gzip"
    # A gzipped answer still revalidates: the weak ETag it carries matches.
    again = client.get(
        community_feed(thread.community.slug),
        headers={"accept-encoding": "gzip", "if-none-match": response["ETag"]},
    )
    assert again.status_code == 304


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_entries(client, public_cop, private_cop, member):
    first = make_thread(member, public_cop, title="Une", tags=["a"])
    secret = make_thread(member, private_cop, title="Privée", tags=["a"])
    urls = [
        community_feed(public_cop.slug),
        reverse("tag_feed", args=["a"]),
        member_feed_url(member),
    ]
    few = [_count_queries(client, url) for url in urls]
    for number in range(12):
        author = make_user(display_name=f"Autrice {number}")
        make_membership(author, public_cop)
        make_membership(author, private_cop)
        make_thread(author, public_cop, title=f"Fil {number}", tags=["a", f"t{number}"])
        make_post(author, first, body=f"Réponse {number}")
        make_post(author, secret, body=f"Réponse privée {number}")
    many = [_count_queries(client, url) for url in urls]
    assert many == few
    # The CoP or the token, the posts with their threads, CoPs and authors, their tags;
    # a tag feed also checks that a visitor may see the tag.
    assert many == [3, 4, 3]


# Tag feed --------------------------------------------------------------------------------


def test_tag_feed_lists_public_posts_under_the_tag_only(client, thread, member, private_cop):
    other = make_thread(member, thread.community, title="Sans étiquette")
    make_thread(member, private_cop, title=PRIVATE_TITLE, tags=["Loi 052"])
    feed = parse(fetch(client, reverse("tag_feed", args=[thread.tags.first().slug])))
    assert [e.title for e in feed.entries] == ["Loi 052 : où en est-on ?"]
    assert feed.feed.title == "Étiquette « loi 052 » — Jɛkafɔ"
    assert other.title not in str(feed)


def test_tag_feed_unknown_or_private_only_is_404(client_for, secret_tag, member, anonymous):
    for user in (anonymous, member):
        client = client_for(user)
        assert client.get(reverse("tag_feed", args=["inconnue"])).status_code == 404
        assert client.get(reverse("tag_feed", args=[secret_tag.slug])).status_code == 404


# Sensible CoPs ---------------------------------------------------------------------------


@pytest.fixture
def sensible_cop(member, moderator):
    community = make_community(
        name="Défenseures en danger",
        slug="defenseures",
        summary="Entraide des défenseures menacées",
        sensitive=True,
    )
    make_membership(member, community)
    make_membership(moderator, community, Membership.Role.MODERATOR)
    author = make_user(username="salimata", display_name="Salimata K.")
    make_membership(author, community)
    thread = make_thread(
        author, community, title="Menaces reçues à Gao", body="Le détail des menaces.", tags=["gao"]
    )
    make_post(author, thread, body="Une réponse détaillée.")
    return community


SENSIBLE_NEEDLES = (
    "Menaces reçues",
    "détail des menaces",
    "réponse détaillée",
    "Salimata",
    "Défenseures en danger",
    "Entraide des défenseures",
    "gao",
)


def test_public_sensible_cop_feed_says_only_that_there_is_something_new(client, sensible_cop):
    response = fetch(client, community_feed(sensible_cop.slug))
    raw = response.content.decode()
    for needle in SENSIBLE_NEEDLES:
        assert needle not in raw, needle
    feed = parse(response)
    assert feed.feed.title == "Du nouveau sur Jɛkafɔ"
    assert feed.feed.link == settings.SITE_URL + "/"
    assert len(feed.entries) == 2
    for entry in feed.entries:
        assert entry.title == "Du nouveau dans une communauté"
        assert "author" not in entry
        assert "tags" not in entry
        assert entry.link.startswith(settings.SITE_URL + "/messages/")


def test_tag_feeds_leave_sensible_cops_out(client, sensible_cop, public_cop, member):
    make_thread(member, public_cop, title="Une discussion publique à Gao", tags=["gao"])
    response = fetch(client, reverse("tag_feed", args=["gao"]))
    assert [e.title for e in parse(response).entries] == ["Une discussion publique à Gao"]
    for needle in SENSIBLE_NEEDLES[:-1]:
        assert needle not in response.content.decode()


def test_personal_feed_words_a_sensible_cop_as_something_new(client, sensible_cop, member):
    sensible_cop.visibility = Community.Visibility.PRIVATE
    sensible_cop.save()
    response = fetch(client, member_feed_url(member))
    raw = response.content.decode()
    for needle in SENSIBLE_NEEDLES:
        assert needle not in raw, needle
    titles = {e.title for e in parse(response).entries}
    assert titles == {"Du nouveau dans une de vos communautés"}


# The personal feed ------------------------------------------------------------------------


def test_personal_feed_includes_the_private_cops_of_its_owner(
    client, secret, thread, member, outsider
):
    feed = parse(fetch(client, member_feed_url(member)))
    titles = [e.title for e in feed.entries]
    assert PRIVATE_TITLE in titles
    assert thread.title in titles
    assert "Hawa Dembélé" in {e.author for e in feed.entries}
    # An outsider's own feed has nothing of it.
    raw = fetch(client, member_feed_url(outsider)).content.decode()
    assert PRIVATE_TITLE not in raw and PRIVATE_BODY not in raw


def test_personal_feed_drops_a_cop_once_she_leaves_or_is_banned(
    client, secret, private_cop, public_cop, member, moderator
):
    url = member_feed_url(member)
    services.leave_community(user=member, community=private_cop)
    raw = fetch(client, url).content.decode()
    assert PRIVATE_TITLE not in raw and "Hawa" not in raw
    make_membership(member, private_cop)
    assert PRIVATE_TITLE in fetch(client, url).content.decode()
    services.sanction_member(
        moderator=moderator, community=private_cop, user=member, kind="ban", duration="forever"
    )
    assert PRIVATE_TITLE not in fetch(client, url).content.decode()


@pytest.fixture
def followed_cop(moderator):
    """A public CoP ``outsider`` may follow without joining it."""
    community = make_community(name="Foncier au Sahel", slug="foncier-sahel")
    make_membership(moderator, community, Membership.Role.MODERATOR)
    make_thread(moderator, community, title="Titres fonciers à Gao", body="Le point.")
    return community


def test_personal_feed_holds_the_public_cops_she_follows(client, followed_cop, outsider):
    url = member_feed_url(outsider)
    assert "Titres fonciers" not in fetch(client, url).content.decode()

    services.follow_community(user=outsider, community=followed_cop)
    feed = parse(fetch(client, url))
    assert [e.title for e in feed.entries] == ["Titres fonciers à Gao"]

    # Muted is silence: out of the feed too; unfollowed: out.
    services.follow_community(user=outsider, community=followed_cop, level="muted")
    assert parse(fetch(client, url)).entries == []
    services.follow_community(user=outsider, community=followed_cop, level="replies")
    assert len(parse(fetch(client, url)).entries) == 1
    services.unfollow_community(user=outsider, community=followed_cop)
    assert parse(fetch(client, url)).entries == []


def test_a_followed_cop_is_judged_at_each_fetch(client, followed_cop, outsider, moderator):
    url = member_feed_url(outsider)
    services.follow_community(user=outsider, community=followed_cop)
    assert len(parse(fetch(client, url)).entries) == 1

    # Made private (her follow row stays): gone from the next fetch, bytes and all.
    Community.objects.filter(pk=followed_cop.pk).update(visibility=Community.Visibility.PRIVATE)
    raw = fetch(client, url).content.decode()
    assert "Titres fonciers" not in raw and "Le point." not in raw
    Community.objects.filter(pk=followed_cop.pk).update(visibility=Community.Visibility.PUBLIC)
    assert len(parse(fetch(client, url)).entries) == 1

    # Banned from it: gone too.
    services.sanction_member(
        moderator=moderator, community=followed_cop, user=outsider, kind="ban", duration="forever"
    )
    assert "Titres fonciers" not in fetch(client, url).content.decode()


def test_a_followed_sensible_cop_is_worded_as_something_new(client, sensible_cop, outsider):
    services.follow_community(user=outsider, community=sensible_cop)
    response = fetch(client, member_feed_url(outsider))
    raw = response.content.decode()
    for needle in SENSIBLE_NEEDLES:
        assert needle not in raw, needle
    entries = parse(response).entries
    assert len(entries) == 2
    assert {e.title for e in entries} == {"Du nouveau dans une de vos communautés"}


def test_personal_feed_is_in_its_owners_language_and_private(client, sensible_cop, member):
    member.preferred_language = "en"
    member.save()
    response = fetch(client, member_feed_url(member))
    feed = parse(response)
    assert feed.feed.language == "en"
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"


def test_reset_makes_the_old_address_404_at_once(client_for, member):
    client = client_for(member)
    assert client.post(reverse("feeds")).status_code == 302
    old = FeedToken.objects.get(user=member).token
    assert client.get(reverse("member_feed", args=[old])).status_code == 200
    assert client.post(reverse("feeds")).status_code == 302
    new = FeedToken.objects.get(user=member).token
    assert new != old
    assert client.get(reverse("member_feed", args=[old])).status_code == 404
    assert client.get(reverse("member_feed", args=[new])).status_code == 200


def test_bad_tokens_are_404(client, member):
    token = services.get_or_create_feed_token(member).token
    for bad in ("inconnu-mais-assez-long-0000", token[:-1], token + "x", "%00" * 20, "a" * 65):
        assert client.get(f"/flux/{bad}.atom").status_code == 404, bad


def test_token_of_a_banned_or_deleted_account_is_404(client, member, staff):
    url = member_feed_url(member)
    services.ban_from_site(staff=staff, user=member, reason="Test")
    assert client.get(url).status_code == 404


def test_deleting_the_account_deletes_the_token(member):
    services.get_or_create_feed_token(member)
    services.delete_account(user=member, password="mot-de-passe-de-test")
    assert not FeedToken.objects.filter(user=member).exists()


def test_the_token_reads_the_feed_and_nothing_else(client, member, secret):
    url = member_feed_url(member)
    assert client.get(url).status_code == 200
    # No session came with it: the private CoP stays closed to this client.
    assert client.get(reverse("community", args=["survivantes"])).status_code == 404
    assert client.get(secret.get_absolute_url()).status_code == 404


# The account page -------------------------------------------------------------------------


def test_feeds_page_makes_the_address_by_post_only(client_for, member):
    client = client_for(member)
    page = client.get(reverse("feeds"))
    assert page.status_code == 200
    assert not FeedToken.objects.filter(user=member).exists()
    client.post(reverse("feeds"))
    token = FeedToken.objects.get(user=member).token
    page = client.get(reverse("feeds"))
    assert settings.SITE_URL + reverse("member_feed", args=[token]) in page.content.decode()


def test_feeds_page_needs_an_account(client):
    response = client.get(reverse("feeds"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# Autodiscovery and the visible link ------------------------------------------------------


def test_public_cop_and_tag_pages_announce_their_feed(client, thread):
    page = client.get(thread.community.get_absolute_url()).content.decode()
    href = community_feed(thread.community.slug)
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert f'href="{href}"' in page
    assert "S&#x27;abonner (flux Atom)" in page or "S'abonner (flux Atom)" in page
    tag = thread.tags.first()
    page = client.get(reverse("tag", args=[tag.slug])).content.decode()
    assert f'href="{reverse("tag_feed", args=[tag.slug])}"' in page


def test_private_cop_page_points_members_to_their_personal_feed(client_for, private_cop, member):
    page = client_for(member).get(private_cop.get_absolute_url()).content.decode()
    assert "application/atom+xml" not in page
    assert community_feed(private_cop.slug) not in page
    assert reverse("feeds") in page


def test_tag_page_seen_only_through_a_private_cop_has_no_feed_link(client_for, secret_tag, member):
    page = client_for(member).get(reverse("tag", args=[secret_tag.slug]))
    assert page.status_code == 200
    assert reverse("tag_feed", args=[secret_tag.slug]) not in page.content.decode()
