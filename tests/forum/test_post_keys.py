"""
Idempotency keys of forum posts: the same form sent again is one post.

A form page draws a key (hidden field ``key``); a reply or a new thread sent
again with it (a retry on a dropped link, the device's outbox hours later)
returns what the first sending made. Keys are per author; a bad key is a 400
with a message.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from forum import services
from forum.forms import ReplyForm, ThreadForm
from forum.models import Post, Thread

KEY = "pAbCdEf0123456789_-xyz"
BAD_KEY_MESSAGE = "La clé du message doit faire 8 à 64 caractères parmi A-Z, a-z, 0-9, - et _."
DAY = 24 * 3600

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    def make(user) -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return client

    return make


def test_each_form_shown_draws_a_new_key():
    first = ReplyForm()["key"].value()
    second = ReplyForm()["key"].value()
    assert first != second
    assert 8 <= len(first) <= 64
    assert ThreadForm()["key"].value() not in {first, second}


def test_thread_page_and_new_thread_page_carry_a_hidden_key(thread, public_cop, member, browser):
    client = browser(member)
    for url in (thread.get_absolute_url(), reverse("thread_create", args=[public_cop.slug])):
        html = client.get(url).content.decode()
        assert 'type="hidden" name="key" value="p' in html


def test_the_thread_pages_reply_form_is_drawn_once_but_each_page_has_its_own_key(
    thread, member, browser
):
    client = browser(member)
    pages = [client.get(thread.get_absolute_url()).content.decode() for _ in range(3)]
    keys = [re.findall(r'name="key" value="([^"]+)"', html) for html in pages]
    assert all(len(found) == 1 for found in keys)
    assert len({found[0] for found in keys}) == 3
    assert "KEYSLOT" not in "".join(pages)
    mentions = reverse("mention_candidates", args=[thread.community.slug])
    assert all(f'data-mentions-url="{mentions}"' in html for html in pages)
    # The same form in English for a member who chose it: one drawing per language.
    member.preferred_language = "en"
    member.save()
    english = client.get(thread.get_absolute_url()).content.decode()
    french_label = re.search(r'<label for="id_body">([^<]+)</label>', pages[0])[1]
    assert french_label.startswith("Votre réponse")
    assert f'<label for="id_body">{french_label}</label>' not in english


def test_a_retried_reply_is_stored_once_even_a_day_later(thread, member, browser, clock):
    client = browser(member)
    url = reverse("thread_reply", args=[thread.pk])
    data = {"body": "Je serai à la réunion de Ségou.", "key": KEY}

    first = client.post(url, data)
    clock.move(DAY)  # past the duplicate guard: only the key finds the first post
    again = client.post(url, data)

    replies = Post.objects.filter(thread=thread, parent__isnull=False)
    assert replies.count() == 1
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == replies.get().get_absolute_url()
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_a_retried_reply_to_a_post_is_stored_once(thread, member, moderator, browser, clock):
    parent = services.create_post(author=moderator, thread=thread, parent=None, body="Question ?")
    url = reverse("post_reply", args=[parent.pk])
    data = {"body": "Réponse.", "key": KEY}

    browser(member).post(url, data)
    clock.move(DAY)
    browser(member).post(url, data)

    assert Post.objects.filter(parent=parent).count() == 1


def test_a_retried_reply_is_stored_once_even_with_other_text(thread, member):
    """The key names the form sent, not its text: the outbox may send an edited copy."""
    first = services.create_post(author=member, thread=thread, parent=None, body="Un", key=KEY)
    again = services.create_post(author=member, thread=thread, parent=None, body="Deux", key=KEY)
    assert again == first
    assert Post.objects.filter(thread=thread, body="Deux").count() == 0


def test_a_retried_new_thread_is_stored_once(public_cop, member, browser, clock):
    client = browser(member)
    url = reverse("thread_create", args=[public_cop.slug])
    data = {"title": "Atelier à Kayes", "body": "Qui vient ?", "tags": "", "key": KEY}

    first = client.post(url, data)
    clock.move(DAY)
    again = client.post(url, data)

    thread = Thread.objects.get(title="Atelier à Kayes")
    assert first["Location"] == again["Location"] == thread.get_absolute_url()
    assert thread.posts.count() == 1


def test_keys_of_different_authors_do_not_collide(thread, member, moderator):
    mine = services.create_post(author=member, thread=thread, parent=None, body="Awa", key=KEY)
    theirs = services.create_post(
        author=moderator, thread=thread, parent=None, body="Fatoumata", key=KEY
    )
    assert mine != theirs
    assert {mine.author, theirs.author} == {member, moderator}


def test_replies_without_a_key_are_not_merged(thread, member, clock):
    services.create_post(author=member, thread=thread, parent=None, body="Un")
    clock.move(DAY)
    services.create_post(author=member, thread=thread, parent=None, body="Un")
    assert Post.objects.filter(thread=thread, body="Un").count() == 2


def test_a_key_used_for_a_reply_elsewhere_is_400_and_stores_nothing(
    thread, public_cop, member, browser, clock
):
    from ..factories import make_thread

    other = make_thread(member, public_cop, title="Une autre discussion")
    services.create_post(author=member, thread=other, parent=None, body="Là-bas", key=KEY)
    before = Post.objects.count()

    response = browser(member).post(
        reverse("thread_reply", args=[thread.pk]), {"body": "Ici", "key": KEY}
    )

    assert response.status_code == 400
    assert escape("Cette clé a déjà servi pour un autre message.") in response.content.decode()
    assert Post.objects.count() == before


def test_a_reply_key_sent_again_as_a_new_thread_is_400(thread, public_cop, member, browser):
    services.create_post(author=member, thread=thread, parent=None, body="Réponse", key=KEY)
    response = browser(member).post(
        reverse("thread_create", args=[public_cop.slug]),
        {"title": "Nouveau", "body": "Texte", "key": KEY},
    )
    assert response.status_code == 400
    assert not Thread.objects.filter(title="Nouveau").exists()


@pytest.mark.parametrize(
    "key",
    [
        "short",
        "x" * 65,
        "a b c d e f g h",
        "clé-accentuée",
        "<script>alert(1)</script>",
        "a\x00" * 8,
    ],
)
def test_a_bad_key_is_400_with_a_message_never_a_500(key, thread, public_cop, member, browser):
    client = browser(member)
    before = Post.objects.count()

    reply = client.post(reverse("thread_reply", args=[thread.pk]), {"body": "Texte", "key": key})
    new = client.post(
        reverse("thread_create", args=[public_cop.slug]),
        {"title": "Titre", "body": "Texte", "key": key},
    )

    for response in (reply, new):
        assert response.status_code == 400
        page = response.content.decode()
        assert escape(BAD_KEY_MESSAGE) in page or "caractère nul" in page
    assert Post.objects.count() == before


def test_the_service_refuses_a_bad_key_by_itself(thread, member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.create_post(author=member, thread=thread, parent=None, body="x", key="é" * 10)
    assert refused.value.message_dict["key"] == [BAD_KEY_MESSAGE]


def test_a_key_taken_at_the_same_moment_elsewhere_is_a_400_not_a_500(
    thread, public_cop, member, monkeypatch
):
    """Two threads' locks do not serialise one key sent to both: the constraint does."""
    from django.core.exceptions import ValidationError

    from forum.services import threads as thread_services

    from ..factories import make_thread

    other = make_thread(member, public_cop, title="Une autre discussion")
    services.create_post(author=member, thread=other, parent=None, body="Là-bas", key=KEY)
    # As if the other sending committed between this one's look-up and its insert.
    monkeypatch.setattr(thread_services, "_post_by_key", lambda author, key: None)

    with pytest.raises(ValidationError) as refused:
        services.create_post(author=member, thread=thread, parent=None, body="Ici", key=KEY)

    assert "key" in refused.value.message_dict
    assert Post.objects.filter(client_key=KEY).count() == 1
