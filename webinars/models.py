"""
Webinars: a series repeats by an iCalendar rule and generates sessions; each
session has a live room (a ``rooms.Room`` of kind "webinar") where members
chat, ask and upvote questions, vote in polls and raise their hand.

Times are stored in UTC. Every change in the live room takes the room's next
sequence number (``rooms.RoomEvent``), so a client that reconnects replays
what it missed; see rooms.kinds for how each kind is drawn.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SEMESTERLY = "FREQ=MONTHLY;INTERVAL=6"
# Bounds of what a form may say: more places than this is no webinar, and dates
# outside these years are typing mistakes (year 9999 + a duration overflows).
MAX_CAPACITY = 100_000
# The longest session, in minutes (services refuse longer ones): the upcoming lists
# read only sessions started within this much of now (webinars.selectors.list_sessions).
MAX_DURATION = 12 * 60
FIRST_YEAR, LAST_YEAR = 2000, 2100
# The kind of a session's live room, registered with rooms.kinds.
ROOM_KIND = "webinar"


class Series(models.Model):
    community = models.ForeignKey(
        "forum.Community",
        verbose_name=_("communauté"),
        on_delete=models.CASCADE,
        related_name="webinar_series",
    )
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    regions = models.ManyToManyField(
        "forum.Region", verbose_name=_("régions participantes"), related_name="webinar_series"
    )
    # An RFC 5545 RRULE value, without DTSTART (that is ``first_start``).
    rrule = models.CharField(_("règle de répétition"), max_length=300, default=SEMESTERLY)
    first_start = models.DateTimeField(_("première séance"))
    # The zone the rule repeats in: "10:00 every six months" is 10:00 there.
    time_zone = models.CharField(_("fuseau de la série"), max_length=64, default="Africa/Bamako")
    duration = models.PositiveIntegerField(_("durée (minutes)"), default=120)
    open_minutes_before = models.PositiveIntegerField(
        _("ouverture de la salle (minutes avant)"), default=30
    )
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    video_url = models.URLField(_("lien vidéo ou audio"), blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name = _("série de webinaires")
        verbose_name_plural = _("séries de webinaires")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("webinar_series", args=[self.pk])


class Session(models.Model):
    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("à venir")
        OPEN = "open", _("salle ouverte")
        LIVE = "live", _("en direct")
        ENDED = "ended", _("terminé")
        CANCELLED = "cancelled", _("annulé")

    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    community = models.ForeignKey(
        "forum.Community", on_delete=models.CASCADE, related_name="webinar_sessions"
    )
    room = models.OneToOneField("rooms.Room", on_delete=models.PROTECT, related_name="session")
    title = models.CharField(_("titre"), max_length=200)
    theme = models.CharField(_("thème"), max_length=200, blank=True)
    agenda = models.TextField(_("programme"), blank=True)
    agenda_html = models.TextField(editable=False, blank=True)
    # One speaker a line: "Aïssata Traoré — juriste, WILDAF".
    speakers = models.TextField(_("intervenant·es"), blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    open_minutes_before = models.PositiveIntegerField(
        _("ouverture de la salle (minutes avant)"), default=30
    )
    # The date of the series' rule this session stands for (RECURRENCE-ID),
    # kept when the session itself is moved.
    occurrence = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    video_url = models.URLField(_("lien vidéo ou audio"), blank=True)
    recording_url = models.URLField(_("lien de l'enregistrement"), blank=True)
    # Audio only ("radio"), for members on 2G: a stream link, or a recording uploaded
    # (``SessionRecording``), played in the page and in the member's own player.
    radio = models.BooleanField(_("séance radio (audio seulement)"), default=False)
    stream_url = models.URLField(_("lien du flux audio"), blank=True)
    # What the stream weighs, as its organiser set it up: tells members the cost in MB.
    stream_kbps = models.PositiveSmallIntegerField(_("débit du flux (kb/s)"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # RFC 5545 SEQUENCE: raised on each change calendars must pick up.
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    minutes = models.TextField(_("compte rendu"), blank=True)
    minutes_html = models.TextField(editable=False, blank=True)
    minutes_updated_at = models.DateTimeField(null=True, blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence"],
                condition=Q(series__isnull=False, occurrence__isnull=False),
                name="one_session_per_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="session_calendar"),
            # The lists of every CoP's sessions, by date (webinars.selectors.list_sessions).
            models.Index(fields=["starts_at"], name="session_starts"),
        ]
        verbose_name = _("séance de webinaire")
        verbose_name_plural = _("séances de webinaire")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("webinar", args=[self.pk])

    @property
    def opens_at(self) -> datetime:
        return self.starts_at - timedelta(minutes=self.open_minutes_before)

    def status_at(self, now: datetime) -> str:
        if self.cancelled_at is not None:
            return self.Status.CANCELLED
        if now >= self.ends_at:
            return self.Status.ENDED
        if now >= self.starts_at:
            return self.Status.LIVE
        if now >= self.opens_at:
            return self.Status.OPEN
        return self.Status.UPCOMING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def speaker_list(self) -> list[str]:
        return [line.strip() for line in self.speakers.splitlines() if line.strip()]


class SessionDocument(models.Model):
    """A document shared with a session: a link, or a file served after an access check."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("titre"), max_length=200)
    url = models.URLField(_("lien"), blank=True)
    file = models.FileField(_("fichier"), upload_to="webinaires/%Y/%m/", blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("document de séance")
        verbose_name_plural = _("documents de séance")

    def __str__(self) -> str:
        return self.title


class SessionRecording(models.Model):
    """A session's recording, uploaded by its organiser and converted later to small Opus.

    The upload waits in a private spool (``settings.RECORDING_SPOOL_DIR``) until
    ``manage.py convert_recordings`` (a systemd timer) converts it: an hour or two
    of audio takes minutes to re-encode, more than a request may take.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("conversion en cours")
        READY = "ready", _("prêt")
        FAILED = "failed", _("conversion impossible")

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="recording")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    # The upload as received, in the spool, until it is converted (relative name).
    spool_name = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to="webinaires/enregistrements/%Y/%m/", blank=True)
    duration = models.FloatField(null=True, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    # Why the conversion failed, for the organiser (a converter's message, in French).
    error = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Set when a converter takes it: another run leaves it alone unless that one died.
    started_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enregistrement de séance")
        verbose_name_plural = _("enregistrements de séance")

    def __str__(self) -> str:
        return f"{self.session_id} {self.status}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.file)


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("inscrit·e")
        WAITLISTED = "waitlisted", _("liste d'attente")
        CANCELLED = "cancelled", _("désinscrit·e")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webinar_registrations"
    )
    region = models.ForeignKey(
        "forum.Region", verbose_name=_("région"), null=True, on_delete=models.SET_NULL
    )
    organisation = models.ForeignKey(
        "forum.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    status = models.CharField(max_length=12, choices=Status.choices)
    # Order on the waiting list: set again when someone registers anew.
    registered_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registered_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="register_once")]
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")

    def __str__(self) -> str:
        return f"{self.session_id}/{self.user_id} {self.status}"


class Reminder(models.Model):
    """A reminder sent: its row is what makes a second run of the command send nothing."""

    class Kind(models.TextChoices):
        DAY = "24h", _("la veille")
        HOUR = "1h", _("une heure avant")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    emailed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user", "kind"], name="remind_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.user_id} {self.kind}"


class CalendarToken(models.Model):
    """The secret in a member's calendar feed address (calendar apps cannot sign in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar token of {self.user_id}"


# The live room -----------------------------------------------------------------------


class Question(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("question"))
    # Escaped and linkified once, at write time.
    body_html = models.TextField()
    votes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_key = models.CharField(max_length=64, blank=True, default="")
    # A question asked aloud (rooms.VoiceNote); erased with the question's text.
    voice = models.OneToOneField(
        "rooms.VoiceNote",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="question",
    )

    class Meta:
        ordering = ["-votes", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_key"],
                condition=~Q(client_key=""),
                name="question_client_key_once",
            )
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.body[:60]


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="upvotes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="upvote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ↑ {self.question_id}"


class Poll(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="polls")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.CharField(_("question"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("sondage")
        verbose_name_plural = _("sondages")

    def __str__(self) -> str:
        return self.question

    @property
    def total_votes(self) -> int:
        return sum(option.votes for option in self.options.all())


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("réponse"), max_length=200)
    position = models.PositiveSmallIntegerField()
    votes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="option_position_unique")
        ]

    def __str__(self) -> str:
        return self.label


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.option_id}"


class Hand(models.Model):
    """A raised hand: in the queue until a moderator gives the floor or it is lowered."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="hands")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    called_at = models.DateTimeField(null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lowered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(lowered_at__isnull=True),
                name="one_hand_up",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id} hand {self.user_id}"

    @property
    def state(self) -> str:
        if self.lowered_at is not None:
            return "lowered"
        return "called" if self.called_at is not None else "raised"


class Decision(models.Model):
    """A decision taken in a session; it may open a follow-up thread in the CoP's forum."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField(_("décision"), max_length=500)
    # Where in the session's recording it was taken (seconds): a chapter of the replay.
    offset = models.PositiveIntegerField(_("moment dans l'enregistrement"), null=True, blank=True)
    thread = models.OneToOneField(
        "forum.Thread",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webinar_decision",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")

    def __str__(self) -> str:
        return self.text
