"""My data: the ZIP download, and deleting one's account."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from forum import services
from forum.models import (
    CommunityFollow,
    JoinRequest,
    Membership,
    Notification,
    Post,
    Thread,
    User,
)
from forum.permissions import forget_memberships
from rooms import services as room_services
from rooms.models import Message
from webinars import services as webinar_services
from webinars.models import CalendarToken, Question, Registration

from ..factories import PASSWORD, make_post, make_thread, make_user, opening_post, small_pdf
from ..webinars.conftest import make_session

OTHER_EMAIL = "fatoumata.secret@example.org"
OTHER_PHONE = "+223 66 99 88 77"


@pytest.fixture
def busy_member(public_cop, private_cop, member, moderator, region):
    """``member`` who wrote and uploaded a bit of everything, among other people's data."""
    User.objects.filter(pk=moderator.pk).update(email=OTHER_EMAIL, phone=OTHER_PHONE)
    User.objects.filter(pk=member.pk).update(phone="+223 70 00 00 01", region=region)
    member.refresh_from_db()
    moderator.refresh_from_db()
    thread = make_thread(member, public_cop, title="Mon sujet public", body="Texte **source**")
    reply = make_post(moderator, thread, body="Réponse de la modératrice.")
    make_post(member, thread, parent=reply, body="Ma réponse à la modératrice.")
    make_thread(member, private_cop, title="Mon sujet privé", body="Texte privé")
    room_services.send_message(
        author=member, room=room_services.ensure_salon(public_cop), body="Bonjour le salon"
    )
    live = make_session(public_cop, moderator, starts_in=timedelta(minutes=-5))
    webinar_services.ask_question(author=member, session=live, body="Ma question au panel ?")
    upcoming = make_session(public_cop, moderator, starts_in=timedelta(days=3), title="À venir")
    webinar_services.register(user=member, session=upcoming, region=region)
    Membership.objects.filter(user=member, community=public_cop).update(role="moderator")
    forget_memberships(member)
    webinar_services.add_document(
        author=member,
        session=upcoming,
        title="Mon support",
        file=ContentFile(small_pdf(), name="support.pdf"),
    )
    CommunityFollow.objects.create(user=member, community=public_cop)
    return member


def download(client) -> tuple[dict, zipfile.ZipFile]:
    response = client.post(reverse("my_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return json.loads(archive.read("data.json")), archive


# The download ---------------------------------------------------------------------------


def test_my_data_page_explains_and_offers_a_post_button(member, client_for):
    html = client_for(member).get(reverse("my_data")).content.decode()
    assert 'method="post"' in html
    assert reverse("my_data_download") in html
    assert reverse("account_delete") in html


def test_download_is_post_only_and_for_members(member, client, client_for):
    assert client_for(member).get(reverse("my_data_download")).status_code == 405
    response = client.post(reverse("my_data_download"))
    assert response.status_code == 302  # to the sign-in page


def test_download_holds_everything_i_wrote_and_uploaded(busy_member, client_for):
    data, archive = download(client_for(busy_member))

    assert data["profile"]["email"] == busy_member.email
    assert data["profile"]["phone"] == "+223 70 00 00 01"
    assert {m["community"] for m in data["communities"]["memberships"]} == {
        "Droits fonciers des femmes",
        "Accompagnement des survivantes",
    }
    assert data["communities"]["follows"] == ["Droits fonciers des femmes"]
    titles = {t["title"] for t in data["forum"]["threads"]}
    assert titles == {"Mon sujet public", "Mon sujet privé"}
    bodies = {p["body"] for p in data["forum"]["posts"]}
    assert "Texte **source**" in bodies  # the Markdown source, not the HTML
    assert "Ma réponse à la modératrice." in bodies
    assert "Réponse de la modératrice." not in bodies  # someone else's
    assert [m["body"] for m in data["chat_messages"]] == ["Bonjour le salon"]
    assert [q["body"] for q in data["webinars"]["questions"]] == ["Ma question au panel ?"]
    assert [r["session"] for r in data["webinars"]["registrations"]] == ["À venir"]
    [document] = data["webinars"]["documents"]
    assert archive.read(document["file"]) == small_pdf()


def test_download_never_holds_another_member_contact_data(busy_member, moderator, client_for):
    _, archive = download(client_for(busy_member))
    for name in archive.namelist():
        content = archive.read(name).decode("utf-8", "replace")
        assert OTHER_EMAIL not in content
        assert OTHER_PHONE not in content
        assert moderator.username not in content


def test_download_writes_nothing(busy_member, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(busy_member)
    with CaptureQueriesContext(connection) as queries:
        download(client)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
    ]
    assert writes == []


# Deleting an account -------------------------------------------------------------------


def test_delete_page_explains_and_asks_for_the_password(member, client_for):
    html = client_for(member).get(reverse("account_delete")).content.decode()
    assert 'type="password"' in html
    assert "ancien·ne membre" in html
    assert 'name="erase_content"' in html


def test_delete_refuses_a_wrong_password(member, client_for):
    response = client_for(member).post(reverse("account_delete"), {"password": "faux"})
    assert response.status_code == 400
    assert "Mot de passe incorrect" in response.content.decode()
    member.refresh_from_db()
    assert member.is_active and member.deleted_at is None


def test_delete_anonymises_the_row_and_keeps_posts_as_former_member(
    busy_member, moderator, public_cop, client_for
):
    client = client_for(busy_member)
    thread = Thread.objects.get(title="Mon sujet public")

    response = client.post(reverse("account_delete"), {"password": PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(pk=busy_member.pk)
    assert not user.is_active and user.deleted_at is not None
    assert user.display_name == "ancien·ne membre"
    assert (user.email, user.phone, user.bio, user.region, user.organisation) == (
        "",
        "",
        "",
        None,
        None,
    )
    assert not user.has_usable_password()
    assert user.username != "awa"
    assert not Membership.objects.filter(user=user).exists()
    assert not JoinRequest.objects.filter(user=user).exists()
    assert not CommunityFollow.objects.filter(user=user).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert not CalendarToken.objects.filter(user=user).exists()
    assert Registration.objects.get(user=user).status == Registration.Status.CANCELLED
    # Posts stay, attributed to a former member.
    assert opening_post(thread).body == "Texte **source**"
    page = client_for(moderator).get(thread.get_absolute_url()).content.decode()
    assert "ancien·ne membre" in page
    assert "Texte <strong>source</strong>" in page
    assert "Awa Traoré" not in page
    # The session is over, and so is any other.
    assert client.get(reverse("profile_edit")).status_code == 302


def test_delete_with_erase_removes_the_text_but_keeps_threads_coherent(
    busy_member, moderator, client_for
):
    thread = Thread.objects.get(title="Mon sujet public")
    reply = Post.objects.get(body="Réponse de la modératrice.")

    client_for(busy_member).post(
        reverse("account_delete"), {"password": PASSWORD, "erase_content": "on"}
    )

    for post in Post.objects.filter(author=busy_member):
        assert post.body == "" and post.deleted_at is not None
        assert not post.revisions.exists()
    reply.refresh_from_db()
    assert reply.body == "Réponse de la modératrice."  # others' replies stay, in place
    assert Thread.objects.filter(pk=thread.pk).exists()
    assert all(m.body == "" for m in Message.objects.filter(author=busy_member))
    assert Question.objects.get(author=busy_member).body == "[question effacée]"
    page = client_for(moderator).get(thread.get_absolute_url()).content.decode()
    assert "Ma réponse à la modératrice." not in page
    assert "Réponse de la modératrice." in page


def test_a_deleted_account_frees_the_login_name_and_cannot_sign_in(member, client, client_for):
    services.delete_account(user=member, password=PASSWORD)
    assert not client.login(username="awa", password=PASSWORD)
    again = make_user(username="awa", display_name="Awa Traoré")  # name and login free again
    assert again.pk != member.pk


def test_delete_account_refuses_twice(member):
    services.delete_account(user=member, password=PASSWORD)
    with pytest.raises(ValidationError):
        services.delete_account(user=member, password=PASSWORD)


def test_delete_promotes_the_waiting_list(public_cop, moderator, member, outsider, region):
    session = make_session(public_cop, moderator, starts_in=timedelta(days=3), capacity=1)
    Membership.objects.create(user=outsider, community=public_cop)
    webinar_services.register(user=member, session=session, region=region)
    webinar_services.register(user=outsider, session=session, region=region)
    assert Registration.objects.get(user=outsider).status == Registration.Status.WAITLISTED
    services.delete_account(user=member, password=PASSWORD)
    assert Registration.objects.get(user=outsider).status == Registration.Status.CONFIRMED


def test_delete_announces_the_end_of_live_access(
    member, public_cop, django_capture_on_commit_callbacks
):
    from forum import events

    seen = []
    listener = seen.append
    events.subscribe(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_account(user=member, password=PASSWORD)
    finally:
        events.unsubscribe(listener)
    kinds = {type(event).__name__ for event in seen}
    assert {"UserDeactivated", "MembershipChanged"} <= kinds


def test_delete_ends_every_other_session(member, client_for):
    phone, laptop = client_for(member), client_for(member)
    assert laptop.get(reverse("profile_edit")).status_code == 200
    phone.post(reverse("account_delete"), {"password": PASSWORD})
    response = laptop.get(reverse("profile_edit"))
    assert response.status_code == 302  # to the sign-in page: the session is gone
    assert reverse("login") in response["Location"]
