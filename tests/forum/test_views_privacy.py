"""
What a private CoP, and a member's private data, look like from the outside: nothing.

A private CoP answers exactly like a CoP that does not exist on every page
that could reveal it, its name and thread titles never appear in pages an
outsider can open, and e-mail, phone and login name never appear in pages
other members see.

Pages that need a login answer an anonymous visitor with the redirect to the
login page that a non-existent CoP also gets: the same answer, so it reveals
nothing. Pages open to anonymous visitors answer 404.
"""

from urllib.parse import quote

import pytest
from django.urls import reverse

from forum import services
from forum.models import Invitation, JoinRequest, Membership, ModerationAction, Post, Thread

from ..factories import make_post, make_user, opening_post
from .conftest import SECRET_TAG, SECRET_TITLE

pytestmark = pytest.mark.django_db

PRIVATE_NAME = "Accompagnement des survivantes"  # private_cop in tests/conftest.py


@pytest.fixture
def private_objects(private_cop, secret_thread, moderator, secret_tag):
    """Every object of the private CoP that has a page."""
    reply = Post.objects.filter(thread=secret_thread, parent__isnull=False).get()
    services.edit_post(editor=reply.author, post=reply, body="Version corrigée, privée.")
    join_request = JoinRequest.objects.create(user=make_user(), community=private_cop)
    invitation = services.create_invitation(moderator=moderator, community=private_cop)
    return {
        "cop": private_cop,
        "thread": secret_thread,
        "opening": opening_post(secret_thread),
        "reply": reply,
        "tag": secret_tag,
        "join_request": join_request,
        "invitation": invitation,
        "membership": Membership.objects.get(community=private_cop, user=moderator),
    }


def _get_urls(o: dict) -> dict[str, str]:
    cop, thread, reply = o["cop"].slug, o["thread"], o["reply"].pk
    return {
        "community": reverse("community", args=[cop]),
        "members": reverse("community_members", args=[cop]),
        "join_requests": reverse("join_requests", args=[cop]),
        "invitations": reverse("invitations", args=[cop]),
        "moderation_log": reverse("moderation_log", args=[cop]),
        "thread_create": reverse("thread_create", args=[cop]),
        "thread": thread.get_absolute_url(),
        "thread_without_slug": reverse("thread_short", args=[thread.pk]),
        "thread_wrong_slug": reverse("thread", args=[thread.pk, "autre-titre"]),
        "post": reverse("post", args=[reply]),
        "opening_post": reverse("post", args=[o["opening"].pk]),
        "reply": reverse("post_reply", args=[reply]),
        "quote": reverse("post_reply", args=[reply]) + "?quote=1",
        "edit": reverse("post_edit", args=[reply]),
        "delete": reverse("post_delete", args=[reply]),
        "history": reverse("post_history", args=[reply]),
        "tag": reverse("tag", args=[o["tag"].slug]),
    }


# Pages an anonymous visitor may open on a public CoP: 404 when private.
OPEN_PAGES = {
    "community",
    "thread",
    "thread_without_slug",
    "thread_wrong_slug",
    "post",
    "opening_post",
    "tag",
}
GET_PAGES = [
    "community",
    "members",
    "join_requests",
    "invitations",
    "moderation_log",
    "thread_create",
    "thread",
    "thread_without_slug",
    "thread_wrong_slug",
    "post",
    "opening_post",
    "reply",
    "quote",
    "edit",
    "delete",
    "history",
    "tag",
]


def _post_requests(o: dict) -> dict[str, tuple[str, dict]]:
    cop, thread, reply = o["cop"].slug, o["thread"].pk, o["reply"].pk
    return {
        "join": (reverse("community_join", args=[cop]), {"message": "Bonjour"}),
        "leave": (reverse("community_leave", args=[cop]), {}),
        "role": (reverse("member_role", args=[cop, o["membership"].pk]), {"role": "member"}),
        "remove": (reverse("member_remove", args=[cop, o["membership"].pk]), {}),
        "decide": (
            reverse("join_request_decide", args=[cop, o["join_request"].pk]),
            {"decision": "approve"},
        ),
        "invite": (reverse("invitations", args=[cop]), {"days": 7, "max_uses": 5}),
        "revoke": (reverse("invitation_revoke", args=[cop, o["invitation"].pk]), {}),
        "thread_create": (
            reverse("thread_create", args=[cop]),
            {"title": "Intrusion", "body": "Texte", "tags": ""},
        ),
        "thread_reply": (reverse("thread_reply", args=[thread]), {"body": "Intrusion"}),
        "post_reply": (reverse("post_reply", args=[reply]), {"body": "Intrusion"}),
        "edit": (reverse("post_edit", args=[reply]), {"body": "Intrusion"}),
        "delete": (reverse("post_delete", args=[reply]), {}),
        "hide": (reverse("post_hide", args=[reply]), {"reason": "Intrusion"}),
        "restore": (reverse("post_restore", args=[reply]), {}),
        "pin": (reverse("thread_moderate", args=[thread, "pin"]), {}),
        "lock": (reverse("thread_moderate", args=[thread, "lock"]), {}),
        "rename": (reverse("thread_moderate", args=[thread, "rename"]), {"title": "Intrusion"}),
        "retag": (reverse("thread_moderate", args=[thread, "retag"]), {"tags": "intrusion"}),
        "move": (reverse("thread_moderate", args=[thread, "move"]), {"target": o["cop"].pk}),
    }


POST_ACTIONS = [
    "join",
    "leave",
    "role",
    "remove",
    "decide",
    "invite",
    "revoke",
    "thread_create",
    "thread_reply",
    "post_reply",
    "edit",
    "delete",
    "hide",
    "restore",
    "pin",
    "lock",
    "rename",
    "retag",
    "move",
]


def _snapshot() -> tuple:
    """Everything an outsider's request could change."""
    return (
        Thread.objects.count(),
        Post.objects.count(),
        list(Post.objects.order_by("pk").values_list("body", "hidden_at", "deleted_at")),
        list(Thread.objects.order_by("pk").values_list("title", "is_pinned", "is_locked")),
        Membership.objects.count(),
        list(Membership.objects.order_by("pk").values_list("role", flat=True)),
        list(JoinRequest.objects.order_by("pk").values_list("status", flat=True)),
        list(Invitation.objects.order_by("pk").values_list("revoked", flat=True)),
        ModerationAction.objects.count(),
    )


def _assert_reveals_nothing(response) -> None:
    body = response.content.decode()
    assert PRIVATE_NAME not in body
    assert SECRET_TITLE not in body
    assert SECRET_TITLE.replace("'", "&#x27;") not in body
    assert SECRET_TAG not in body
    # A redirect may echo the address asked for, never add what it was hiding (the slug).
    assert "mariam" not in response.get("Location", "")


# GET pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("page", GET_PAGES)
def test_outsider_gets_404_on_every_private_cop_page(page, private_objects, outsider, browser):
    response = browser(outsider).get(_get_urls(private_objects)[page])

    assert response.status_code == 404
    _assert_reveals_nothing(response)


@pytest.mark.parametrize("page", GET_PAGES)
def test_anonymous_visitor_learns_nothing_on_any_private_cop_page(page, private_objects, browser):
    client = browser()
    url = _get_urls(private_objects)[page]

    response = client.get(url)

    if page in OPEN_PAGES:
        assert response.status_code == 404
    else:
        # The same answer as for a CoP that does not exist: go and log in.
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={quote(url, safe='/')}"
    _assert_reveals_nothing(response)


def test_anonymous_visitor_gets_the_same_redirect_for_a_private_and_a_missing_cop(
    private_objects, browser
):
    client = browser()

    private = client.get(reverse("community_members", args=["survivantes"]))
    missing = client.get(reverse("community_members", args=["nexiste-pas"]))

    assert private.status_code == missing.status_code == 302
    assert private["Location"].replace("survivantes", "X") == missing["Location"].replace(
        "nexiste-pas", "X"
    )


def test_outsider_does_not_get_a_slug_redirect_that_would_spell_out_the_title(
    secret_thread, outsider, browser
):
    for client in (browser(), browser(outsider)):
        response = client.get(reverse("thread_short", args=[secret_thread.pk]))

        assert response.status_code == 404
        assert "Location" not in response


@pytest.mark.parametrize("page", GET_PAGES)
def test_fellow_member_opens_every_private_cop_page_she_is_allowed_to(
    page, private_objects, member, browser
):
    response = browser(member).get(_get_urls(private_objects)[page], follow=True)

    # A plain member may not moderate: she is refused (403), not told it does not exist.
    moderators_only = {"join_requests", "invitations", "moderation_log", "history"}
    assert response.status_code == (403 if page in moderators_only else 200)


@pytest.mark.parametrize("page", GET_PAGES)
def test_staff_sees_every_private_cop_page(page, private_objects, staff, browser):
    response = browser(staff).get(_get_urls(private_objects)[page], follow=True)

    # Only the author may delete a post, even for staff.
    assert response.status_code == (403 if page == "delete" else 200)


def test_outsider_gets_404_on_the_second_page_of_a_long_private_thread(
    secret_thread, member, outsider, browser
):
    for _ in range(50):
        make_post(member, secret_thread)
    url = secret_thread.get_absolute_url() + "?page=2"

    assert browser(member).get(url).status_code == 200
    for client in (browser(), browser(outsider)):
        response = client.get(url)
        assert response.status_code == 404
        _assert_reveals_nothing(response)


def test_staff_sees_the_private_cop_on_the_home_page(private_cop, staff, client_for):
    response = client_for(staff).get(reverse("home"))

    assert PRIVATE_NAME in response.content.decode()


# POST actions -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", POST_ACTIONS)
def test_outsider_gets_404_and_changes_nothing_posting_to_a_private_cop(
    action, private_objects, outsider, browser
):
    url, data = _post_requests(private_objects)[action]
    before = _snapshot()

    response = browser(outsider).post(url, data)

    assert response.status_code == 404
    _assert_reveals_nothing(response)
    assert _snapshot() == before


@pytest.mark.parametrize("action", POST_ACTIONS)
def test_anonymous_post_to_a_private_cop_goes_to_login_and_changes_nothing(
    action, private_objects, browser
):
    url, data = _post_requests(private_objects)[action]
    before = _snapshot()

    response = browser().post(url, data)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _snapshot() == before


# Tag pages ----------------------------------------------------------------------------------


def test_tag_used_only_in_a_private_cop_is_404_for_outsiders(secret_tag, outsider, browser):
    url = reverse("tag", args=[secret_tag.slug])
    for client in (browser(), browser(outsider)):
        response = client.get(url)

        assert response.status_code == 404
        _assert_reveals_nothing(response)


def test_tag_used_only_in_a_private_cop_is_shown_to_its_members(secret_tag, member, client_for):
    response = client_for(member).get(reverse("tag", args=[secret_tag.slug]))

    assert response.status_code == 200
    assert SECRET_TITLE.replace("'", "&#x27;") in response.content.decode()


def test_tag_shared_with_a_public_cop_lists_only_the_public_threads_to_outsiders(
    private_cop, public_cop, member, outsider, client_for
):
    services.create_thread(
        author=member, community=private_cop, title=SECRET_TITLE, body="Texte", tags=["plaidoyer"]
    )
    services.create_thread(
        author=member,
        community=public_cop,
        title="Plaidoyer public",
        body="Texte",
        tags=["plaidoyer"],
    )

    response = client_for(outsider).get(reverse("tag", args=["plaidoyer"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Plaidoyer public" in html
    assert PRIVATE_NAME not in html
    assert SECRET_TITLE.replace("'", "&#x27;") not in html


# Home and profile pages -----------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["anonymous", "outsider"])
def test_home_page_never_names_the_private_cop_nor_its_tags(
    viewer, secret_thread, public_cop, request, client_for
):
    response = client_for(request.getfixturevalue(viewer)).get(reverse("home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert public_cop.name in html
    assert PRIVATE_NAME not in html
    assert SECRET_TAG not in html
    assert "survivantes" not in html


def test_home_page_shows_the_private_cop_to_its_members(secret_thread, member, client_for):
    html = client_for(member).get(reverse("home")).content.decode()

    assert PRIVATE_NAME in html
    assert SECRET_TAG in html


@pytest.mark.parametrize("viewer", ["anonymous", "outsider"])
def test_profile_is_a_404_to_whoever_shares_no_cop_with_the_member(
    viewer, secret_thread, thread, member, request, client_for
):
    make_post(member, thread, body="Réponse publique.")

    response = client_for(request.getfixturevalue(viewer)).get(member.get_absolute_url())

    assert response.status_code == 404
    html = response.content.decode()
    assert member.display_name not in html
    assert PRIVATE_NAME not in html


def test_profile_lists_private_cop_and_its_posts_to_a_fellow_member(
    secret_thread, member, moderator, client_for
):
    html = client_for(moderator).get(member.get_absolute_url()).content.decode()

    assert PRIVATE_NAME in html
    assert SECRET_TITLE.replace("'", "&#x27;") in html


def test_profile_lists_private_cop_to_staff(secret_thread, member, staff, client_for):
    html = client_for(staff).get(member.get_absolute_url()).content.decode()

    assert PRIVATE_NAME in html


# Member lists -----------------------------------------------------------------------------------


def test_member_list_of_a_public_cop_is_404_for_a_non_member(public_cop, outsider, client_for):
    response = client_for(outsider).get(reverse("community_members", args=[public_cop.slug]))

    assert response.status_code == 404
    assert "Awa Traoré" not in response.content.decode()


def test_member_list_of_a_public_cop_needs_a_login(public_cop, client_for):
    response = client_for(None).get(reverse("community_members", args=[public_cop.slug]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_member_list_of_a_public_cop_is_shown_to_its_members(public_cop, member, client_for):
    response = client_for(member).get(reverse("community_members", args=[public_cop.slug]))

    assert response.status_code == 200
    assert "Fatoumata Diarra" in response.content.decode()


def test_public_cop_page_does_not_link_the_member_list_for_non_members(
    public_cop, outsider, client_for
):
    html = client_for(outsider).get(public_cop.get_absolute_url()).content.decode()

    assert reverse("community_members", args=[public_cop.slug]) not in html


# Personal data ------------------------------------------------------------------------------------


PRIVATE_DATA = ["kadiatou.prive@example.org", "76 12 34 56", "login-kadi-77"]


@pytest.fixture
def discreet_thread(public_cop, discreet_member, member):
    thread = services.create_thread(
        author=discreet_member, community=public_cop, title="Question de Kadiatou", body="Texte"
    )
    reply = make_post(member, thread)
    make_post(discreet_member, thread, parent=reply, body="Réponse imbriquée.")
    return thread


@pytest.mark.parametrize("viewer", ["member", "moderator"])
def test_profile_page_never_shows_email_phone_or_login_name(
    viewer, discreet_thread, discreet_member, request, client_for
):
    response = client_for(request.getfixturevalue(viewer)).get(discreet_member.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kadiatou S." in html
    for secret in PRIVATE_DATA:
        assert secret not in html


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "member", "moderator"])
def test_thread_page_never_shows_email_phone_or_login_name(
    viewer, discreet_thread, request, client_for
):
    response = client_for(request.getfixturevalue(viewer)).get(discreet_thread.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kadiatou S." in html
    for secret in PRIVATE_DATA:
        assert secret not in html


def test_member_list_never_shows_email_phone_or_login_name(
    discreet_member, public_cop, moderator, client_for
):
    html = (
        client_for(moderator)
        .get(reverse("community_members", args=[public_cop.slug]))
        .content.decode()
    )

    assert "Kadiatou S." in html
    for secret in PRIVATE_DATA:
        assert secret not in html


def test_own_profile_edit_page_shows_her_own_email_and_phone(discreet_member, client_for):
    html = client_for(discreet_member).get(reverse("profile_edit")).content.decode()

    assert "kadiatou.prive@example.org" in html
    assert "76 12 34 56" in html


def test_profile_of_a_deactivated_member_is_404(member, client_for):
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert client_for(None).get(member.get_absolute_url()).status_code == 404


# Moderation logs across CoPs ------------------------------------------------------------------


@pytest.fixture
def co_moderator(public_cop):
    """Moderates the public CoP only: she must not learn about the private one."""
    user = make_user(display_name="Rokia Co-modératrice")
    Membership.objects.create(user=user, community=public_cop, role=Membership.Role.MODERATOR)
    return user


def test_log_of_a_move_out_of_a_private_cop_does_not_name_it_to_other_moderators(
    secret_thread, private_cop, public_cop, moderator, co_moderator, client_for
):
    services.move_thread(moderator=moderator, thread=secret_thread, target=public_cop)
    url = reverse("moderation_log", args=[public_cop.slug])

    html = client_for(co_moderator).get(url).content.decode()

    assert "a reçu une discussion" in html
    assert PRIVATE_NAME not in html
    assert "une communauté privée → Droits fonciers des femmes" in html
    # The thread itself is public now: its title may be shown.
    assert SECRET_TITLE.replace("'", "&#x27;") in html
    # The moderator of both CoPs still reads the whole line.
    assert PRIVATE_NAME in client_for(moderator).get(url).content.decode()


def test_log_lines_of_a_thread_moved_into_a_private_cop_hide_it_from_other_moderators(
    thread, private_cop, public_cop, moderator, co_moderator, client_for
):
    services.rename_thread(moderator=moderator, thread=thread, title="Titre devenu sensible")
    services.retag_thread(moderator=moderator, thread=thread, tags="stratégie secrète")
    services.move_thread(moderator=moderator, thread=thread, target=private_cop)
    url = reverse("moderation_log", args=[public_cop.slug])

    html = client_for(co_moderator).get(url).content.decode()

    assert "a renommé la discussion" in html  # who did what stays on record…
    assert "a déplacé la discussion vers une autre communauté" in html
    assert "Titre devenu sensible" not in html  # …not what the thread is now about
    assert "Loi 052" not in html
    assert SECRET_TAG not in html
    assert PRIVATE_NAME not in html
    assert thread.get_absolute_url() not in html
    full = client_for(moderator).get(url).content.decode()
    assert "Titre devenu sensible" in full
    assert PRIVATE_NAME in full
