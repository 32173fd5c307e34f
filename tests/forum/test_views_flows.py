"""
End-to-end flows through the test client, as a member clicks through them.

Each test follows the redirects a browser would follow and checks what the
next page shows, so that a view, its URL, its template and its service are
proven to work together.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from forum import services
from forum.models import (
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Organisation,
    Post,
    PostRevision,
    Thread,
    User,
)

from ..factories import (
    PASSWORD,
    make_organisation,
    make_post,
    make_thread,
    make_user,
    opening_post,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Un-nouveau-mot-de-passe-2025!"


def make_member(community) -> User:
    user = make_user()
    Membership.objects.create(user=user, community=community)
    return user


def html(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Accounts ------------------------------------------------------------------------------------


def test_signup_logs_in_and_the_profile_shows_the_display_name(region, client):
    response = client.post(
        reverse("signup"),
        {
            "username": "mariam",
            "display_name": "Mariam Keïta",
            "email": "mariam@example.org",
            "region": region.pk,
            "preferred_language": "fr",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        follow=True,
    )

    user = User.objects.get(username="mariam")
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "Bienvenue sur Jɛkafɔ !" in flashed(response)
    profile = client.get(user.get_absolute_url())
    assert "<h1>Mariam Keïta</h1>" in html(profile)
    assert "Ségou" in html(profile)
    assert reverse("profile_edit") in html(profile)  # her own profile offers editing


def test_signup_follows_a_safe_next_and_ignores_an_unsafe_one(client):
    data = {
        "display_name": "D",
        "preferred_language": "fr",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }

    response = client.post(
        reverse("signup") + "?next=/organisations/",
        {**data, "username": "d1", "next": "/organisations/"},
    )
    assert response["Location"] == "/organisations/"

    client.post(reverse("logout"))
    response = client.post(
        reverse("signup"),
        {**data, "username": "d2", "display_name": "E", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_signup_with_mismatched_passwords_is_400_and_creates_nobody(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "x",
            "display_name": "X",
            "preferred_language": "fr",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD + "!",
        },
    )

    assert response.status_code == 400
    assert not User.objects.filter(username="x").exists()


def test_signed_in_member_is_sent_home_from_signup(member, client_for):
    response = client_for(member).get(reverse("signup"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_then_logout_by_post(member, client):
    response = client.post(reverse("login"), {"username": "awa", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert int(client.session["_auth_user_id"]) == member.pk
    assert "Awa Traoré" in html(response)  # the header names her

    response = client.post(reverse("logout"), follow=True)

    assert "_auth_user_id" not in client.session
    assert reverse("login") in html(response)


def test_login_goes_back_to_the_page_asked_for(member, public_cop, client):
    target = reverse("thread_create", args=[public_cop.slug])

    first = client.get(target)
    assert first["Location"] == f"{reverse('login')}?next={target}"

    response = client.post(
        f"{reverse('login')}?next={target}",
        {"username": "awa", "password": PASSWORD, "next": target},
    )
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_login_with_a_wrong_password_stays_logged_out(member, client):
    response = client.post(reverse("login"), {"username": "awa", "password": "faux"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_password_change_keeps_her_logged_in_and_the_new_password_works(member, client_for):
    client = client_for(member)

    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [(member.get_absolute_url(), 302)]
    assert "Mot de passe modifié." in flashed(response)
    assert client.get(reverse("profile_edit")).status_code == 200  # session still valid
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert client_for(None).login(username="awa", password=NEW_PASSWORD)


def test_password_change_with_a_wrong_old_password_is_400(member, client_for):
    response = client_for(member).post(
        reverse("password_change"),
        {"old_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_profile_edit_to_english_renders_pages_in_english(member, region, client_for):
    client = client_for(member)
    assert '<html lang="fr"' in html(client.get(reverse("home")))

    response = client.post(
        reverse("profile_edit"),
        {
            "display_name": "Awa T.",
            "bio": "Juriste à Ségou.",
            "region": region.pk,
            "email": "awa@example.org",
            "phone": "",
            "preferred_language": "en",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == member.get_absolute_url()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    member.refresh_from_db()
    assert (member.display_name, member.preferred_language) == ("Awa T.", "en")
    for url in (reverse("home"), member.get_absolute_url(), reverse("organisations")):
        page = client.get(url)
        assert '<html lang="en"' in html(page)
        assert page["Content-Language"] == "en"


def test_preferred_language_wins_over_the_browser(member, client_for):
    User.objects.filter(pk=member.pk).update(preferred_language="en")

    page = client_for(member).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert '<html lang="en"' in html(page)


def test_language_switcher_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post(
        reverse("switch_language"), {"language": "en", "next": reverse("organisations")}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("organisations")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["samesite"] == "Lax"
    assert '<html lang="en"' in html(client.get(reverse("home")))


def test_language_switcher_rejects_an_unknown_language_with_a_message(client):
    response = client.post(reverse("switch_language"), {"language": "xx", "next": "/"}, follow=True)

    assert "Langue inconnue." in flashed(response)
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert '<html lang="fr"' in html(response)


def test_language_switcher_ignores_a_next_on_another_site(client):
    response = client.post(
        reverse("switch_language"), {"language": "en", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("home")


def test_language_switcher_saves_the_choice_of_a_signed_in_member(member, client_for):
    client_for(member).post(reverse("switch_language"), {"language": "en"})

    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_every_page_has_a_language_switcher(thread, client):
    page = html(client.get(thread.get_absolute_url()))

    assert f'action="{reverse("switch_language")}"' in page
    assert f'name="next" value="{thread.get_absolute_url()}"' in page


# Joining a CoP --------------------------------------------------------------------------------


def test_join_request_approved_by_a_moderator_lets_her_post(
    public_cop, outsider, moderator, client_for
):
    newcomer = client_for(outsider)
    response = newcomer.post(
        reverse("community_join", args=[public_cop.slug]),
        {"message": "Je travaille sur le foncier à Kayes."},
        follow=True,
    )
    assert "Votre demande a été envoyée aux modératrices et modérateurs." in flashed(response)
    assert "Votre demande d'adhésion attend" in html(response)
    assert (
        newcomer.post(
            reverse("thread_create", args=[public_cop.slug]), {"title": "T", "body": "B"}
        ).status_code
        == 403
    )

    moderation = client_for(moderator)
    assert "(1)" in html(moderation.get(public_cop.get_absolute_url()))  # pending count
    queue = moderation.get(reverse("join_requests", args=[public_cop.slug]))
    assert "Bintou Coulibaly" in html(queue)
    assert "Je travaille sur le foncier à Kayes." in html(queue)
    join_request = JoinRequest.objects.get(user=outsider)
    response = moderation.post(
        reverse("join_request_decide", args=[public_cop.slug, join_request.pk]),
        {"decision": "approve"},
        follow=True,
    )
    assert "Réponse enregistrée." in flashed(response)
    assert "Aucune demande en attente." in html(response)

    assert Membership.objects.filter(user=outsider, community=public_cop).exists()
    response = newcomer.post(
        reverse("thread_create", args=[public_cop.slug]),
        {"title": "Ma première discussion", "body": "Bonjour à toutes !"},
        follow=True,
    )
    assert response.status_code == 200
    assert '<h1 id="thread-title">Ma première discussion</h1>' in html(response)
    log = html(moderation.get(reverse("moderation_log", args=[public_cop.slug])))
    assert "a accepté une demande d&#x27;adhésion" in log
    assert "Bintou Coulibaly" in log


def test_refused_join_request_leaves_her_outside(public_cop, outsider, moderator, client_for):
    client_for(outsider).post(reverse("community_join", args=[public_cop.slug]))
    join_request = JoinRequest.objects.get(user=outsider)

    client_for(moderator).post(
        reverse("join_request_decide", args=[public_cop.slug, join_request.pk]),
        {"decision": "refuse"},
    )

    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.REFUSED
    assert not Membership.objects.filter(user=outsider, community=public_cop).exists()


def test_member_leaves_a_cop_and_can_no_longer_post(public_cop, thread, member, client_for):
    client = client_for(member)

    response = client.post(reverse("community_leave", args=[public_cop.slug]), follow=True)

    assert "Vous avez quitté « Droits fonciers des femmes »." in flashed(response)
    assert not Membership.objects.filter(user=member, community=public_cop).exists()
    assert (
        client.post(reverse("thread_reply", args=[thread.pk]), {"body": "Encore là ?"}).status_code
        == 403
    )


def test_the_last_moderator_cannot_leave_and_is_told_why(public_cop, moderator, browser):
    """Regression: the service's refusal was not caught and the page answered 500."""
    response = browser(moderator).post(
        reverse("community_leave", args=[public_cop.slug]), follow=True
    )

    assert response.status_code == 200
    assert any("confiez d'abord ce rôle" in text for text in flashed(response))
    assert Membership.objects.filter(user=moderator, community=public_cop).exists()


def test_moderator_promotes_then_removes_members(public_cop, member, moderator, client_for):
    client = client_for(moderator)
    membership = Membership.objects.get(user=member, community=public_cop)

    response = client.post(
        reverse("member_role", args=[public_cop.slug, membership.pk]),
        {"role": "moderator"},
        follow=True,
    )
    assert "Rôle mis à jour." in flashed(response)
    membership.refresh_from_db()
    assert membership.is_moderator

    other = make_user(display_name="Oumou Sangaré")
    other_membership = Membership.objects.create(user=other, community=public_cop)
    response = client.post(
        reverse("member_remove", args=[public_cop.slug, other_membership.pk]),
        {"reason": "Demande de l'intéressée"},
        follow=True,
    )
    assert "Le membre a été retiré de la communauté." in flashed(response)
    assert "Oumou Sangaré" not in html(response).split("<tbody>")[1]
    log = html(client.get(reverse("moderation_log", args=[public_cop.slug])))
    assert "a changé le rôle d&#x27;un membre" in log
    assert "a retiré un membre" in log


# Invitations --------------------------------------------------------------------------------


def test_invitation_link_makes_its_holder_a_member(private_cop, moderator, outsider, client_for):
    moderation = client_for(moderator)
    response = moderation.post(
        reverse("invitations", args=[private_cop.slug]), {"days": 7, "max_uses": 3}, follow=True
    )
    assert "Lien d&#x27;invitation créé." in html(response)
    invitation = Invitation.objects.get(community=private_cop)
    assert invitation.get_absolute_url() in html(response)  # the link to copy
    assert "0 / 3" in html(response)

    guest = client_for(outsider)
    assert guest.get(private_cop.get_absolute_url()).status_code == 404
    page = guest.get(invitation.get_absolute_url())
    assert page.status_code == 200
    assert "Accompagnement des survivantes" in html(page)
    response = guest.post(invitation.get_absolute_url(), follow=True)

    assert response.redirect_chain == [(private_cop.get_absolute_url(), 302)]
    assert "Bienvenue dans « Accompagnement des survivantes » !" in flashed(response)
    assert Membership.objects.filter(user=outsider, community=private_cop).exists()
    invitation.refresh_from_db()
    assert invitation.use_count == 1
    # A second visit neither counts again nor fails.
    assert "Vous êtes déjà membre" in html(guest.get(invitation.get_absolute_url()))
    guest.post(invitation.get_absolute_url())
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_anonymous_visitor_is_asked_to_log_in_to_accept_an_invitation(
    private_cop, moderator, client
):
    invitation = services.create_invitation(moderator=moderator, community=private_cop)

    page = html(client.get(invitation.get_absolute_url()))

    assert f"{reverse('login')}?next={invitation.get_absolute_url()}" in page
    assert f"{reverse('signup')}?next={invitation.get_absolute_url()}" in page


def test_revoked_invitation_link_is_404(private_cop, moderator, outsider, client_for):
    invitation = services.create_invitation(moderator=moderator, community=private_cop)

    response = client_for(moderator).post(
        reverse("invitation_revoke", args=[private_cop.slug, invitation.pk]), follow=True
    )

    assert "Lien d&#x27;invitation révoqué." in html(response)
    assert "révoqué" in html(response)
    guest = client_for(outsider)
    assert guest.get(invitation.get_absolute_url()).status_code == 404
    assert guest.post(invitation.get_absolute_url()).status_code == 404
    assert not Membership.objects.filter(user=outsider, community=private_cop).exists()


def test_used_up_invitation_link_is_404(private_cop, moderator, client_for):
    invitation = services.create_invitation(moderator=moderator, community=private_cop, max_uses=1)
    first, second = make_user(), make_user()

    assert client_for(first).post(invitation.get_absolute_url()).status_code == 302
    assert client_for(second).post(invitation.get_absolute_url()).status_code == 404
    assert not Membership.objects.filter(user=second, community=private_cop).exists()


def test_plain_member_cannot_create_or_revoke_invitations(
    private_cop, member, moderator, client_for
):
    invitation = services.create_invitation(moderator=moderator, community=private_cop)
    client = client_for(member)

    assert (
        client.post(
            reverse("invitations", args=[private_cop.slug]), {"days": 7, "max_uses": 3}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("invitation_revoke", args=[private_cop.slug, invitation.pk])
        ).status_code
        == 403
    )
    invitation.refresh_from_db()
    assert not invitation.revoked
    assert Invitation.objects.count() == 1


# Threads and replies ------------------------------------------------------------------------


def test_new_thread_redirects_to_its_page_with_the_title_escaped(public_cop, member, client_for):
    response = client_for(member).post(
        reverse("thread_create", args=[public_cop.slug]),
        {
            "title": "<script>alert(1)</script>",
            "body": "<script>alert(2)</script> **gras**",
            "tags": "Sécurité, <b>html</b>",
        },
        follow=True,
    )

    thread = Thread.objects.get()
    assert response.redirect_chain == [(thread.get_absolute_url(), 302)]
    page = html(response)
    assert '<h1 id="thread-title">&lt;script&gt;alert(1)&lt;/script&gt;</h1>' in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; · Jɛkafɔ</title>" in page
    assert "<script>alert" not in page
    assert "<strong>gras</strong>" in page
    assert "<b>html</b>" not in page
    assert sorted(thread.tags.names()) == ["<b>html</b>", "sécurité"]
    assert "&lt;b&gt;html&lt;/b&gt;" in page


def test_reply_redirects_to_its_permalink_then_to_its_page_and_anchor(
    thread, member, moderator, client_for
):
    for number in range(58):
        make_post(moderator, thread, body=f"Réponse {number}")
    client = client_for(member)

    response = client.post(reverse("thread_reply", args=[thread.pk]), {"body": "La 60e."})

    post = Post.objects.get(body="La 60e.")
    assert Post.objects.filter(thread=thread).count() == 60
    assert response["Location"] == reverse("post", args=[post.pk])
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#post-{post.pk}"
    page = client.get(response["Location"])
    assert f'id="post-{post.pk}"' in html(page)
    assert "La 60e." in html(page)


def test_nested_reply_on_page_one_redirects_without_a_page_number(
    thread, member, moderator, client_for
):
    first = make_post(moderator, thread, body="Première réponse")
    for number in range(58):
        make_post(moderator, thread, body=f"Réponse {number}")
    client = client_for(member)

    response = client.post(reverse("post_reply", args=[first.pk]), {"body": "Sous la première"})

    post = Post.objects.get(body="Sous la première")
    assert post.parent_id == first.pk
    target = client.get(response["Location"])["Location"]
    assert target == f"{thread.get_absolute_url()}#post-{post.pk}"
    assert "Sous la première" in html(client.get(thread.get_absolute_url()))


def test_reply_page_quotes_the_post_when_asked(thread, member, moderator, client_for):
    post = make_post(moderator, thread, body="Ligne un\n\nLigne deux")
    client = client_for(member)

    plain = html(client.get(reverse("post_reply", args=[post.pk])))
    quoted = html(client.get(reverse("post_reply", args=[post.pk]) + "?quote=1"))

    assert "&gt; Ligne un" not in plain
    assert "&gt; **Fatoumata Diarra** :\n&gt;\n&gt; Ligne un\n&gt;\n&gt; Ligne deux" in quoted
    assert f'name="parent" value="{post.pk}"' in quoted


def test_quoting_a_hidden_post_does_not_copy_its_text(thread, member, moderator, client_for):
    post = make_post(moderator, thread, body="Propos déplacés")
    services.hide_post(moderator=moderator, post=post, reason="Insulte")

    page = html(client_for(member).get(reverse("post_reply", args=[post.pk]) + "?quote=1"))

    assert "Propos déplacés" not in page
    assert "Message masqué par la modération." in page


def test_slug_changes_redirect_permanently_to_the_current_address(thread, client):
    response = client.get(reverse("thread", args=[thread.pk, "ancien-titre"]))

    assert response.status_code == 301
    assert response["Location"] == thread.get_absolute_url()
    assert client.get(reverse("thread_short", args=[thread.pk])).status_code == 301


# Editing, deleting, hiding --------------------------------------------------------------------


def test_edit_keeps_a_history_that_only_moderators_see(
    thread, member, moderator, outsider, client_for
):
    post = opening_post(thread)
    author = client_for(member)
    assert "Quelles **expériences**" in html(author.get(reverse("post_edit", args=[post.pk])))

    response = author.post(reverse("post_edit", args=[post.pk]), {"body": "Texte *corrigé*."})

    assert response["Location"] == reverse("post", args=[post.pk])
    assert PostRevision.objects.filter(post=post).count() == 1
    page = html(author.get(thread.get_absolute_url()))
    assert "<em>corrigé</em>" in page
    assert "(modifié)" in page
    assert reverse("post_history", args=[post.pk]) not in page  # no link for her

    history_url = reverse("post_history", args=[post.pk])
    moderation = client_for(moderator)
    assert history_url in html(moderation.get(thread.get_absolute_url()))
    history = html(moderation.get(history_url))
    assert "<strong>expériences</strong>" in history  # the earlier version
    assert "<em>corrigé</em>" in history
    assert "Awa Traoré" in history  # who replaced it

    assert author.get(history_url).status_code == 403
    assert client_for(outsider).get(history_url).status_code == 403
    assert client_for(None).get(history_url).status_code == 302


def test_edit_by_a_moderator_is_logged(thread, moderator, client_for):
    post = opening_post(thread)
    client = client_for(moderator)

    client.post(reverse("post_edit", args=[post.pk]), {"body": "Lien retiré par la modération."})

    log = html(client.get(reverse("moderation_log", args=[thread.community.slug])))
    assert "a modifié le message d&#x27;une autre personne" in log


def test_delete_by_its_author_leaves_a_marker_and_keeps_the_replies(
    thread, member, moderator, client_for
):
    post = make_post(member, thread, body="Un message regretté")
    services.edit_post(editor=member, post=post, body="Un message vraiment regretté")
    child = make_post(moderator, thread, parent=post, body="Une réponse qui reste")
    client = client_for(member)
    confirm = client.get(reverse("post_delete", args=[post.pk]))
    assert "Supprimer définitivement" in html(confirm)

    response = client.post(reverse("post_delete", args=[post.pk]), follow=True)

    assert "Votre message a été supprimé." in flashed(response)
    page = html(response)
    assert "Message supprimé par son auteur." in page
    assert "regretté" not in page
    assert "Une réponse qui reste" in page
    assert f'id="post-{child.pk}"' in page
    assert not PostRevision.objects.filter(post=post).exists()
    assert "regretté" not in html(
        client_for(moderator).get(reverse("post_history", args=[post.pk]))
    )


def test_moderator_hides_a_post_members_see_a_marker_moderators_the_text(
    thread, member, moderator, outsider, client_for
):
    post = make_post(member, thread, body="Propos à vérifier")
    hider = client_for(moderator)

    response = hider.post(
        reverse("post_hide", args=[post.pk]), {"reason": "Hors charte"}, follow=True
    )

    assert "Message masqué." in flashed(response)
    for viewer in (None, outsider, make_member(thread.community)):
        page = html(client_for(viewer).get(thread.get_absolute_url()))
        assert "Message masqué par la modération." in page
        assert "Propos à vérifier" not in page
    page = html(hider.get(thread.get_absolute_url()))
    assert "Propos à vérifier" in page
    assert "Masqué par la modération — motif : Hors charte" in page
    assert "a masqué un message" in html(
        hider.get(reverse("moderation_log", args=[thread.community.slug]))
    )

    hider.post(reverse("post_restore", args=[post.pk]))
    assert "Propos à vérifier" in html(client_for(outsider).get(thread.get_absolute_url()))


def test_hidden_post_stays_readable_by_its_author(thread, member, moderator, client_for):
    post = make_post(member, thread, body="Mon avis tranché")
    services.hide_post(moderator=moderator, post=post, reason="À reformuler")

    page = html(client_for(member).get(thread.get_absolute_url()))

    assert "Mon avis tranché" in page
    assert "motif : À reformuler" in page


# Thread moderation and the log ---------------------------------------------------------------


def test_thread_moderation_actions_show_in_the_log(
    thread, public_cop, other_public_cop, member, moderator, client_for
):
    client = client_for(moderator)

    def url(action: str) -> str:
        return reverse("thread_moderate", args=[thread.pk, action])

    assert client.post(url("pin"))["Location"] == thread.get_absolute_url()
    assert "épinglée" in html(client.get(thread.get_absolute_url()))
    client.post(url("lock"), {"reason": "Débat clos"})
    locked = html(client_for(member).get(thread.get_absolute_url()))
    assert "Cette discussion est verrouillée : on ne peut plus y répondre." in locked
    assert reverse("thread_reply", args=[thread.pk]) not in locked
    client.post(url("rename"), {"title": "Loi 052 : bilan 2025"})
    client.post(url("retag"), {"tags": "loi 052, bilan"})
    response = client.post(url("move"), {"target": other_public_cop.pk, "reason": "Mieux ici"})

    thread.refresh_from_db()
    assert response["Location"] == thread.get_absolute_url()
    assert (thread.is_pinned, thread.is_locked, thread.title, thread.community_id) == (
        True,
        True,
        "Loi 052 : bilan 2025",
        other_public_cop.pk,
    )
    assert sorted(thread.tags.names()) == ["bilan", "loi 052"]

    source_log = html(client.get(reverse("moderation_log", args=[public_cop.slug])))
    for entry in (
        "a épinglé la discussion",
        "a verrouillé la discussion",
        "Motif : Débat clos",
        "a renommé la discussion",
        "« Loi 052 : où en est-on ? » → « Loi 052 : bilan 2025 »",
        "a modifié les étiquettes",
        "a déplacé la discussion vers une autre communauté",
        "Droits fonciers des femmes → Violences basées sur le genre",
        "Motif : Mieux ici",
        "Fatoumata Diarra",
    ):
        assert entry in source_log, entry
    target_log = html(client.get(reverse("moderation_log", args=[other_public_cop.slug])))
    assert "a reçu une discussion d&#x27;une autre communauté" in target_log
    assert ModerationAction.objects.count() == 6


def test_unpin_and_unlock_show_in_the_log(thread, moderator, client_for):
    client = client_for(moderator)
    for action in ("pin", "lock", "unpin", "unlock"):
        client.post(reverse("thread_moderate", args=[thread.pk, action]))

    thread.refresh_from_db()
    assert not thread.is_pinned and not thread.is_locked
    log = html(client.get(reverse("moderation_log", args=[thread.community.slug])))
    assert "a désépinglé la discussion" in log
    assert "a déverrouillé la discussion" in log


def test_pinned_thread_comes_first_in_the_cop(public_cop, thread, member, moderator, client_for):
    later = make_thread(member, public_cop, title="Plus récente")
    services.set_thread_pinned(moderator=moderator, thread=thread, pinned=True)

    page = html(client_for(None).get(public_cop.get_absolute_url()))

    assert page.index(thread.title.replace("'", "&#x27;")) < page.index(later.title)


@pytest.mark.parametrize("viewer", ["member", "outsider"])
def test_moderation_log_is_403_for_non_moderators(viewer, public_cop, request, client_for):
    response = client_for(request.getfixturevalue(viewer)).get(
        reverse("moderation_log", args=[public_cop.slug])
    )

    assert response.status_code == 403
    assert "Cette action est réservée aux modératrices et modérateurs." in html(response)


def test_moderation_tools_are_shown_only_to_moderators(thread, member, moderator, client_for):
    pin_url = reverse("thread_moderate", args=[thread.pk, "pin"])

    assert pin_url not in html(client_for(member).get(thread.get_absolute_url()))
    assert pin_url in html(client_for(moderator).get(thread.get_absolute_url()))


# Organisations and tags ------------------------------------------------------------------------


@pytest.fixture
def directory(region, other_region):
    return {
        "segou_land": make_organisation(
            name="Femmes et terres de Ségou", regions=[region], domains=["foncier"]
        ),
        "kayes_land": make_organisation(
            name="Kayes foncier solidaire", regions=[other_region], domains=["foncier"]
        ),
        "segou_gbv": make_organisation(
            name="Ségou contre les VBG", regions=[region], domains=["violences"]
        ),
    }


def names(response) -> set[str]:
    return {organisation.name for organisation in response.context["organisations"]}


def test_organisation_directory_filters_by_domain_and_region(directory, client):
    url = reverse("organisations")

    assert names(client.get(url)) == {o.name for o in directory.values()}
    assert names(client.get(url, {"domain": "foncier"})) == {
        "Femmes et terres de Ségou",
        "Kayes foncier solidaire",
    }
    assert names(client.get(url, {"region": "segou"})) == {
        "Femmes et terres de Ségou",
        "Ségou contre les VBG",
    }
    both = client.get(url, {"domain": "foncier", "region": "segou"})
    assert names(both) == {"Femmes et terres de Ségou"}
    assert "Tout afficher" in html(both)
    assert names(client.get(url, {"domain": "", "region": ""})) == set(
        Organisation.objects.values_list("name", flat=True)
    )


def test_organisation_directory_answers_400_for_an_unknown_filter(directory, client):
    response = client.get(reverse("organisations"), {"domain": "astrologie"})

    assert response.status_code == 400
    assert "Sélectionnez un choix valide." in html(response)
    assert response.context["organisations"] == []


def test_organisation_page_links_its_domains_to_tag_pages(directory, client):
    organisation = directory["segou_land"]

    page = html(client.get(organisation.get_absolute_url()))

    assert "Femmes et terres de Ségou" in page
    assert reverse("tag", args=["foncier"]) in page
    tag_page = client.get(reverse("tag", args=["foncier"]))
    assert tag_page.status_code == 200
    assert "Kayes foncier solidaire" in html(tag_page)


def test_tag_page_lists_threads_across_public_cops(
    public_cop, other_public_cop, private_cop, member, client
):
    make_thread(member, public_cop, title="Plaidoyer foncier", tags=["Plaidoyer"])
    make_thread(member, other_public_cop, title="Plaidoyer VBG", tags=["plaidoyer"])
    make_thread(member, private_cop, title="Plaidoyer confidentiel", tags=["plaidoyer"])
    make_thread(member, public_cop, title="Sans rapport", tags=["autre"])

    page = html(client.get(reverse("tag", args=["plaidoyer"])))

    assert "Plaidoyer foncier" in page
    assert "Plaidoyer VBG" in page
    assert "Droits fonciers des femmes" in page  # each row names its CoP
    assert "Violences basées sur le genre" in page
    assert "Plaidoyer confidentiel" not in page
    assert "Sans rapport" not in page


def test_tag_links_of_a_thread_lead_to_the_tag_page(thread, client):
    page = html(client.get(thread.get_absolute_url()))
    tag_url = reverse("tag", args=["loi-052"])

    assert tag_url in page
    assert thread.title.replace("'", "&#x27;") in html(client.get(tag_url))


def test_unknown_tag_is_404(client):
    assert client.get(reverse("tag", args=["inexistante"])).status_code == 404


def test_unknown_organisation_is_404(client):
    assert client.get(reverse("organisation", args=["inexistante"])).status_code == 404
