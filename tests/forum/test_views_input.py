"""
Bad input through HTTP: a clear message and a 4xx, never a 500, never half-saved data.

Every request goes through ``browser(...)`` (a Client that answers 500 like
production instead of raising), and every test checks that nothing was
written when the input was refused.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from forum import inputs, services
from forum.models import (
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Post,
    PostRevision,
    Tag,
    TaggedThread,
    Thread,
    User,
)

from ..factories import make_community, make_post, make_thread, opening_post

pytestmark = pytest.mark.django_db

REQUIRED = "Ce champ est obligatoire."
# A post's text may be left out when a voice note says it: the service decides, and says so.
BODY_REQUIRED = "Le message ne peut pas être vide."
NUL_REFUSED = "Le caractère nul n’est pas autorisé."


def counts() -> dict[str, int]:
    """Row counts of everything a forum request can write."""
    models = [
        Thread,
        Post,
        PostRevision,
        Tag,
        TaggedThread,
        ModerationAction,
        Membership,
        JoinRequest,
        Invitation,
        User,
    ]
    return {model.__name__: model.objects.count() for model in models}


def shows(response, message: str) -> bool:
    """Whether the page shows ``message`` (as the template escapes it)."""
    return escape(message) in response.content.decode()


@pytest.fixture
def new_thread_url(public_cop):
    return reverse("thread_create", args=[public_cop.slug])


@pytest.fixture
def reply(thread, moderator):
    return make_post(moderator, thread, body="Une réponse de la modération.")


# New thread -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "Texte"}, REQUIRED),
        ({"title": "   \t ", "body": "Texte"}, REQUIRED),
        ({"title": "\u200b\x07\u202e", "body": "Texte"}, "Le titre ne peut pas être vide."),
        (
            {"title": "t" * 201, "body": "Texte"},
            "Assurez-vous que cette valeur comporte au plus 200 caractères (actuellement 201).",
        ),
        ({"title": "Titre", "body": ""}, BODY_REQUIRED),
        ({"title": "Titre", "body": " \n\n "}, BODY_REQUIRED),
        ({"title": "Titre", "body": "\x01\x02\u200b"}, "Le message ne peut pas être vide."),
        (
            {"title": "Titre", "body": "b" * 50_001},
            "Assurez-vous que cette valeur comporte au plus 50000 caractères (actuellement 50001).",
        ),
        (
            {"title": "Titre", "body": "Texte", "tags": "###"},
            "L'étiquette « ### » est vide une fois nettoyée.",
        ),
        (
            {"title": "Titre", "body": "Texte", "tags": "loi, ,!!!"},
            "L'étiquette « !!! » est vide une fois nettoyée.",
        ),
        (
            {"title": "Titre", "body": "Texte", "tags": ",".join(f"t{i}" for i in range(9))},
            "8 étiquettes au plus.",
        ),
        (
            {"title": "Titre", "body": "Texte", "tags": "x" * 51},
            "Une étiquette fait au plus 50 caractères.",
        ),
    ],
    ids=[
        "empty-title",
        "blank-title",
        "invisible-title",
        "long-title",
        "empty-body",
        "blank-body",
        "invisible-body",
        "long-body",
        "hash-tag",
        "punctuation-tag",
        "too-many-tags",
        "long-tag",
    ],
)
def test_new_thread_with_bad_input_is_400_with_its_message_and_saves_nothing(
    data, message, new_thread_url, member, browser
):
    before = counts()

    response = browser(member).post(new_thread_url, data)

    assert response.status_code == 400
    assert shows(response, message)
    assert counts() == before


def test_new_thread_form_keeps_what_was_typed_after_an_error(new_thread_url, member, browser):
    response = browser(member).post(
        new_thread_url, {"title": "Mon titre précieux", "body": "", "tags": "loi 052"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Mon titre précieux"' in html
    assert 'value="loi 052"' in html


def test_new_thread_tag_is_saved_normalised(new_thread_url, member, browser):
    response = browser(member).post(
        new_thread_url, {"title": "Titre", "body": "Texte", "tags": "#Loi  052 , LOI 052"}
    )

    assert response.status_code == 302
    thread = Thread.objects.get(title="Titre")
    assert list(thread.tags.names()) == ["loi 052"]


# Replies ------------------------------------------------------------------------------------


def test_reply_with_empty_body_is_400_and_saves_nothing(thread, member, browser):
    before = counts()

    response = browser(member).post(reverse("thread_reply", args=[thread.pk]), {"body": "  "})

    assert response.status_code == 400
    assert shows(response, BODY_REQUIRED)
    assert counts() == before


def test_reply_to_a_post_of_another_thread_is_400_with_a_message(
    thread, public_cop, member, browser
):
    other = make_thread(member, public_cop, title="Une autre discussion")
    before = counts()

    response = browser(member).post(
        reverse("thread_reply", args=[thread.pk]),
        {"body": "Réponse", "parent": opening_post(other).pk},
    )

    assert response.status_code == 400
    # The same answer as for a missing post: no oracle on other threads' post ids.
    assert shows(response, "Le message auquel vous répondez n'existe plus.")
    assert counts() == before


def test_reply_whose_parent_is_in_a_private_thread_is_refused_without_showing_it(
    thread, private_thread, member, outsider, browser, public_cop
):
    """The parent id of a private post must neither be accepted nor echo its content."""
    Membership.objects.create(user=outsider, community=public_cop)
    secret = make_post(member, private_thread, body="Détail confidentiel de Mopti")
    before = counts()

    response = browser(outsider).post(
        reverse("thread_reply", args=[thread.pk]), {"body": "Réponse", "parent": secret.pk}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "confidentiel" not in html
    assert private_thread.title not in html
    assert counts() == before


@pytest.mark.parametrize("sent_parent", ["other-thread", "same-thread", "abc", "missing"])
def test_reply_to_a_post_answers_that_post_whatever_the_form_says(
    sent_parent, thread, public_cop, member, moderator, browser
):
    """The address names the post replied to; a tampered hidden field cannot redirect it."""
    other = make_thread(member, public_cop, title="Une autre discussion")
    target = make_post(moderator, thread, body="Le message auquel on répond")
    decoy = make_post(moderator, thread, body="Un autre message")
    sent = {
        "other-thread": opening_post(other).pk,
        "same-thread": decoy.pk,
        "abc": "abc",
        "missing": "",
    }[sent_parent]

    response = browser(member).post(
        reverse("post_reply", args=[target.pk]), {"body": "Ma réponse", "parent": sent}
    )

    assert response.status_code == 302
    reply = Post.objects.get(body="Ma réponse")
    assert (reply.parent_id, reply.thread_id) == (target.pk, thread.pk)


@pytest.mark.parametrize(
    ("parent", "message"),
    [
        ("999999", "Le message auquel vous répondez n'existe plus."),
        ("abc", "Saisissez un nombre entier."),
        ("0", "Assurez-vous que cette valeur est supérieure ou égale à 1."),
        ("-4", "Assurez-vous que cette valeur est supérieure ou égale à 1."),
        ("1e3", "Saisissez un nombre entier."),
        ("9" * 30, "Le message auquel vous répondez n'existe plus."),
    ],
)
def test_reply_with_a_bad_parent_id_is_400(parent, message, thread, member, browser):
    before = counts()

    response = browser(member).post(
        reverse("thread_reply", args=[thread.pk]), {"body": "Réponse", "parent": parent}
    )

    assert response.status_code == 400
    assert shows(response, message)
    assert counts() == before


def test_reply_with_a_body_too_long_is_400(thread, member, browser):
    before = counts()

    response = browser(member).post(
        reverse("thread_reply", args=[thread.pk]), {"body": "x" * 50_001}
    )

    assert response.status_code == 400
    assert counts() == before


def test_reply_in_a_locked_thread_is_403_with_the_reason(thread, member, moderator, browser):
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True)
    before = counts()

    for url in (
        reverse("thread_reply", args=[thread.pk]),
        reverse("post_reply", args=[opening_post(thread).pk]),
    ):
        response = browser(member).post(url, {"body": "Encore une chose"})

        assert response.status_code == 403
        assert shows(response, "Cette discussion est verrouillée : on ne peut plus y répondre.")
    assert counts() == before


def test_moderator_may_still_reply_in_a_locked_thread(thread, moderator, browser):
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True)

    response = browser(moderator).post(
        reverse("thread_reply", args=[thread.pk]), {"body": "Mot de la fin"}
    )

    assert response.status_code == 302
    assert Post.objects.filter(thread=thread, body="Mot de la fin").exists()


def test_reply_form_page_of_a_locked_thread_is_403_for_a_member(thread, member, moderator, browser):
    services.set_thread_locked(moderator=moderator, thread=thread, locked=True)

    response = browser(member).get(reverse("post_reply", args=[opening_post(thread).pk]))

    assert response.status_code == 403


@pytest.mark.parametrize("door", ["thread_reply", "post_reply", "thread_create"])
def test_logged_in_non_member_posting_is_403_with_the_reason(door, thread, outsider, browser):
    url = {
        "thread_reply": reverse("thread_reply", args=[thread.pk]),
        "post_reply": reverse("post_reply", args=[opening_post(thread).pk]),
        "thread_create": reverse("thread_create", args=[thread.community.slug]),
    }[door]
    before = counts()

    response = browser(outsider).post(url, {"title": "Titre", "body": "Texte"})

    assert response.status_code == 403
    assert shows(response, "Seuls les membres de cette communauté peuvent y écrire.")
    assert counts() == before


@pytest.mark.parametrize("door", ["thread_reply", "post_reply", "thread_create", "edit"])
def test_anonymous_post_redirects_to_login_and_saves_nothing(door, thread, browser):
    url = {
        "thread_reply": reverse("thread_reply", args=[thread.pk]),
        "post_reply": reverse("post_reply", args=[opening_post(thread).pk]),
        "thread_create": reverse("thread_create", args=[thread.community.slug]),
        "edit": reverse("post_edit", args=[opening_post(thread).pk]),
    }[door]
    before = counts()

    response = browser().post(url, {"title": "Titre", "body": "Texte"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert counts() == before
    assert opening_post(thread).body != "Texte"


# Editing ------------------------------------------------------------------------------------


def test_edit_with_an_empty_body_is_400_and_keeps_the_text(thread, member, browser):
    post = opening_post(thread)
    before = counts()

    response = browser(member).post(reverse("post_edit", args=[post.pk]), {"body": ""})

    assert response.status_code == 400
    assert shows(response, BODY_REQUIRED)
    assert counts() == before
    post.refresh_from_db()
    assert post.body.startswith("Quelles **expériences**")
    assert post.edit_count == 0


def test_edit_by_someone_else_is_403(thread, outsider, public_cop, browser):
    Membership.objects.create(user=outsider, community=public_cop)
    post = opening_post(thread)

    response = browser(outsider).post(reverse("post_edit", args=[post.pk]), {"body": "Piraté"})

    assert response.status_code == 403
    assert shows(response, "Vous ne pouvez pas modifier ce message.")
    post.refresh_from_db()
    assert post.body != "Piraté"


def test_delete_by_someone_else_is_403(thread, moderator, browser):
    post = opening_post(thread)

    response = browser(moderator).post(reverse("post_delete", args=[post.pk]))

    assert response.status_code == 403
    post.refresh_from_db()
    assert not post.is_deleted


def test_editing_a_deleted_post_is_403(thread, member, browser):
    post = opening_post(thread)
    services.delete_post(user=member, post=post)

    response = browser(member).post(reverse("post_edit", args=[post.pk]), {"body": "Retour"})

    assert response.status_code == 403
    assert shows(response, "Ce message a été supprimé.")


# Pagination ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["abc", "", "1.5", "%00", "-"])
def test_malformed_page_number_shows_page_one(page, thread, public_cop, browser):
    for url in (thread.get_absolute_url(), public_cop.get_absolute_url()):
        response = browser().get(f"{url}?page={page}")

        assert response.status_code == 200
        assert response.context["page"].number == 1


@pytest.mark.parametrize("page", ["999", "0", "-1", "9" * 40, str(inputs.MAX_ID)])
def test_page_number_out_of_range_is_404(page, thread, public_cop, browser):
    for url in (
        thread.get_absolute_url(),
        public_cop.get_absolute_url(),
        reverse("tag", args=["loi-052"]),
    ):
        assert browser().get(f"{url}?page={page}").status_code == 404


def test_moderation_log_page_out_of_range_is_404(public_cop, moderator, browser):
    url = reverse("moderation_log", args=[public_cop.slug])

    assert browser(moderator).get(url + "?page=abc").status_code == 200
    assert browser(moderator).get(url + "?page=3").status_code == 404


# Moderation ---------------------------------------------------------------------------------


def test_unknown_moderation_action_is_404(thread, moderator, browser):
    before = counts()

    response = browser(moderator).post(reverse("thread_moderate", args=[thread.pk, "explode"]))

    assert response.status_code == 404
    assert counts() == before


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("pin", {}),
        ("unpin", {}),
        ("lock", {"reason": "Hors sujet"}),
        ("unlock", {}),
        ("rename", {"title": "Nouveau titre"}),
        ("retag", {"tags": "piraté"}),
        ("move", {"target": "OTHER"}),
    ],
)
def test_thread_moderation_by_a_plain_member_is_403(
    action, data, thread, other_public_cop, member, browser
):
    if data.get("target") == "OTHER":
        data = {"target": other_public_cop.pk}
    before = counts()

    response = browser(member).post(reverse("thread_moderate", args=[thread.pk, action]), data)

    assert response.status_code == 403
    assert shows(response, "Cette action est réservée aux modératrices et modérateurs.")
    assert counts() == before
    thread.refresh_from_db()
    assert (thread.title, thread.is_pinned, thread.is_locked) == (
        "Loi 052 : où en est-on ?",
        False,
        False,
    )
    assert thread.community_id != other_public_cop.pk


@pytest.mark.parametrize("action", ["post_hide", "post_restore"])
def test_post_moderation_by_a_plain_member_is_403(action, reply, member, browser):
    before = counts()

    response = browser(member).post(reverse(action, args=[reply.pk]), {"reason": "Spam"})

    assert response.status_code == 403
    assert counts() == before
    reply.refresh_from_db()
    assert not reply.is_hidden


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", REQUIRED),
        ("    ", REQUIRED),
        ("\x07\u200b", "Indiquez le motif du masquage."),
        ("r" * 501, "comporte au plus 500 caractères (actuellement 501)."),
    ],
)
def test_hide_without_a_usable_reason_is_400(reason, message, reply, moderator, browser):
    before = counts()

    response = browser(moderator).post(reverse("post_hide", args=[reply.pk]), {"reason": reason})

    assert response.status_code == 400
    assert shows(response, message)
    assert counts() == before
    reply.refresh_from_db()
    assert not reply.is_hidden


def test_hiding_a_hidden_post_again_is_400(reply, moderator, browser):
    services.hide_post(moderator=moderator, post=reply, reason="Hors sujet")
    before = counts()

    response = browser(moderator).post(reverse("post_hide", args=[reply.pk]), {"reason": "Bis"})

    assert response.status_code == 400
    assert shows(response, "Ce message est déjà masqué.")
    assert counts() == before


def test_restoring_a_visible_post_shows_a_message_and_logs_nothing(reply, moderator, browser):
    before = counts()

    response = browser(moderator).post(reverse("post_restore", args=[reply.pk]), follow=True)

    assert response.status_code == 200
    assert shows(response, "Ce message n'est pas masqué.")
    assert counts() == before


def test_move_to_the_same_cop_is_400(thread, public_cop, moderator, browser):
    before = counts()

    response = browser(moderator).post(
        reverse("thread_moderate", args=[thread.pk, "move"]), {"target": public_cop.pk}
    )

    assert response.status_code == 400
    assert shows(response, "Sélectionnez un choix valide.")
    assert counts() == before
    thread.refresh_from_db()
    assert thread.community_id == public_cop.pk


@pytest.mark.parametrize("target", ["", "abc", "999999", "\x00"])
def test_move_to_a_missing_or_malformed_cop_is_400(target, thread, moderator, browser):
    before = counts()

    response = browser(moderator).post(
        reverse("thread_moderate", args=[thread.pk, "move"]), {"target": target}
    )

    assert response.status_code == 400
    assert counts() == before


def test_move_to_a_cop_she_does_not_moderate_is_400(thread, moderator, browser):
    elsewhere = make_community(name="Ailleurs")
    Membership.objects.create(user=moderator, community=elsewhere)  # member, not moderator
    before = counts()

    response = browser(moderator).post(
        reverse("thread_moderate", args=[thread.pk, "move"]), {"target": elsewhere.pk}
    )

    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", REQUIRED),
        ("\u200b\u200b", "Le titre ne peut pas être vide."),
        ("t" * 201, "Assurez-vous que cette valeur comporte au plus 200 caractères"),
    ],
)
def test_rename_with_a_bad_title_is_400(title, message, thread, moderator, browser):
    before = counts()

    response = browser(moderator).post(
        reverse("thread_moderate", args=[thread.pk, "rename"]), {"title": title}
    )

    assert response.status_code == 400
    assert shows(response, message)
    assert counts() == before
    thread.refresh_from_db()
    assert thread.title == "Loi 052 : où en est-on ?"


def test_retag_with_an_empty_tag_is_400_and_keeps_the_tags(thread, moderator, browser):
    before = counts()

    response = browser(moderator).post(
        reverse("thread_moderate", args=[thread.pk, "retag"]), {"tags": "nouveau,###"}
    )

    assert response.status_code == 400
    assert shows(response, "L'étiquette « ### » est vide une fois nettoyée.")
    assert counts() == before
    assert list(thread.tags.names()) == ["loi 052"]


def test_lock_with_a_reason_too_long_is_400_and_does_not_lock(thread, moderator, browser):
    before = counts()

    response = browser(moderator).post(
        reverse("thread_moderate", args=[thread.pk, "lock"]), {"reason": "r" * 501}
    )

    assert response.status_code == 400
    assert shows(response, "au plus 500 caractères")
    assert counts() == before
    thread.refresh_from_db()
    assert not thread.is_locked


# POST-only endpoints ------------------------------------------------------------------------


@pytest.fixture
def post_only_urls(thread, reply, public_cop, moderator, outsider):
    membership = Membership.objects.get(user=moderator, community=public_cop)
    join_request = JoinRequest.objects.create(user=outsider, community=public_cop)
    invitation = services.create_invitation(moderator=moderator, community=public_cop)
    slug = public_cop.slug
    return [
        reverse("community_join", args=[slug]),
        reverse("community_leave", args=[slug]),
        reverse("member_role", args=[slug, membership.pk]),
        # member_remove answers GET with its confirmation page (tests/forum/test_member_pages.py).
        reverse("join_request_decide", args=[slug, join_request.pk]),
        reverse("invitation_revoke", args=[slug, invitation.pk]),
        reverse("thread_reply", args=[thread.pk]),
        reverse("thread_moderate", args=[thread.pk, "pin"]),
        reverse("thread_moderate", args=[thread.pk, "lock"]),
        reverse("post_hide", args=[reply.pk]),
        reverse("post_restore", args=[reply.pk]),
        reverse("switch_language"),
        reverse("logout"),
    ]


def test_get_on_post_only_endpoints_is_405_and_changes_nothing(post_only_urls, moderator, browser):
    client = browser(moderator)
    before = counts()

    for url in post_only_urls:
        response = client.get(url)
        assert response.status_code == 405, url
    assert counts() == before
    assert "_auth_user_id" in client.session  # GET /compte/deconnexion/ did not log out


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_on_forms_are_405(method, thread, member, browser):
    response = getattr(browser(member), method)(reverse("thread_create", args=["droits-fonciers"]))

    assert response.status_code == 405


# Membership administration ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "", "MODERATOR", "\x00"])
def test_invalid_role_changes_nothing_and_says_so(role, public_cop, member, moderator, browser):
    membership = Membership.objects.get(user=member, community=public_cop)
    before = counts()

    response = browser(moderator).post(
        reverse("member_role", args=[public_cop.slug, membership.pk]), {"role": role}, follow=True
    )

    assert response.status_code == 200
    assert shows(response, "Rôle inconnu.")
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER
    assert counts() == before


def test_membership_of_another_cop_is_404_on_role_change(
    public_cop, private_cop, member, moderator, browser
):
    other = Membership.objects.get(user=member, community=private_cop)

    response = browser(moderator).post(
        reverse("member_role", args=[public_cop.slug, other.pk]), {"role": "moderator"}
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.role == Membership.Role.MEMBER


def test_role_change_by_a_plain_member_is_403(public_cop, member, moderator, browser):
    membership = Membership.objects.get(user=moderator, community=public_cop)

    response = browser(member).post(
        reverse("member_role", args=[public_cop.slug, membership.pk]), {"role": "member"}
    )

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MODERATOR


@pytest.mark.parametrize("decision", ["", "maybe", "APPROVE"])
def test_unknown_join_decision_changes_nothing_and_says_so(
    decision, public_cop, outsider, moderator, browser
):
    join_request = JoinRequest.objects.create(user=outsider, community=public_cop)
    before = counts()

    response = browser(moderator).post(
        reverse("join_request_decide", args=[public_cop.slug, join_request.pk]),
        {"decision": decision},
        follow=True,
    )

    assert response.status_code == 200
    assert shows(response, "Choisissez « accepter » ou « refuser ».")
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert counts() == before


def test_second_join_request_says_it_is_pending_and_saves_nothing(public_cop, outsider, browser):
    client = browser(outsider)
    url = reverse("community_join", args=[public_cop.slug])
    client.post(url, {"message": "Bonjour"})
    before = counts()

    response = client.post(url, {"message": "Encore"}, follow=True)

    assert response.status_code == 200
    assert shows(response, "Votre demande est déjà en attente d'une réponse.")
    assert counts() == before


def test_join_request_message_too_long_says_so_and_saves_nothing(public_cop, outsider, browser):
    before = counts()

    response = browser(outsider).post(
        reverse("community_join", args=[public_cop.slug]), {"message": "m" * 1001}, follow=True
    )

    assert response.status_code == 200
    assert shows(response, "Votre message est trop long (1000 caractères au plus).")
    assert counts() == before


@pytest.mark.parametrize(
    "data",
    [
        {"days": 0, "max_uses": 5},
        {"days": 91, "max_uses": 5},
        {"days": "abc", "max_uses": 5},
        {"days": 7, "max_uses": 0},
        {"days": 7, "max_uses": 501},
        {},
    ],
)
def test_invitation_with_bad_numbers_is_400_and_creates_nothing(
    data, public_cop, moderator, browser
):
    before = counts()

    response = browser(moderator).post(reverse("invitations", args=[public_cop.slug]), data)

    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize("token", ["inconnu", "x" * 200, "a%00b"])
def test_unknown_invitation_token_is_404(token, member, browser):
    for client in (browser(), browser(member)):
        assert client.get(f"/invitation/{token}/").status_code == 404
        assert client.post(f"/invitation/{token}/").status_code in (302, 404)


# Organisation filters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["domain=inconnu", "region=atlantide", "domain=%00", "region=segou&domain=x"]
)
def test_organisation_filter_with_an_unknown_value_is_400(query, browser):
    response = browser().get(f"{reverse('organisations')}?{query}")

    assert response.status_code == 400
    assert shows(response, "Sélectionnez un choix valide.")


# NUL characters (PostgreSQL refuses them in text: they must never reach the database) -------


@pytest.mark.parametrize(
    "data",
    [
        {"title": "Ti\x00tre", "body": "Texte"},
        {"title": "Titre", "body": "Te\x00xte"},
        {"title": "Titre", "body": "Texte", "tags": "lo\x00i"},
    ],
    ids=["title", "body", "tags"],
)
def test_nul_character_in_a_new_thread_is_refused_never_500(data, new_thread_url, member, browser):
    before = counts()

    response = browser(member).post(new_thread_url, data)

    assert response.status_code == 400
    assert shows(response, NUL_REFUSED)
    assert counts() == before


@pytest.fixture
def nul_requests(thread, reply, public_cop):
    """Every write a member or moderator can send, each with a NUL in a text field."""
    first = opening_post(thread).pk
    return [
        (reverse("thread_reply", args=[thread.pk]), {"body": "a\x00b"}),
        (reverse("post_reply", args=[first]), {"body": "a\x00b", "parent": first}),
        (reverse("post_edit", args=[first]), {"body": "a\x00b"}),
        (reverse("post_hide", args=[reply.pk]), {"reason": "a\x00b"}),
        (reverse("thread_moderate", args=[thread.pk, "rename"]), {"title": "a\x00b"}),
        (reverse("thread_moderate", args=[thread.pk, "retag"]), {"tags": "a\x00b"}),
        (reverse("thread_moderate", args=[thread.pk, "lock"]), {"reason": "a\x00b"}),
        (reverse("invitations", args=[public_cop.slug]), {"days": "1\x00", "max_uses": 2}),
        (reverse("profile_edit"), {"display_name": "Awa\x00", "preferred_language": "fr"}),
        (reverse("profile_edit"), {"display_name": "A", "bio": "\x00", "preferred_language": "fr"}),
        (reverse("switch_language"), {"language": "e\x00n", "next": "/\x00"}),
        (reverse("login"), {"username": "awa\x00", "password": "x\x00"}),
    ]


def test_nul_character_in_any_write_is_refused_or_cleaned_never_500(
    nul_requests, thread, moderator, browser
):
    client = browser(moderator)
    for url, data in nul_requests:
        before = counts()

        response = client.post(url, data)

        assert response.status_code < 500, url
        assert counts() == before, url
    for text in Post.objects.values_list("body", flat=True):
        assert "\x00" not in text
    for text in ModerationAction.objects.values_list("reason", flat=True):
        assert "\x00" not in text
    assert "\x00" not in Thread.objects.get(pk=thread.pk).title


@pytest.mark.parametrize(
    "url",
    [
        "/etiquettes/a%00b/",
        "/invitation/a%00b/",
        "/communautes/a%00b/",
        "/organisations/a%00b/",
        "/discussions/1/a%00b/",
        "/?page=%00",
        "/organisations/?domain=%00&region=%00",
        "/compte/connexion/?next=%00",
    ],
)
def test_nul_character_in_an_address_is_never_500(url, thread, member, browser):
    for client in (browser(), browser(member)):
        response = client.get(url)

        assert response.status_code < 500


def test_nul_character_in_signup_is_refused_and_creates_no_account(browser):
    before = counts()

    response = browser().post(
        reverse("signup"),
        {
            "username": "nou\x00velle",
            "display_name": "Nou\x00velle",
            "password1": "Un-mot-de-passe-solide-2025",
            "password2": "Un-mot-de-passe-solide-2025",
            "preferred_language": "fr",
        },
    )

    assert response.status_code == 400
    assert shows(response, NUL_REFUSED)
    assert counts() == before


# CSRF ------------------------------------------------------------------------------------------


def test_post_without_a_csrf_token_is_403_with_an_explanation_and_saves_nothing(thread, member):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(member)
    before = counts()

    response = client.post(reverse("thread_reply", args=[thread.pk]), {"body": "Sans jeton"})

    assert response.status_code == 403
    assert shows(response, "Formulaire expiré")
    assert counts() == before


def test_post_with_the_csrf_token_of_the_form_is_accepted(thread, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(thread.get_absolute_url())
    token = page.context["csrf_token"]

    response = client.post(
        reverse("thread_reply", args=[thread.pk]),
        {"body": "Avec jeton", "csrfmiddlewaretoken": str(token)},
    )

    assert response.status_code == 302
    assert Post.objects.filter(body="Avec jeton").exists()


@pytest.mark.parametrize("key", ["abc\x00defghijk", "../../etc/passwd", "é" * 32])
def test_malformed_session_cookie_is_no_session_not_an_error(client, public_cop, key):
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    response = client.get(public_cop.get_absolute_url())
    assert response.status_code == 200
    assert response.context["user"].is_anonymous
