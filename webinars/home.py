"""The webinars' section of the signed-in home page: my next webinar (forum.home_sections)."""

from forum.home_sections import HomeSection, register
from forum.models import User

from .models import Registration
from .selectors import next_registered_session


def _next_webinar(user: User) -> dict:
    session = next_registered_session(user)
    waitlisted = session is not None and session.my_status == Registration.Status.WAITLISTED
    return {"session": session, "waitlisted": waitlisted}


def register_home_section() -> None:
    register(HomeSection("webinar", "webinars/home_next.html", _next_webinar, order=30))
