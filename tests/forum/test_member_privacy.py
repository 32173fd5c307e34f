"""
Members at risk: who sees a profile, what it shows, and listings that never
reveal who belongs to a private CoP.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from forum import permissions as perms
from forum import selectors, services
from forum.models import Community, JoinRequest, Membership, User

from ..factories import make_community, make_membership, make_organisation, make_post, make_user
from .conftest import SECRET_TITLE

ESCAPED_SECRET = SECRET_TITLE.replace("'", "&#x27;")


@pytest.fixture
def organisation(db):
    return make_organisation(name="Association des juristes maliennes", acronym="AJM")


@pytest.fixture
def awa(member, organisation, region):
    """``member`` with an organisation and a region, and the defaults for new accounts."""
    User.objects.filter(pk=member.pk).update(organisation=organisation, region=region)
    member.refresh_from_db()
    return member


# Who sees a profile ---------------------------------------------------------------------


def test_new_accounts_have_protective_defaults(db):
    user = make_user()
    assert user.show_organisation == User.Shown.SHARED
    assert user.show_region == User.Shown.NOBODY
    assert user.show_activity == User.ActivityShown.SHARED


def test_can_view_profile_allows_a_fellow_member_of_a_cop(public_cop, member, moderator):
    assert perms.can_view_profile(moderator, member)


def test_can_view_profile_refuses_anonymous_and_outsiders(public_cop, member, outsider, anonymous):
    assert not perms.can_view_profile(anonymous, member)
    assert not perms.can_view_profile(outsider, member)
    with pytest.raises(Http404):
        perms.check_view_profile(outsider, member)


def test_can_view_profile_allows_oneself_and_staff(member, staff):
    assert perms.can_view_profile(member, member)
    assert perms.can_view_profile(staff, member)


def test_moderator_sees_the_profile_of_someone_asking_to_join(public_cop, moderator, outsider):
    JoinRequest.objects.create(community=public_cop, user=outsider)
    assert perms.can_view_profile(moderator, outsider)


def test_a_plain_member_does_not_see_an_applicant_profile(public_cop, member, outsider):
    JoinRequest.objects.create(community=public_cop, user=outsider)
    assert not perms.can_view_profile(member, outsider)


@pytest.mark.parametrize("viewer", ["anonymous", "outsider"])
def test_profile_404_is_identical_to_an_unknown_id(viewer, public_cop, member, request, client_for):
    client = client_for(request.getfixturevalue(viewer))
    hidden = client.get(member.get_absolute_url())
    unknown = client.get(reverse("profile", args=[member.pk + 1000]))
    assert hidden.status_code == unknown.status_code == 404
    # The same page, but for the address it echoes (language switch) and the CSRF mask.
    assert member.display_name not in hidden.content.decode()
    assert len(hidden.content) - len(unknown.content) in range(-8, 9)


def test_a_deleted_account_has_no_profile(public_cop, member, moderator, client_for):
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert client_for(moderator).get(member.get_absolute_url()).status_code == 404


# What a profile shows -----------------------------------------------------------------------


def test_defaults_show_organisation_but_not_region_to_a_fellow_member(
    public_cop, awa, moderator, client_for
):
    html = client_for(moderator).get(awa.get_absolute_url()).content.decode()
    assert "Association des juristes maliennes" in html
    assert "Ségou" not in html


def test_member_may_hide_organisation_and_show_region(public_cop, awa, moderator, client_for):
    services.update_profile(user=awa, show_organisation="nobody", show_region="shared")
    html = client_for(moderator).get(awa.get_absolute_url()).content.decode()
    assert "Association des juristes maliennes" not in html
    assert "Ségou" in html


def test_staff_and_the_member_see_everything(public_cop, awa, staff, client_for):
    services.update_profile(user=awa, show_organisation="nobody", show_activity="nobody")
    for viewer in (staff, awa):
        html = client_for(viewer).get(awa.get_absolute_url()).content.decode()
        assert "Association des juristes maliennes" in html
        assert "Ségou" in html


def test_activity_shared_lists_only_posts_in_cops_both_belong_to(
    public_cop, other_public_cop, thread, member, outsider, client_for
):
    # ``outsider`` joins only the second public CoP, which ``member`` is in too.
    make_membership(outsider, other_public_cop)
    elsewhere = services.create_thread(
        author=member, community=other_public_cop, title="Sujet partagé", body="Texte"
    )
    html = client_for(outsider).get(member.get_absolute_url()).content.decode()
    assert "Sujet partagé" in html
    assert thread.title not in html  # readable by anyone, but not a CoP they share
    assert elsewhere.community.name in html
    assert public_cop.name not in html  # the profile's CoPs: only those in common


def test_activity_visible_lists_every_post_the_viewer_may_read(
    public_cop, other_public_cop, thread, member, outsider, client_for
):
    make_membership(outsider, other_public_cop)
    services.update_profile(user=member, show_activity="visible")
    html = client_for(outsider).get(member.get_absolute_url()).content.decode()
    assert thread.title in html


def test_activity_never_lists_a_private_cop_the_viewer_cannot_see_now(
    public_cop, other_public_cop, secret_thread, member, outsider, client_for
):
    make_membership(outsider, other_public_cop)
    services.update_profile(user=member, show_activity="visible")
    html = client_for(outsider).get(member.get_absolute_url()).content.decode()
    assert ESCAPED_SECRET not in html
    assert "Accompagnement des survivantes" not in html


def test_activity_lists_a_private_cop_thread_to_a_fellow_member_until_they_leave(
    secret_thread, member, moderator, client_for
):
    client = client_for(moderator)
    assert ESCAPED_SECRET in client.get(member.get_absolute_url()).content.decode()
    Membership.objects.filter(user=moderator, community=secret_thread.community).delete()
    perms.forget_memberships(moderator)
    html = client.get(member.get_absolute_url()).content.decode()  # still share the public CoP
    assert ESCAPED_SECRET not in html


def test_activity_nobody_lists_no_post(public_cop, thread, member, moderator, client_for):
    services.update_profile(user=member, show_activity="nobody")
    html = client_for(moderator).get(member.get_absolute_url()).content.decode()
    assert thread.title not in html


# « Ses messages »: a link into the search's author filter, only where the filter accepts her


def activity_link(client, member) -> str | None:
    html = client.get(member.get_absolute_url()).content.decode()
    found = re.search(r'<a href="(/recherche/\?auteur=\d+)">([^<]+)</a>', html)
    return found and (found.group(1), found.group(2))


def test_ses_messages_links_to_the_author_filter_for_a_fellow_member(
    public_cop, member, moderator, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.create_thread(
            author=member, community=public_cop, title="Semences paysannes", body="Texte"
        )
    client = client_for(moderator)
    url, label = activity_link(client, member)
    assert (url, label) == (f"/recherche/?auteur={member.pk}", "Ses messages")
    assert "Semences paysannes</a>" in client.get(url).content.decode()


def test_ses_messages_follows_the_show_activity_choice(
    public_cop, member, moderator, outsider, staff, client_for
):
    # A moderator sees an applicant's profile without sharing a CoP with her.
    JoinRequest.objects.create(community=public_cop, user=outsider)
    assert activity_link(client_for(moderator), outsider) is None  # "shared", nothing shared
    services.update_profile(user=outsider, show_activity="visible")
    assert activity_link(client_for(moderator), outsider)[1] == "Ses messages"

    services.update_profile(user=member, show_activity="nobody")
    assert activity_link(client_for(moderator), member) is None
    assert activity_link(client_for(member), member)[1] == "Tous mes messages"
    assert activity_link(client_for(staff), member)[1] == "Ses messages"


def test_profile_edit_form_offers_the_three_choices(member, client_for):
    html = client_for(member).get(reverse("profile_edit")).content.decode()
    for name in ("show_organisation", "show_region", "show_activity"):
        assert f'name="{name}"' in html
    assert "Ce que les autres membres voient" in html


def test_profile_edit_saves_the_choices(member, client_for):
    response = client_for(member).post(
        reverse("profile_edit"),
        {
            "display_name": member.display_name,
            "email": member.email,
            "preferred_language": "fr",
            "show_organisation": "nobody",
            "show_region": "shared",
            "show_activity": "visible",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.show_organisation, member.show_region, member.show_activity) == (
        "nobody",
        "shared",
        "visible",
    )


def test_update_profile_refuses_an_unknown_choice(member):
    with pytest.raises(ValidationError):
        services.update_profile(user=member, show_region="everyone")


def test_profile_page_query_count_is_bounded(
    public_cop, thread, member, moderator, client_for, django_assert_max_num_queries
):
    for _ in range(5):
        make_post(member, thread)
    client = client_for(moderator)
    with django_assert_max_num_queries(12):
        client.get(member.get_absolute_url())


# Listings that show people ---------------------------------------------------------------


def test_member_list_follows_each_member_choice(public_cop, awa, moderator, client_for):
    html = (
        client_for(moderator)
        .get(reverse("community_members", args=[public_cop.slug]))
        .content.decode()
    )
    assert "Association des juristes maliennes" in html
    assert "Ségou" not in html
    services.update_profile(user=awa, show_organisation="nobody", show_region="shared")
    html = (
        client_for(moderator)
        .get(reverse("community_members", args=[public_cop.slug]))
        .content.decode()
    )
    assert "Association des juristes maliennes" not in html
    assert "Ségou" in html


def without_secrets(html: str) -> str:
    """The page without its random tokens (CSRF, the form's idempotency key, the CSP nonce),
    which can contain any three letters such as "AJM"."""
    html = re.sub(r'<input[^>]*type="hidden"[^>]*>', "", html)
    return re.sub(r'(nonce|content|value|data-[a-z-]+)="[^"]*"', "", html)


@pytest.mark.parametrize("viewer", ["anonymous", "outsider"])
def test_thread_author_card_shows_no_organisation_to_non_members(
    viewer, public_cop, awa, thread, request, client_for
):
    html = client_for(request.getfixturevalue(viewer)).get(thread.get_absolute_url())
    assert "AJM" not in without_secrets(html.content.decode())


def test_thread_author_card_shows_organisation_to_members_unless_hidden(
    public_cop, awa, thread, moderator, client_for
):
    page = client_for(moderator).get(thread.get_absolute_url()).content.decode()
    assert "AJM" in without_secrets(page)
    services.update_profile(user=awa, show_organisation="nobody")
    page = client_for(moderator).get(thread.get_absolute_url()).content.decode()
    assert "AJM" not in without_secrets(page)


def test_organisation_page_names_no_member(public_cop, private_cop, awa, client_for, outsider):
    html = client_for(outsider).get(awa.organisation.get_absolute_url()).content.decode()
    assert awa.display_name not in html
    assert private_cop.name not in html


def test_mention_candidates_are_refused_to_non_members(
    private_cop, public_cop, outsider, client_for
):
    client = client_for(outsider)
    assert client.get(reverse("mention_candidates", args=[private_cop.slug])).status_code == 404
    response = client.get(reverse("mention_candidates", args=[public_cop.slug]))
    assert "Awa" not in response.content.decode()


def test_profile_never_names_a_private_cop_to_a_public_cop_fellow(
    public_cop, private_cop, member, client_for
):
    # Only the public CoP in common: the private one stays unnamed.
    fellow = make_user(display_name="Salimata K.")
    make_membership(fellow, public_cop)
    html = client_for(fellow).get(member.get_absolute_url()).content.decode()
    assert public_cop.name in html
    assert private_cop.name not in html


def test_member_list_of_a_private_cop_is_a_404_to_outsiders(private_cop, outsider, client_for):
    url = reverse("community_members", args=[private_cop.slug])
    assert client_for(outsider).get(url).status_code == 404


def test_shared_cop_counts_only_present_memberships(db):
    a, b = make_user(), make_user()
    cop = make_community(visibility=Community.Visibility.PRIVATE)
    make_membership(a, cop)
    assert not perms.shares_community(a, b)
    make_membership(b, cop)
    assert perms.shares_community(a, b)
    assert selectors.list_profile_communities(a, b).count() == 1


def test_join_requests_show_what_the_applicant_chose(
    public_cop, moderator, outsider, organisation, region, client_for
):
    User.objects.filter(pk=outsider.pk).update(organisation=organisation, region=region)
    services.request_to_join(user=outsider, community=public_cop, message="Bonjour")
    client = client_for(moderator)
    html = client.get(reverse("join_requests", args=[public_cop.slug])).content.decode()
    assert "Association des juristes maliennes" in html  # shown by default
    assert "Ségou" not in html  # hidden by default
    assert client.get(outsider.get_absolute_url()).status_code == 200  # the applicant's profile
