"""After a session: its minutes, the decisions taken and their follow-up threads."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from forum.markup import escape_markdown, render_markdown
from forum.models import User
from forum.services import create_thread
from forum.text import clean_body, clean_line, limits

from ..models import Decision, Session
from ..permissions import check_manage_session
from .radio import read_offset

DECISION_MAX_LENGTH = Decision._meta.get_field("text").max_length


@transaction.atomic
def save_minutes(*, moderator: User, session: Session, minutes: str) -> Session:
    """Replace the session's minutes (Markdown); an empty text clears them."""
    session = Session.objects.select_for_update().select_related("community").get(pk=session.pk)
    check_manage_session(moderator, session)
    minutes = clean_body(minutes) if isinstance(minutes, str) else ""
    maximum = limits()["BODY_MAX_LENGTH"]
    if len(minutes) > maximum:
        raise ValidationError(
            {
                "minutes": _("Le compte rendu fait %(length)d caractères ; %(max)d au plus.")
                % {"length": len(minutes), "max": maximum}
            },
            code="max_length",
        )
    session.minutes = minutes
    session.minutes_html = render_markdown(minutes) if minutes else ""
    session.minutes_updated_at = timezone.now()
    session.minutes_by = moderator
    session.save(update_fields=["minutes", "minutes_html", "minutes_updated_at", "minutes_by"])
    return session


def validate_decision(value) -> str:
    text = clean_line(value) if isinstance(value, str) else ""
    if not text:
        raise ValidationError({"text": _("La décision ne peut pas être vide.")}, code="required")
    if len(text) > DECISION_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("La décision fait %(length)d caractères ; %(max)d au plus.")
                % {"length": len(text), "max": DECISION_MAX_LENGTH}
            },
            code="max_length",
        )
    return text


@transaction.atomic
def add_decision(*, moderator: User, session: Session, text: str, offset: str = "") -> Decision:
    """Record a decision; ``offset`` (mm:ss or h:mm:ss) places it in the recording."""
    check_manage_session(moderator, session)
    return Decision.objects.create(
        session=session,
        text=validate_decision(text),
        offset=read_offset(session, offset),
        created_by=moderator,
    )


def report_url(session: Session) -> str:
    return reverse("webinar_report", args=[session.pk])


@transaction.atomic
def open_followup_thread(*, moderator: User, decision: Decision) -> Decision:
    """Open a thread in the session's CoP to follow a decision up; one thread per decision."""
    # The row lock makes two moderators clicking at once open one thread, not two.
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("session__community")
        .get(pk=decision.pk)
    )
    session = decision.session
    check_manage_session(moderator, session)
    if decision.thread_id is not None:
        raise ValidationError(
            _("Cette décision a déjà sa discussion de suivi."), code="already_followed"
        )
    title = Truncator(decision.text).chars(limits()["TITLE_MAX_LENGTH"])
    quoted = "\n".join(f"> {line}" for line in decision.text.splitlines() or [""])
    body = _("Suite de la décision prise lors du webinaire [%(title)s](%(url)s) :") % {
        "title": escape_markdown(session.title),
        "url": report_url(session),
    }
    thread = create_thread(
        author=moderator, community=session.community, title=title, body=f"{body}\n\n{quoted}\n"
    )
    decision.thread = thread
    decision.save(update_fields=["thread"])
    return decision
