"""
Live rooms: a CoP's *salon*, a webinar session's room.

Every change in a room (a message sent, edited or deleted, a setting, a mute,
and what other apps add: questions, polls, hands) takes the room's next
sequence number under a row lock and is written to ``RoomEvent``. A client
that reconnects gives the last number it saw and receives the current state
of everything that changed since, in order, once.

The tables were created by the forum app and keep their names
(``forum_room``…): the models moved, the data did not.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SALON = "salon"


class Room(models.Model):
    community = models.ForeignKey("forum.Community", on_delete=models.CASCADE, related_name="rooms")
    # A kind registered in rooms.kinds: "salon" here, "webinar" by the webinars app.
    kind = models.CharField(max_length=10, default=SALON)
    title = models.CharField(_("titre"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Last sequence number handed out; the next change takes last_seq + 1.
    last_seq = models.PositiveBigIntegerField(default=0)
    # A closed room is read-only.
    is_closed = models.BooleanField(_("fermé"), default=False)
    # Writing is allowed from ``opens_at`` until ``closes_at`` (when set): a
    # webinar room opens some minutes before the session and is read-only after it.
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    # Seconds a participant waits between two messages; 0: no slow mode.
    slow_mode = models.PositiveIntegerField(_("mode lent (secondes)"), default=0)
    pinned = models.ForeignKey(
        "rooms.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "forum_room"
        constraints = [
            models.UniqueConstraint(
                fields=["community"], condition=Q(kind=SALON), name="one_salon_per_community"
            )
        ]
        verbose_name = _("salon")
        verbose_name_plural = _("salons")

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} #{self.pk}"


class RoomEvent(models.Model):
    """One change in a room, in the order clients must see it."""

    class Kind(models.TextChoices):
        MESSAGE = "message"
        ROOM = "room"  # the room's settings: slow mode, pinned message, closed
        MUTE = "mute"  # a participant muted or unmuted

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    # Other apps add kinds of their own (webinar questions, polls, hands):
    # see rooms.kinds, which knows how to load and draw each kind.
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "forum_roomevent"
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="room_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq} {self.kind} {self.object_id}"


def voice_path(note, filename: str) -> str:
    """A stored voice note's name: random, never the uploader's (it may say who or where)."""
    now = timezone.now()
    return f"voix/{now:%Y/%m}/{secrets.token_hex(16)}.opus"


class VoiceNote(models.Model):
    """
    A voice note said in a room: a chat message's, or a webinar question's.

    The audio is the server's own Opus re-encoding (``forum.media.convert_voice``),
    kept in private storage (MEDIA_ROOT, never served by the web server) and
    served by ``rooms.views.voice_file`` after the room's access check, at the
    time it is asked for. ``owner_kind`` and ``owner_id`` name the room change
    that carries it (a ``message``, a ``question``): a transcript added later
    is announced as a change of its owner.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="voice_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=voice_path, max_length=200)
    duration = models.FloatField(_("durée (secondes)"))
    size = models.PositiveIntegerField(_("taille (octets)"))
    # Written by its author or a moderator; plain text, escaped wherever it is shown.
    transcript = models.TextField(_("transcription"), blank=True, default="")
    owner_kind = models.CharField(max_length=20, blank=True, default="")
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Its owner was hidden by the moderation (a webinar question): moderators only.
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["author"], name="voicenote_author")]
        verbose_name = _("note vocale")
        verbose_name_plural = _("notes vocales")

    def __str__(self) -> str:
        return f"{self.room_id} voix {self.pk}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # The room's sequence number when the message was sent (its ack's seq).
    seq = models.PositiveBigIntegerField()
    body = models.TextField(_("message"))
    # Escaped and linkified once, at write time.
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The client's idempotency key: a retried send finds the message it made.
    client_key = models.CharField(max_length=64, blank=True, default="")
    # A voice note said instead of (or with) the text; erased with the message.
    voice = models.OneToOneField(
        VoiceNote, null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )

    class Meta:
        db_table = "forum_message"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_key"],
                condition=~Q(client_key=""),
                name="message_client_key_once",
            )
        ]
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_history"),
            models.Index(fields=["author", "created_at"], name="message_rate"),
        ]
        verbose_name = _("message de salon")
        verbose_name_plural = _("messages de salon")

    def __str__(self) -> str:
        return f"{self.room_id}/{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class RoomMute(models.Model):
    """A participant a moderator silenced in one room, for a while or until lifted.

    A mute is in force while ``lifted_at`` is empty and ``until`` (when set)
    is still ahead; an expired one is closed (``lifted_at`` = ``until``) when
    the same person is muted again, so one row per person holds the constraint.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(_("jusqu'à"), null=True, blank=True)
    # Shown to the muted person and to moderators, never to the room.
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "forum_roommute"
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_mute",
            )
        ]

    def __str__(self) -> str:
        return f"{self.room_id} mute {self.user_id}"

    def in_force(self, now=None) -> bool:
        now = now or timezone.now()
        return self.lifted_at is None and (self.until is None or self.until > now)


class RoomConnection(models.Model):
    """
    One open (or past) live connection to a room or a thread.

    Shared by all Daphne processes through the database: it gives the presence
    list, "N people reading" and, for webinars, attendance.
    """

    topic = models.CharField(max_length=40)
    channel_name = models.CharField(max_length=120, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    connected_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "forum_roomconnection"
        indexes = [models.Index(fields=["topic", "left_at", "seen_at"], name="connection_open")]

    def __str__(self) -> str:
        return f"{self.topic} {self.channel_name}"
