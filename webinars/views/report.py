"""
After a session: its report page (minutes, decisions, questions, polls,
attendance), the minutes form, decisions and their follow-up threads, and the
moderators' exports (CSV for spreadsheets, Markdown to read or repost).

Names of people appear only to the session's moderators: others see counts
by region and organisation (some participants are at risk if known to attend).
"""

import csv
import io
from datetime import UTC
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rooms.models import Message

from ..attendance import Attendance, attendance, attendance_svg
from ..chapters import format_offset
from ..forms import DecisionOffsetForm, RecordingForm
from ..models import Decision, Poll, Question, Session
from ..permissions import (
    can_export,
    can_manage_session,
    can_see_attendees,
    check_export,
    check_manage_session,
    check_view_session,
)
from ..selectors import access_session, list_polls, list_questions
from ..services.report import (
    DECISION_MAX_LENGTH,
    add_decision,
    open_followup_thread,
    save_minutes,
)
from .radio_context import chapters, radio_context

BAMAKO = ZoneInfo("Africa/Bamako")
EXPORTS = {"chat": {"csv", "md"}, "questions": {"csv", "md"}, "compte-rendu": {"md"}}


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=gettext_lazy("Compte rendu (Markdown)"),
        required=False,
        max_length=settings.JEKAFO["BODY_MAX_LENGTH"],
        widget=forms.Textarea(attrs={"rows": 18}),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Nouvelle décision"),
        max_length=DECISION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    offset = DecisionOffsetForm.base_fields["offset"]


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            for message in field_errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# Reads for the report (all visibility checks done by the caller) ---------------------------


def _decisions(session: Session) -> list[Decision]:
    return list(Decision.objects.filter(session=session).select_related("thread").order_by("pk"))


def _reported_questions(session: Session, *, moderator: bool) -> list[Question]:
    """Answered questions; for moderators also the hidden ones (shown as such)."""
    return [
        question
        for question in list_questions(session, hidden=moderator)
        if question.answered_at is not None or question.hidden_at is not None
    ]


def _poll_results(polls: list[Poll]) -> list[dict]:
    results = []
    for poll in polls:
        options = list(poll.options.all())
        total = sum(option.votes for option in options)
        results.append(
            {
                "poll": poll,
                "total": total,
                "options": [
                    {
                        "label": option.label,
                        "votes": option.votes,
                        "percent": round(100 * option.votes / total) if total else 0,
                    }
                    for option in options
                ],
            }
        )
    return results


def _recording_url(session: Session) -> str:
    url = session.recording_url or ""
    return url if url.lower().startswith(("https://", "http://")) else ""


# The report page ---------------------------------------------------------------------------


def _report_context(request: HttpRequest, session: Session, **extra) -> dict:
    user = request.user
    moderator = can_manage_session(user, session)
    att = attendance(session)
    decisions = _decisions(session)
    # The replay is for whoever reads the minutes; the stream link is not shown here.
    radio = radio_context(request, session, can_see_link=False)
    return {
        "session": session,
        "community": session.community,
        "can_manage": moderator,
        "can_export": can_export(user, session),
        "can_see_attendees": can_see_attendees(user, session),
        "decisions": decisions,
        **radio,
        "chapters": chapters(decisions, radio["recording_file_url"]),
        "recording_form": RecordingForm() if moderator else None,
        "questions": _reported_questions(session, moderator=moderator),
        "polls": _poll_results(list_polls(session)),
        "recording_url": _recording_url(session),
        "attendance": att,
        "attendance_chart": attendance_svg(att),
        "decision_form": DecisionForm() if moderator else None,
        "decision_max_length": DECISION_MAX_LENGTH,
        "exports": [
            ("compte-rendu", "md", _("Compte rendu complet (Markdown)")),
            ("questions", "csv", _("Questions (CSV)")),
            ("questions", "md", _("Questions (Markdown)")),
            ("chat", "csv", _("Discussion (CSV)")),
            ("chat", "md", _("Discussion (Markdown)")),
        ],
        **extra,
    }


def render_report(request: HttpRequest, session: Session, *, status: int = 200, **extra):
    """The report page; ``extra`` brings a refused form back with its errors (status 400)."""
    context = _report_context(request, session, **extra)
    return render(request, "webinars/report.html", context, status=status)


@require_GET
def webinar_report(request: HttpRequest, pk: int) -> HttpResponse:
    return render_report(request, access_session(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def webinar_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_session(request.user, pk)
    check_manage_session(request.user, session)
    if request.method == "POST":
        form = MinutesForm(request.POST)
        if form.is_valid():
            try:
                save_minutes(
                    moderator=request.user, session=session, minutes=form.cleaned_data["minutes"]
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Compte rendu enregistré."))
                return redirect(reverse("webinar_report", args=[session.pk]) + "#compte-rendu")
        status = 400
    else:
        form = MinutesForm(initial={"minutes": session.minutes})
        status = 200
    return render(
        request,
        "webinars/minutes_form.html",
        {"session": session, "community": session.community, "form": form},
        status=status,
    )


@login_required
@require_POST
def webinar_decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_session(request.user, pk)
    check_manage_session(request.user, session)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            add_decision(
                moderator=request.user,
                session=session,
                text=form.cleaned_data["text"],
                offset=form.cleaned_data["offset"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Décision ajoutée."))
            return redirect(reverse("webinar_report", args=[session.pk]) + "#decisions")
    return render_report(request, session, status=400, decision_form=form)


@login_required
@require_POST
def webinar_decision_thread(request: HttpRequest, pk: int) -> HttpResponse:
    decision = (
        Decision.objects.select_related("session__community", "session__room").filter(pk=pk).first()
    )
    if decision is None:
        raise Http404
    session = decision.session
    check_view_session(request.user, session)
    try:
        open_followup_thread(moderator=request.user, decision=decision)
    except ValidationError as error:
        return render_report(request, session, status=400, decision_errors=error.messages)
    messages.success(request, _("Discussion de suivi ouverte dans le forum."))
    return redirect(reverse("webinar_report", args=[session.pk]) + f"#decision-{decision.pk}")


# Exports -----------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Return a CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _iso(value, zone) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds")


def _local(value, fmt: str = "j F Y, H:i") -> str:
    return formats.date_format(value.astimezone(BAMAKO), fmt)


def _name(user) -> str:
    if user is None:
        return _("compte supprimé")
    return user.display_name or user.username


def _yes_no(value: bool) -> str:
    return _("oui") if value else _("non")


def _md(text: str) -> str:
    """Escape what would turn a name or a one-line text into Markdown markup."""
    for char in "\\`*_[]<>":
        text = text.replace(char, "\\" + char)
    return text


def _md_item(text: str) -> str:
    """Indent the following lines of a text so that it stays one list item."""
    return "\n  ".join(text.splitlines())


def _messages(session: Session) -> list[Message]:
    return list(
        Message.objects.filter(room_id=session.room_id).select_related("author").order_by("pk")
    )


def _chat_csv(session: Session) -> list[list]:
    rows = [[_("heure (UTC)"), _("heure (Bamako)"), _("auteur·e"), _("supprimé"), _("message")]]
    for message in _messages(session):
        deleted = message.deleted_at is not None
        rows.append(
            [
                _iso(message.created_at, UTC),
                _iso(message.created_at, BAMAKO),
                _name(message.author),
                _yes_no(deleted),
                "" if deleted else message.body,
            ]
        )
    return rows


def _questions_csv(session: Session) -> list[list]:
    rows = [[_("votes"), _("traitée"), _("masquée"), _("auteur·e"), _("question")]]
    for question in list_questions(session, hidden=True):
        rows.append(
            [
                question.votes,
                _yes_no(question.answered_at is not None),
                _yes_no(question.hidden_at is not None),
                _name(question.author),
                question.body,
            ]
        )
    return rows


def _heading(session: Session, what: str) -> list[str]:
    return [
        f"# {what} — {_md(session.title)}",
        "",
        _("%(community)s · %(start)s – %(end)s (heure de Bamako)")
        % {
            "community": _md(session.community.name),
            "start": _local(session.starts_at),
            "end": _local(session.ends_at, "H:i"),
        },
        "",
    ]


def _chat_md(session: Session) -> str:
    lines = _heading(session, _("Discussion"))
    messages = _messages(session)
    for message in messages:
        when = _local(message.created_at, "H:i")
        if message.deleted_at is not None:
            lines.append(f"- {when} — *{_('message supprimé')}*")
        else:
            author = _md(_name(message.author))
            lines.append(f"- {when} — **{author}** : {_md_item(message.body)}")
    if not messages:
        lines.append(_("Aucun message."))
    return "\n".join(lines) + "\n"


def _question_lines(questions: list[Question], *, with_authors: bool) -> list[str]:
    lines = []
    for question in questions:
        marks = [
            ngettext("%(count)d vote", "%(count)d votes", question.votes)
            % {"count": question.votes}
        ]
        if question.answered_at is not None:
            marks.append(_("traitée"))
        if question.hidden_at is not None:
            marks.append(_("masquée"))
        author = f" — {_md(_name(question.author))}" if with_authors else ""
        lines.append(f"- ({', '.join(marks)}){author} : {_md_item(question.body)}")
    return lines


def _questions_md(session: Session) -> str:
    lines = _heading(session, _("Questions"))
    questions = list_questions(session, hidden=True)
    lines += _question_lines(questions, with_authors=True) or [_("Aucune question.")]
    return "\n".join(lines) + "\n"


def _attendance_md(att: Attendance) -> list[str]:
    lines = [
        _("%(count)d personnes connectées avec un compte, %(anonymous)d connexions sans compte.")
        % {"count": att.total, "anonymous": att.anonymous},
        _("%(registered)d inscrit·es, dont %(absent)d absent·es.")
        % {"registered": att.registered, "absent": att.registered_absent},
        "",
    ]
    for group in att.by_region:
        lines.append(
            _("- %(name)s : %(count)d personnes, %(minutes)d minutes")
            % {"name": _md(group.name), "count": group.count, "minutes": group.minutes}
        )
    return lines


def _minutes_md(request: HttpRequest, session: Session) -> str:
    lines = _heading(session, _("Bilan"))
    lines += ["## " + _("Compte rendu"), "", session.minutes or _("Pas de compte rendu."), ""]
    lines += ["## " + _("Décisions"), ""]
    decisions = _decisions(session)
    for number, decision in enumerate(decisions, start=1):
        line = f"{number}. {_md(decision.text)}"
        if decision.offset is not None:
            line += " — " + _("à %(time)s de l'enregistrement") % {
                "time": format_offset(decision.offset)
            }
        if decision.thread is not None:
            url = request.build_absolute_uri(decision.thread.get_absolute_url())
            line += " — " + _("suivi : %(url)s") % {"url": url}
        lines.append(line)
    if not decisions:
        lines.append(_("Aucune décision enregistrée."))
    lines += ["", "## " + _("Questions traitées"), ""]
    answered = [q for q in list_questions(session) if q.answered_at is not None]
    lines += _question_lines(answered, with_authors=False) or [_("Aucune question traitée.")]
    lines += ["", "## " + _("Sondages"), ""]
    results = _poll_results(list_polls(session))
    for result in results:
        lines += [f"### {_md(result['poll'].question)}", ""]
        for option in result["options"]:
            lines.append(
                _("- %(label)s : %(votes)d votes (%(percent)d %%)")
                % {
                    "label": _md(option["label"]),
                    "votes": option["votes"],
                    "percent": option["percent"],
                }
            )
        lines += [_("Votes exprimés : %(total)d") % {"total": result["total"]}, ""]
    if not results:
        lines += [_("Aucun sondage."), ""]
    lines += ["## " + _("Participation"), ""]
    lines += _attendance_md(attendance(session))
    recording = _recording_url(session)
    if recording:
        lines += ["", _("Enregistrement : %(url)s") % {"url": recording}]
    replay = radio_context(request, session, can_see_link=False)["recording_file_url"]
    if replay:
        url = request.build_absolute_uri(replay)
        lines += ["", _("Enregistrement de la séance : %(url)s") % {"url": url}]
    return "\n".join(lines) + "\n"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # Names and messages of people who may be at risk: keep them out of shared caches.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def webinar_export(request: HttpRequest, pk: int, what: str, fmt: str) -> HttpResponse:
    session = access_session(request.user, pk)
    if fmt not in EXPORTS.get(what, ()):
        raise Http404
    check_export(request.user, session)
    filename = (
        f"webinaire-{session.pk}-{timezone.localdate(session.starts_at, BAMAKO)}-{what}.{fmt}"
    )
    if fmt == "csv":
        rows = _chat_csv(session) if what == "chat" else _questions_csv(session)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows([_cell(value) for value in row] for row in rows)
        # The byte order mark makes Excel read the file as UTF-8.
        content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
        return _download(content, "text/csv; charset=utf-8", filename)
    if what == "chat":
        text = _chat_md(session)
    elif what == "questions":
        text = _questions_md(session)
    else:
        text = _minutes_md(request, session)
    return _download(text.encode("utf-8"), "text/markdown; charset=utf-8", filename)


urlpatterns = [
    path("webinaires/<int:pk>/bilan/", webinar_report, name="webinar_report"),
    path("webinaires/<int:pk>/compte-rendu/", webinar_minutes, name="webinar_minutes"),
    path("webinaires/<int:pk>/decisions/", webinar_decision_add, name="webinar_decision_add"),
    path(
        "webinaires/decisions/<int:pk>/suivi/",
        webinar_decision_thread,
        name="webinar_decision_thread",
    ),
    path(
        "webinaires/<int:pk>/export/<str:what>.<str:fmt>",
        webinar_export,
        name="webinar_export",
    ),
]
