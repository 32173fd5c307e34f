"""The webinars' part of a member's own data (see ``forum.account_data``)."""

import os

from forum.account_data import Section, register
from forum.frames import iso_time
from forum.models import User
from rooms.account_data import export_voice

from .models import CalendarToken, Question, Registration, SessionDocument
from .services import erase_questions_of, lower_hands_of, withdraw_from_all


def export(user: User) -> dict:
    return {
        "registrations": [
            {
                "session": r.session.title,
                "starts_at": iso_time(r.session.starts_at),
                "status": r.status,
                "registered_at": iso_time(r.registered_at),
                "cancelled_at": iso_time(r.cancelled_at),
                "region": r.region.name if r.region else None,
                "organisation": r.organisation.name if r.organisation else None,
            }
            for r in Registration.objects.filter(user=user)
            .select_related("session", "region", "organisation")
            .order_by("pk")
        ],
        "questions": [
            {
                "session": q.session.title,
                "created_at": iso_time(q.created_at),
                "answered": q.answered_at is not None,
                "body": q.body,
                "voice": export_voice(q.voice),
            }
            for q in Question.objects.filter(author=user)
            .select_related("session", "voice")
            .order_by("pk")
        ],
        "documents": [
            {
                "session": d.session.title,
                "title": d.title,
                "url": d.url,
                "file": f"fichiers/{d.pk}-{os.path.basename(d.file.name)}" if d.file else None,
                "added_at": iso_time(d.added_at),
            }
            for d in _documents(user)
        ],
    }


def _documents(user: User):
    return SessionDocument.objects.filter(added_by=user).select_related("session").order_by("pk")


def files(user: User):
    for document in _documents(user):
        if document.file:
            yield f"{document.pk}-{os.path.basename(document.file.name)}", document.file


def erase(user: User, erase_content: bool) -> None:
    withdraw_from_all(user)
    # Past registrations stay counted by region in reports, no longer by organisation.
    Registration.objects.filter(user=user).update(organisation=None)
    lower_hands_of(user)
    CalendarToken.objects.filter(user=user).delete()
    if erase_content:
        erase_questions_of(user)


def register_section() -> None:
    register(Section(name="webinars", export=export, files=files, erase=erase))
