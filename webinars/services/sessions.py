"""Series and sessions: create, generate from the rule, edit, cancel; documents."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import limits, uploads
from forum.markup import render_markdown
from forum.models import Community, Region, User
from forum.permissions import check_moderate_community
from forum.text import clean_body, clean_line
from rooms import services as room_services

from .. import recurrence
from ..models import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_CAPACITY,
    MAX_DURATION,
    ROOM_KIND,
    Series,
    Session,
    SessionDocument,
)
from ..permissions import check_manage_session
from .radio import (
    apply_audio_changes,
    log_audio_change,
    validate_stream_kbps,
    validate_stream_url,
)
from .registration import fill_from_waiting_list

MAX_OPEN_BEFORE = 24 * 60


def _text_line(value: str, field: str, label: str, *, required: bool, maximum: int) -> str:
    text = clean_line(value) if isinstance(value, str) else ""
    if required and not text:
        raise ValidationError({field: _("%(label)s ne peut pas être vide.") % {"label": label}})
    if len(text) > maximum:
        raise ValidationError(
            {field: _("%(max)d caractères au plus.") % {"max": maximum}}, code="invalid"
        )
    return text


def _aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise ValidationError({field: _("Date et heure invalides.")}, code="invalid")
    if not FIRST_YEAR <= value.year <= LAST_YEAR - 1:
        message = _("La date doit tomber entre %(first)s et %(last)s.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR - 1,
        }
        raise ValidationError({field: message}, code="invalid")
    return value


def _check_capacity(capacity: int | None) -> int | None:
    if capacity is not None and (type(capacity) is not int or not 1 <= capacity <= MAX_CAPACITY):
        raise ValidationError(
            {"capacity": _("De 1 à %(max)s places.") % {"max": MAX_CAPACITY}}, code="invalid"
        )
    return capacity


def _check_duration(minutes: int, field: str = "duration") -> int:
    if type(minutes) is not int or not 15 <= minutes <= MAX_DURATION:
        raise ValidationError({field: _("La durée va de 15 minutes à 12 heures.")}, code="invalid")
    return minutes


def _check_open_before(minutes: int) -> int:
    if type(minutes) is not int or not 0 <= minutes <= MAX_OPEN_BEFORE:
        raise ValidationError(
            {"open_minutes_before": _("La salle ouvre de 0 à 1440 minutes avant le début.")},
            code="invalid",
        )
    return minutes


def _sync_room(session: Session) -> None:
    """Keep the live room's title and writing window on the session's (and announce it)."""
    closes_at = session.ends_at
    if session.cancelled_at is not None:
        closes_at = min(closes_at, session.cancelled_at)
    session.room = room_services.update_room(
        session.room, title=session.title, opens_at=session.opens_at, closes_at=closes_at
    )


def _new_session(**fields) -> Session:
    room = room_services.create_room(
        community=fields["community"],
        kind=ROOM_KIND,
        title=fields["title"][:200],
        opens_at=fields["starts_at"] - timedelta(minutes=fields["open_minutes_before"]),
        closes_at=fields["ends_at"],
    )
    return Session.objects.create(room=room, **fields)


@transaction.atomic
def create_series(
    *,
    author: User,
    community: Community,
    title: str,
    first_start: datetime,
    rrule: str = "",
    time_zone: str = "Africa/Bamako",
    duration: int = 120,
    open_minutes_before: int = 30,
    regions: list[Region] | tuple = (),
    description: str = "",
    capacity: int | None = None,
    video_url: str = "",
) -> Series:
    """Create a series and the sessions its rule gives (semesterly unless told otherwise)."""
    check_moderate_community(author, community)
    title = _text_line(title, "title", _("Le titre"), required=True, maximum=200)
    first_start = _aware(first_start, "first_start")
    rule = recurrence.normalise_rule(rrule) or recurrence.normalise_rule(
        Series._meta.get_field("rrule").default
    )
    try:
        recurrence.parse_rule(rule, first_start, time_zone)
    except ValidationError as error:
        raise ValidationError({"rrule": error.messages}, code="invalid_rrule") from None
    _check_capacity(capacity)
    description = clean_body(description)
    series = Series.objects.create(
        community=community,
        title=title,
        description=description,
        description_html=render_markdown(description) if description else "",
        rrule=rule,
        first_start=first_start,
        time_zone=time_zone,
        duration=_check_duration(duration),
        open_minutes_before=_check_open_before(open_minutes_before),
        capacity=capacity,
        video_url=video_url,
        created_by=author,
    )
    series.regions.set(regions)
    generate_sessions(series)
    return series


@transaction.atomic
def generate_sessions(series: Series, *, now: datetime | None = None) -> list[Session]:
    """Create the sessions the rule gives up to a year or so ahead; return the new ones.

    Run again (by ``manage.py generate_webinar_sessions``) it adds only what is
    missing: a session is keyed by the rule's date it stands for, so one
    that was moved or cancelled is never generated a second time.
    """
    now = now or timezone.now()
    until = max(now, series.first_start) + recurrence.HORIZON
    dates = recurrence.occurrences(series.rrule, series.first_start, series.time_zone, until=until)
    existing = set(Session.objects.filter(series=series).values_list("occurrence", flat=True))
    created = []
    for number, start in enumerate(dates, start=1):
        if start in existing:
            continue
        created.append(
            _new_session(
                series=series,
                community=series.community,
                title=_("%(title)s — séance %(number)d")
                % {"title": series.title, "number": number},
                starts_at=start,
                ends_at=start + timedelta(minutes=series.duration),
                open_minutes_before=series.open_minutes_before,
                occurrence=start,
                capacity=series.capacity,
                video_url=series.video_url,
                created_by=series.created_by,
            )
        )
    return created


@transaction.atomic
def create_session(
    *,
    author: User,
    community: Community,
    title: str,
    starts_at: datetime,
    duration: int = 120,
    open_minutes_before: int = 30,
    theme: str = "",
    agenda: str = "",
    speakers: str = "",
    capacity: int | None = None,
    video_url: str = "",
    radio: bool = False,
    stream_url: str = "",
    stream_kbps: int | None = None,
) -> Session:
    """A one-off session, outside any series (a radio one too: audio only)."""
    check_moderate_community(author, community)
    audio = {
        "radio": bool(radio),
        "stream_url": validate_stream_url(stream_url),
        "stream_kbps": validate_stream_kbps(stream_kbps),
    }
    title = _text_line(title, "title", _("Le titre"), required=True, maximum=200)
    starts_at = _aware(starts_at, "starts_at")
    _check_capacity(capacity)
    agenda = clean_body(agenda)
    return _new_session(
        community=community,
        title=title,
        theme=_text_line(theme, "theme", _("Le thème"), required=False, maximum=200),
        agenda=agenda,
        agenda_html=render_markdown(agenda) if agenda else "",
        speakers=clean_body(speakers),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=_check_duration(duration)),
        open_minutes_before=_check_open_before(open_minutes_before),
        capacity=capacity,
        video_url=video_url,
        created_by=author,
        **audio,
    )


def _locked(session: Session) -> Session:
    return (
        Session.objects.select_for_update().select_related("community", "room").get(pk=session.pk)
    )


# Fields a calendar shows: a change to one of them raises SEQUENCE.
_CALENDAR_FIELDS = {"title", "theme", "agenda", "speakers", "starts_at", "ends_at"}


@transaction.atomic
def edit_session(*, editor: User, session: Session, **changes) -> Session:
    """Change a session's details or times; calendars pick the change up (SEQUENCE + 1)."""
    session = _locked(session)
    check_manage_session(editor, session)
    allowed = {
        "title",
        "theme",
        "agenda",
        "speakers",
        "starts_at",
        "duration",
        "open_minutes_before",
        "capacity",
        "video_url",
        "recording_url",
        "radio",
        "stream_url",
        "stream_kbps",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Unknown session fields: {sorted(unknown)}")
    old = {name: getattr(session, name) for name in _CALENDAR_FIELDS}
    if "title" in changes:
        session.title = _text_line(
            changes["title"], "title", _("Le titre"), required=True, maximum=200
        )
    if "theme" in changes:
        session.theme = _text_line(
            changes["theme"], "theme", _("Le thème"), required=False, maximum=200
        )
    if "agenda" in changes:
        session.agenda = clean_body(changes["agenda"])
        session.agenda_html = render_markdown(session.agenda) if session.agenda else ""
    if "speakers" in changes:
        session.speakers = clean_body(changes["speakers"])
    duration = changes.get("duration")
    if duration is None:
        duration = int((session.ends_at - session.starts_at).total_seconds() // 60)
    if "starts_at" in changes:
        session.starts_at = _aware(changes["starts_at"], "starts_at")
    session.ends_at = session.starts_at + timedelta(minutes=_check_duration(duration))
    if "open_minutes_before" in changes:
        session.open_minutes_before = _check_open_before(changes["open_minutes_before"])
    if "capacity" in changes:
        capacity = changes["capacity"]
        session.capacity = _check_capacity(capacity)
    for name in ("video_url", "recording_url"):
        if name in changes:
            setattr(session, name, changes[name] or "")
    audio_changes = apply_audio_changes(session, changes)
    if any(getattr(session, name) != value for name, value in old.items()):
        session.sequence += 1
    session.updated_at = timezone.now()
    session.save()
    log_audio_change(editor, session, audio_changes)
    _sync_room(session)
    if "capacity" in changes:
        fill_from_waiting_list(session)
    return session


@transaction.atomic
def cancel_session(*, moderator: User, session: Session) -> Session:
    """Cancel a session: calendars show it cancelled, its room stays readable."""
    session = _locked(session)
    check_manage_session(moderator, session)
    if session.cancelled_at is not None:
        raise ValidationError(_("Cette séance est déjà annulée."), code="invalid")
    if session.status == Session.Status.ENDED:
        raise ValidationError(_("Une séance terminée ne s'annule plus."), code="invalid")
    session.cancelled_at = timezone.now()
    session.sequence += 1
    session.updated_at = session.cancelled_at
    session.save(update_fields=["cancelled_at", "sequence", "updated_at"])
    _sync_room(session)
    return session


@transaction.atomic
def add_document(
    *, author: User, session: Session, title: str, url: str = "", file=None
) -> SessionDocument:
    check_manage_session(author, session)
    title = _text_line(title, "title", _("Le titre"), required=True, maximum=200)
    if bool(url) == bool(file):
        raise ValidationError(_("Donnez soit un lien, soit un fichier."), code="invalid")
    if file:
        limits.hit("upload", user=author)
        # Judged by its content; stored under the extension of what it is.
        try:
            kind = uploads.check_upload(file)
        except ValidationError as error:
            raise ValidationError({"file": error.messages}, code="file_type") from None
        file.name = uploads.stored_name(file.name, kind)
    try:
        return SessionDocument.objects.create(
            session=session, title=title, url=url or "", file=file or "", added_by=author
        )
    except IntegrityError:  # pragma: no cover - no unique constraint today
        raise ValidationError(_("Document refusé."), code="invalid") from None


@transaction.atomic
def remove_document(*, author: User, document: SessionDocument) -> None:
    check_manage_session(author, document.session)
    if document.file:
        document.file.delete(save=False)
    document.delete()
