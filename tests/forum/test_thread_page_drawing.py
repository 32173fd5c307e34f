"""
The thread page's posts, drawn by forum/post_html.py (PostDrawer), stay right.

Each post's block is built for each request from what the database holds at
that moment and from the viewer's rights — nothing is kept between requests —
so every change shows on the next page, and a block meant for one audience
(the author, a member, a moderator) never reaches another. These tests pin
that down event by event, and that user-written text is escaped.
"""

import re

import pytest
from django.utils import translation

from forum import limits, services
from forum.models import Community, Membership, PostFile
from forum.post_html import PostDrawer
from forum.presentation import AUDIENCES, MEMBER, MODERATOR, READER, render_post_for

from ..factories import make_community, make_membership, make_organisation, make_post, make_user

pytestmark = pytest.mark.django_db


def block(client, thread, post) -> str:
    """The ``<article>`` of ``post`` on ``thread``'s page as ``client`` gets it ('' if absent)."""
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(rf'<article id="post-{post.pk}".*?</article>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def reply(thread, outsider, public_cop):
    """A reply by someone else than the viewers of the tests (a member of the CoP)."""
    author = make_user(display_name="Oumou Diallo")
    make_membership(author, public_cop)
    return make_post(author, thread, body="Nous avons **trois** causeries à Kati.")


def test_an_edit_shows_on_the_next_page(client_for, member, thread, reply):
    reader = client_for(member)
    assert "trois" in block(reader, thread, reply)
    with limits.suspended():
        services.edit_post(editor=reply.author, post=reply, body="Finalement *quatre* causeries.")
    after = block(reader, thread, reply)
    assert "quatre" in after and "trois" not in after
    assert '<span class="edited">(modifié)</span>' in after


def test_hide_and_restore_show_on_the_next_page_for_each_audience(
    client_for, member, moderator, thread, reply
):
    reader, mod = client_for(member), client_for(moderator)
    services.hide_post(moderator=moderator, post=reply, reason="Hors sujet")
    hidden_for_member = block(reader, thread, reply)
    assert "trois" not in hidden_for_member
    assert "Message masqué par la modération." in hidden_for_member
    hidden_for_moderator = block(mod, thread, reply)
    assert "trois" in hidden_for_moderator  # moderators still read it, with the reason
    assert "Masqué par la modération — motif : Hors sujet" in hidden_for_moderator
    assert "Rétablir" in hidden_for_moderator
    services.restore_post(moderator=moderator, post=reply)
    restored = block(reader, thread, reply)
    assert "trois" in restored and "masqué" not in restored
    assert "Rétablir" not in block(mod, thread, reply)


def test_a_deletion_shows_on_the_next_page(client_for, member, thread, reply):
    reader = client_for(member)
    services.delete_post(user=reply.author, post=reply)
    after = block(reader, thread, reply)
    assert "trois" not in after
    assert "Message supprimé par son auteur." in after
    assert "post-actions" not in after


def test_the_authors_new_name_shows_on_the_next_page(client, thread, reply):
    assert "Oumou Diallo" in block(client, thread, reply)
    services.update_profile(user=reply.author, display_name="Oumou D.")
    after = block(client, thread, reply)
    assert "Oumou D." in after and "Oumou Diallo" not in after


def test_the_authors_organisation_follows_her_choice_and_the_viewer(
    client, client_for, member, thread, reply
):
    reply.author.organisation = make_organisation(acronym="AJM")
    reply.author.save()
    services.update_profile(user=reply.author, show_organisation="shared")
    assert '<span class="org">AJM</span>' in block(client_for(member), thread, reply)
    assert "AJM" not in block(client, thread, reply)  # members of the CoP only
    services.update_profile(user=reply.author, show_organisation="nobody")
    assert "AJM" not in block(client_for(member), thread, reply)


def test_a_transcript_shows_on_the_next_page(client_for, member, thread, reply):
    voice = PostFile.objects.create(
        post=reply, kind=PostFile.Kind.VOICE, file="voix/note.ogg", name="note.ogg",
        content_type="audio/ogg", size=9_000, digest="0" * 64, duration=4.0,
    )  # fmt: skip
    reader = client_for(member)
    assert "Transcription" not in block(reader, thread, reply)
    services.set_transcript(editor=reply.author, attached=voice, text="Bonjour à toutes")
    assert "Bonjour à toutes" in block(reader, thread, reply)


def test_a_thread_moved_to_a_private_cop_is_no_longer_shown_to_outsiders(
    client, client_for, member, moderator, outsider, thread, reply
):
    secret = make_community(name="Cas suivis", slug="cas", visibility=Community.Visibility.PRIVATE)
    make_membership(moderator, secret, Membership.Role.MODERATOR)
    make_membership(member, secret)
    visitor, stranger = client, client_for(outsider)
    assert block(visitor, thread, reply) and block(stranger, thread, reply)
    services.move_thread(moderator=moderator, thread=thread, target=secret)
    for viewer in (visitor, stranger):
        assert viewer.get(thread.get_absolute_url()).status_code == 404
    assert "trois" in block(client_for(member), thread, reply)


def test_a_locked_thread_loses_its_reply_links_for_members(
    client_for, member, moderator, thread, reply
):
    reader = client_for(member)
    assert "Répondre" in block(reader, thread, reply)
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True)
    assert "Répondre" not in block(reader, thread, reply)


def test_the_language_of_the_page_is_the_language_of_its_posts(client_for, member, thread, reply):
    reader = client_for(member)
    french = block(reader, thread, reply)
    assert "Répondre" in french and "Signaler" in french
    services.set_preferred_language(user=member, language="en")
    english = reader.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    english = re.search(rf'<article id="post-{reply.pk}".*?</article>', english, re.S).group(0)
    assert "Reply" in english and "Répondre" not in english


def test_a_visitor_never_gets_a_members_or_a_moderators_block(
    client, client_for, member, moderator, outsider, thread, reply
):
    own = make_post(member, thread, body="Ma propre réponse.")
    visitor = block(client, thread, reply)
    assert "Répondre" not in visitor and "Modifier" not in visitor
    assert "Signaler" in visitor  # leads to the sign-in page
    assert "csrfmiddlewaretoken" not in visitor and "Masquer" not in visitor
    stranger = block(client_for(outsider), thread, reply)
    assert "Répondre" not in stranger and "Masquer" not in stranger
    as_member = client_for(member)
    others = block(as_member, thread, reply)
    assert "Répondre" in others and "Masquer" not in others and "Modifier" not in others
    mine = block(as_member, thread, own)
    assert "Modifier" in mine and "Supprimer" in mine and "Signaler" not in mine
    as_moderator = block(client_for(moderator), thread, reply)
    assert "Masquer le message" in as_moderator and "Scinder ici" in as_moderator
    assert "csrfmiddlewaretoken" in as_moderator and "Modifier" in as_moderator
    # And the other way round: the visitor after the moderator gets the visitor's block.
    assert block(client, thread, reply) == visitor


def test_user_written_text_is_escaped(client_for, moderator, thread, public_cop):
    author = make_user(display_name="<script>alert(1)</script>")
    author.organisation = make_organisation(acronym="<b>ORG</b>")
    author.show_organisation = "shared"
    author.save()
    make_membership(author, public_cop)
    post = make_post(author, thread)
    child = make_post(moderator, thread, parent=post)
    services.hide_post(moderator=moderator, post=post, reason='<img src=x onerror="x">')
    page = client_for(moderator).get(thread.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>ORG</b>" not in page and "&lt;b&gt;ORG&lt;/b&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=&quot;x&quot;&gt;" in page
    assert f'<a href="/messages/{post.pk}/">&lt;script&gt;' in block(
        client_for(moderator), thread, child
    )


def test_live_pushes_are_drawn_per_audience_like_the_page(thread, reply, moderator):
    drawn = {audience: render_post_for(reply, thread, audience, "fr") for audience in AUDIENCES}
    assert "Répondre" not in drawn[READER] and 'data-owner="' not in drawn[READER]
    assert "Répondre" in drawn[MEMBER] and f'data-owner="{reply.author_id}" hidden' in drawn[MEMBER]
    assert "Masquer le message" not in drawn[MEMBER]
    assert "Masquer le message" in drawn[MODERATOR]
    assert "csrfmiddlewaretoken" not in drawn[MODERATOR]  # the client adds its page's token
    assert "Reply" in render_post_for(reply, thread, MEMBER, "en")
    services.hide_post(moderator=moderator, post=reply, reason="Hors sujet")
    reply.refresh_from_db()
    assert "trois" not in render_post_for(reply, thread, MEMBER, "fr")
    assert "trois" in render_post_for(reply, thread, MODERATOR, "fr")


def test_the_drawers_labels_follow_the_language_it_was_made_in():
    with translation.override("en"):
        english = PostDrawer(can_reply=True, can_moderate=False, max_depth=4)
    with translation.override("fr"):
        french = PostDrawer(can_reply=True, can_moderate=False, max_depth=4)
    assert english.label["reply"] == "Reply" and french.label["reply"] == "Répondre"
    assert english.months[12] == "Dec" and french.months[12] == "Déc"
