"""
A private CoP with one of everything, and one person for each role toward it.

Shared by the access matrix (tests/test_access_matrix.py) and the fuzz tests
(tests/fuzz/): every route of the site has an object here to be built
against. Everything is made through the services, as the site makes it.

Roles toward the private CoP ``survivantes``:

- ``anonymous``: signed out;
- ``outsider``: signed in, in no CoP;
- ``applicant``: a join request waiting (made while the CoP was public);
- ``member``: a plain member, author of the thread and of a reply; she has no
  e-mail address (a moderator issues her a one-time password link);
- ``muted``: a member muted in the CoP until lifted (a CoP sanction: she reads,
  she does not write), and in the CoP's salon and webinar room;
- ``removed``: a former member a moderator removed: a removal is a CoP ban until
  lifted (logged), which holds against an invitation link still in her hands;
- ``other_moderator``: moderates another (public) CoP, not this one;
- ``moderator``: moderates this CoP;
- ``staff``: site staff, in no CoP.
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from forum import services
from forum.models import (
    Community,
    JoinRequest,
    Membership,
    Notification,
    Organisation,
    Region,
    ReportCase,
    Sanction,
)
from forum.services import emails as email_services
from forum.services import security
from rooms import services as room_services
from webinars import services as webinar_services
from webinars.models import SessionRecording
from webinars.services import calendar as calendar_services
from webinars.services import report as report_services

from .audio import tone
from .factories import make_community, make_membership, make_post, make_thread, make_user

ROLES = (
    "anonymous",
    "outsider",
    "applicant",
    "member",
    "muted",
    "removed",
    "other_moderator",
    "moderator",
    "staff",
)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.objects[name]

    def user(self, role: str):
        return self.users.get(role) or AnonymousUser()


def build_world() -> World:
    world = World()
    users = world.users
    organisation = Organisation.objects.create(
        name="Association des juristes de Mopti", slug="juristes-mopti", kind="association"
    )
    region = Region.objects.get_or_create(slug="segou", defaults={"name": "Ségou"})[0]
    users["member"] = make_user(
        username="awa",
        display_name="Awa Traoré",
        organisation=organisation,
        region=region,
        email="",
    )
    users["moderator"] = make_user(username="fatoumata", display_name="Fatoumata Diarra")
    users["muted"] = make_user(username="kadidia", display_name="Kadidia Keita")
    users["removed"] = make_user(username="mariam", display_name="Mariam Sanogo")
    users["applicant"] = make_user(username="oumou", display_name="Oumou Sidibé")
    users["outsider"] = make_user(username="bintou", display_name="Bintou Coulibaly")
    users["other_moderator"] = make_user(username="rokia", display_name="Rokia Dembélé")
    users["staff"] = make_user(username="equipe", display_name="Équipe Jɛkafɔ", is_staff=True)

    cop = make_community(
        name="Accompagnement des survivantes",
        slug="survivantes",
        visibility=Community.Visibility.PUBLIC,
    )
    other = make_community(
        name="Droits fonciers des femmes", slug="droits-fonciers", visibility="public"
    )
    make_membership(users["other_moderator"], other, Membership.Role.MODERATOR)
    make_membership(users["moderator"], cop, Membership.Role.MODERATOR)
    make_membership(users["member"], cop)
    make_membership(users["muted"], cop)
    removed = make_membership(users["removed"], cop)
    # A request made while the CoP was public, still waiting after it went private.
    join_request = services.request_to_join(
        user=users["applicant"], community=cop, message="Je travaille à Mopti."
    )
    cop.visibility = Community.Visibility.PRIVATE
    cop.save(update_fields=["visibility"])

    thread = make_thread(
        users["member"], cop, title="Plan de mise à l'abri à Mopti", tags=["mise à l'abri"]
    )
    post = make_post(users["member"], thread, body=f"Merci @[{users['moderator'].display_name}] !")
    reply = make_post(
        users["moderator"], thread, parent=post, body=f"@[{users['member'].display_name}]"
    )
    voice_file, image_file = _attach_files(post, users["member"])
    other_thread = make_thread(users["member"], cop, title="Contacts sûrs à Ségou")
    # A member's report on the moderator's reply: an open case in the review queue.
    services.report_item(
        reporter=users["member"], kind="post", object_id=reply.pk, reason="off_topic"
    )
    invitation = services.create_invitation(moderator=users["moderator"], community=cop)

    salon = room_services.ensure_salon(cop)
    message = room_services.send_message(
        author=users["member"], room=salon, body="Bonjour", client_key="world-msg-1"
    )[0]
    # A voice note said in the salon (tests/audio.py: real audio, made here).
    voice = room_services.send_message(
        author=users["member"],
        room=salon,
        client_key="world-voice-1",
        voice=io.BytesIO(tone("ogg", 0.5)),
    )[0].voice
    starts = timezone.now() - timedelta(minutes=5)
    series = webinar_services.create_series(
        author=users["moderator"],
        community=cop,
        title="Écoute des survivantes",
        first_start=starts + timedelta(days=7),
        rrule="FREQ=WEEKLY;COUNT=2",
    )
    session = webinar_services.create_session(
        author=users["moderator"],
        community=cop,
        title="Accueillir sans exposer",
        starts_at=starts,
        duration=90,
    )
    for room in (salon, session.room):
        room_services.mute_participant(
            moderator=users["moderator"], room=room, user=users["muted"], reason="essai"
        )
    webinar_services.register(user=users["member"], session=session)
    question = webinar_services.ask_question(
        author=users["member"], session=session, body="Une question ?", client_key="world-q-01"
    )[0]
    document = webinar_services.add_document(
        author=users["moderator"],
        session=session,
        title="Fiche",
        file=SimpleUploadedFile("fiche.txt", b"Fiche de suivi", content_type="text/plain"),
    )
    decision = report_services.add_decision(
        moderator=users["moderator"], session=session, text="Former deux relais à Mopti."
    )
    # A replay already converted (its bytes do not matter to who may fetch them).
    recording = SessionRecording(
        session=session, status=SessionRecording.Status.READY, duration=60.0, size=4
    )
    recording.file.save("seance.opus", ContentFile(b"OggS"), save=False)
    recording.save()
    mute = services.sanction_member(
        moderator=users["moderator"],
        community=cop,
        user=users["muted"],
        kind="mute",
        duration="forever",
        reason="Propos blessants.",
    )
    services.remove_member(
        moderator=users["moderator"], membership=removed, reason="Menaces envers un membre."
    )
    reset_token = security.issue_reset_link(
        issuer=users["moderator"], member=users["member"], community=cop
    )
    token = calendar_services.get_or_create_token(users["member"])
    feed_token = services.get_or_create_feed_token(users["member"])
    email_preference = email_services.set_email_frequency(user=users["member"], frequency="daily")
    # The member is also signed in on another device (her sessions page lists it).
    elsewhere = Client()
    elsewhere.force_login(users["member"])
    session_handle = security.session_handle(elsewhere.session.session_key)
    world.objects.update(
        cop=cop,
        other_cop=other,
        thread=thread,
        other_thread=other_thread,
        opening=thread.posts.get(parent__isnull=True),
        post=post,
        voice_file=voice_file,
        image_file=image_file,
        membership=Membership.objects.get(user=users["member"], community=cop),
        join_request=join_request,
        invitation=invitation,
        salon=salon,
        message=message,
        voice=voice,
        series=series,
        upcoming=series.sessions.order_by("starts_at").first(),
        session=session,
        webinar_room=session.room,
        question=question,
        document=document,
        decision=decision,
        notification=Notification.objects.filter(recipient=users["member"]).first(),
        profile=users["member"],
        organisation=organisation,
        tag=thread.tags.first(),
        token=token,
        feed_token=feed_token,
        email_preference=email_preference,
        mute=mute,
        case=ReportCase.objects.get(community=cop),
        reset_token=reset_token,
        session_handle=session_handle,
    )
    assert world["notification"] is not None
    assert JoinRequest.objects.filter(pk=join_request.pk, status="pending").exists()
    # What removal means now: a ban in the CoP, until lifted.
    assert Sanction.objects.filter(
        community=cop, user=users["removed"], kind="ban", until=None, lifted_at=None
    ).exists()
    return world


def _attach_files(post, author):
    """A voice note and a photo on ``post``, stored as the post services store them."""
    from io import BytesIO

    from django.db import transaction
    from PIL import Image

    from forum.services import attachments

    photo = BytesIO()
    Image.new("RGB", (64, 48), (120, 40, 40)).save(photo, "JPEG")
    prepared = attachments.prepare_files(
        voice=SimpleUploadedFile("note.webm", tone("webm", 1.0)),
        files=[SimpleUploadedFile("photo.jpg", photo.getvalue())],
    )
    with transaction.atomic():
        attachments.store_files(post=post, author=author, prepared=prepared, written=[])
    voice, image = post.files.order_by("pk")
    return voice, image
