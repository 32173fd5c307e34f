"""
The HTTP door of the forum's live parts (forum/live_views.py): the
notifications pages and the bell, follows and the @ autocomplete.

The live rooms (the salon page and the room endpoints) are tested in
tests/rooms/test_views.py.
"""

import pytest
from django.urls import reverse

from forum import services
from forum.models import CommunityFollow, Notification, User

from ..factories import make_membership, make_post, make_thread, make_user

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}
LOGIN = reverse("login")
PRIVATE_NAME = "Accompagnement des survivantes"  # private_cop in tests/conftest.py


def html(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def unread_counter(user: User) -> int:
    return User.objects.values_list("unread_notifications", flat=True).get(pk=user.pk)


# Notifications ------------------------------------------------------------------------------


@pytest.fixture
def replied(thread, member, moderator):
    """Two replies by the moderator to ``member``'s thread: two unread notifications."""
    return [make_post(moderator, thread, body=f"Réponse {n}") for n in (1, 2)]


def test_notifications_page_needs_a_login(client_for):
    response = client_for(None).get(reverse("notifications"))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={reverse('notifications')}"


def test_notifications_page_lists_the_readers_notifications_newest_first(
    replied, thread, member, moderator, client_for
):
    make_post(member, thread, parent=replied[0])  # notifies the moderator

    response = client_for(member).get(reverse("notifications"))

    page = html(response)
    assert response.status_code == 200
    assert [n.post_id for n in response.context["page"].object_list] == [
        replied[1].pk,
        replied[0].pk,
    ]
    assert page.count("Fatoumata Diarra a répondu à votre message") == 2
    assert page.count("non lue</span>") == 2
    assert f'action="{reverse("notifications_read")}"' in page


def test_a_mention_made_in_a_thread_reply_is_listed_for_the_member(
    public_cop, member, moderator, client_for
):
    thread = make_thread(moderator, public_cop, title="Atelier de Kati")
    make_post(moderator, thread, body="@[Awa Traoré] peux-tu animer ?")

    page = html(client_for(member).get(reverse("notifications")))

    assert "Fatoumata Diarra vous a mentionné·e dans « Atelier de Kati »" in page


def test_notifications_page_hides_a_private_cop_the_reader_left(
    private_thread, public_cop, moderator, client_for
):
    leaver = make_user(display_name="Oumou Sangaré")
    make_membership(leaver, private_thread.community)
    make_post(moderator, private_thread, body="@[Oumou Sangaré] voici le dossier.")
    services.leave_community(user=leaver, community=private_thread.community)

    page = html(client_for(leaver).get(reverse("notifications")))

    assert private_thread.title not in page
    assert "Aucune notification" in page


def test_opening_a_notification_marks_it_read_and_goes_to_the_post(
    replied, thread, member, client_for
):
    notification = Notification.objects.get(recipient=member, post=replied[0])
    client = client_for(member)

    response = client.post(reverse("notification", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("post", args=[replied[0].pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert unread_counter(member) == 1
    landing = client.get(response["Location"], follow=True)
    assert landing.status_code == 200
    assert f'id="post-{replied[0].pk}"' in html(landing)


def test_following_a_notification_link_goes_there_and_leaves_it_unread(replied, member, client_for):
    notification = Notification.objects.get(recipient=member, post=replied[0])

    response = client_for(member).get(reverse("notification", args=[notification.pk]))

    assert response["Location"] == reverse("post", args=[replied[0].pk])
    notification.refresh_from_db()
    assert notification.read_at is None  # a GET never writes; the list's buttons POST
    assert unread_counter(member) == 2


def test_the_notification_list_opens_each_one_with_a_post_form(replied, member, client_for):
    notification = Notification.objects.filter(recipient=member).first()

    page = html(client_for(member).get(reverse("notifications")))

    action = reverse("notification", args=[notification.pk])
    assert f'<form method="post" action="{action}"' in page


def test_opening_a_notification_without_a_post_goes_to_the_thread(
    thread, member, moderator, client_for
):
    notification = Notification.objects.create(
        recipient=member,
        kind=Notification.Kind.NEW_THREAD,
        actor=moderator,
        community=thread.community,
        thread=thread,
    )

    response = client_for(member).get(reverse("notification", args=[notification.pk]))

    assert response["Location"] == thread.get_absolute_url()


def test_opening_someone_elses_notification_is_a_404(replied, member, moderator, client_for):
    notification = Notification.objects.filter(recipient=member).first()

    response = client_for(moderator).get(reverse("notification", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    assert unread_counter(member) == 2


def test_mark_all_read_redirects_and_brings_the_counter_to_0(replied, member, client_for):
    client = client_for(member)

    response = client.post(reverse("notifications_read"))

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications")
    assert unread_counter(member) == 0
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    page = client.get(response["Location"])
    assert flashed(page) == ["Toutes les notifications sont marquées comme lues."]
    assert "non lue</span>" not in html(page)
    assert 'id="bell-count" class="count" hidden' in html(page)


def test_mark_all_read_answers_json_to_a_script(replied, member, client_for):
    response = client_for(member).post(reverse("notifications_read"), headers=JSON)

    assert response.json() == {"unread": 0}
    assert unread_counter(member) == 0


def test_mark_all_read_needs_a_post(replied, member, client_for):
    response = client_for(member).get(reverse("notifications_read"))

    assert response.status_code == 405
    assert unread_counter(member) == 2


def test_unread_count_is_json_for_a_signed_in_reader(replied, member, moderator, client_for):
    assert client_for(member).get(reverse("notifications_count")).json() == {"unread": 2}
    assert client_for(moderator).get(reverse("notifications_count")).json() == {"unread": 0}


def test_unread_count_answers_401_json_to_anonymous(client_for):
    response = client_for(None).get(reverse("notifications_count"))

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}


def test_the_bell_shows_the_unread_count_in_the_page_header(replied, member, client_for):
    page = html(client_for(member).get(reverse("home")))

    assert f'id="bell" href="{reverse("notifications")}"' in page
    assert '<span id="bell-count" class="count">2</span>' in page
    assert "Notifications : 2 non lues" in page


def test_the_bell_is_hidden_for_anonymous_visitors(client_for, db):
    assert 'id="bell"' not in html(client_for(None).get(reverse("home")))


# Follows -----------------------------------------------------------------------------------------


def test_follow_and_unfollow_a_community(public_cop, member, client_for):
    client = client_for(member)
    url = reverse("community_follow", args=[public_cop.slug])

    followed = client.post(url, follow=True)
    assert followed.redirect_chain == [(public_cop.get_absolute_url(), 302)]
    assert CommunityFollow.objects.filter(user=member, community=public_cop).exists()
    assert "Ne plus suivre" in html(followed)

    client.post(url, follow=True)  # twice: still one follow
    assert CommunityFollow.objects.filter(user=member).count() == 1

    unfollowed = client.post(url, {"follow": "0"}, follow=True)
    assert flashed(unfollowed) == ["Vous ne suivez plus cette communauté."]
    assert not CommunityFollow.objects.exists()


def test_a_non_member_may_follow_a_public_community(public_cop, outsider, client_for):
    client_for(outsider).post(reverse("community_follow", args=[public_cop.slug]))

    assert CommunityFollow.objects.filter(user=outsider, community=public_cop).exists()


def test_follow_of_a_private_community_by_an_outsider_is_a_404(private_cop, outsider, client_for):
    response = client_for(outsider).post(reverse("community_follow", args=[private_cop.slug]))

    assert response.status_code == 404
    assert PRIVATE_NAME not in html(response)
    assert not CommunityFollow.objects.exists()


def test_follow_needs_a_login_and_a_post(public_cop, member, client_for):
    url = reverse("community_follow", args=[public_cop.slug])

    anonymous = client_for(None).post(url)
    get = client_for(member).get(url)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    assert get.status_code == 405
    assert not CommunityFollow.objects.exists()


# Mention candidates ---------------------------------------------------------------------------


@pytest.fixture
def namesakes(public_cop, outsider):
    """Members whose names start like others', an inactive member, and a non-member."""
    aminata = make_user(display_name="Aminata Keïta")
    make_membership(aminata, public_cop)
    gone = make_user(display_name="Assitan Dembélé", is_active=False)
    make_membership(gone, public_cop)
    make_user(display_name="Adama Touré")  # not a member
    return aminata


def candidates(client, community, q: str) -> list[str]:
    response = client.get(reverse("mention_candidates", args=[community.slug]), {"q": q})
    assert response.status_code == 200
    return [person["name"] for person in response.json()["members"]]


def test_mention_candidates_are_active_members_whose_name_starts_with_the_query(
    public_cop, member, namesakes, client_for
):
    client = client_for(member)

    response = client.get(reverse("mention_candidates", args=[public_cop.slug]), {"q": "a"})

    assert response.json() == {
        "members": [
            {"id": namesakes.pk, "name": "Aminata Keïta"},
            {"id": member.pk, "name": "Awa Traoré"},
        ]
    }
    assert candidates(client, public_cop, "AW") == ["Awa Traoré"]
    assert candidates(client, public_cop, "dia") == ["Fatoumata Diarra"]  # a later word
    assert candidates(client, public_cop, "ata") == []  # not inside a word
    assert candidates(client, public_cop, "Bintou") == []  # not a member
    assert candidates(client, public_cop, "") == [
        "Aminata Keïta",
        "Awa Traoré",
        "Fatoumata Diarra",
    ]


def test_mention_candidates_are_at_most_8(public_cop, member, client_for):
    for number in range(10):
        make_membership(make_user(display_name=f"Mariam {number}"), public_cop)

    assert len(candidates(client_for(member), public_cop, "mariam")) == 8


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_mention_candidates_of_a_private_cop_are_a_404_for_a_non_member(
    viewer, private_cop, request, client_for
):
    response = client_for(request.getfixturevalue(viewer)).get(
        reverse("mention_candidates", args=[private_cop.slug]), {"q": "a"}
    )

    assert response.status_code == 404
    assert "Awa" not in html(response)


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_mention_candidates_of_a_public_cop_are_empty_for_a_non_member(
    viewer, public_cop, request, client_for
):
    client = client_for(request.getfixturevalue(viewer))

    assert candidates(client, public_cop, "a") == []


def test_mention_candidates_of_a_private_cop_for_its_member(private_cop, member, client_for):
    assert candidates(client_for(member), private_cop, "fat") == ["Fatoumata Diarra"]
