"""Accounts: signing up, one's profile, one's language."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import limits
from ..models import Organisation, Region, User
from ..text import clean_body, clean_line

# What a member may change on their own profile.
PROFILE_FIELDS = (
    "display_name",
    "bio",
    "region",
    "organisation",
    "email",
    "phone",
    "preferred_language",
    "time_zone",
)


def _display_name(value: str) -> str:
    name = clean_line(value)
    if not name:
        raise ValidationError(
            {"display_name": _("Le nom affiché ne peut pas être vide.")}, code="required"
        )
    return name


def _language(value: str) -> str:
    if value not in dict(settings.LANGUAGES):
        raise ValidationError({"preferred_language": _("Langue inconnue.")}, code="invalid")
    return value


@transaction.atomic
def sign_up(
    *,
    username: str,
    password: str,
    display_name: str,
    email: str = "",
    region: Region | None = None,
    organisation: Organisation | None = None,
    preferred_language: str = "fr",
    address: str | None = None,
) -> User:
    """
    Open an account (the form has checked the password's strength and the name's form).

    ``address``: the client's address, counted by the "signup" limit.
    """
    display_name = _display_name(display_name)
    limits.hit("signup", address=address)
    return User.objects.create_user(
        username=username,
        password=password,
        display_name=display_name,
        email=email,
        region=region,
        organisation=organisation,
        preferred_language=_language(preferred_language),
    )


@transaction.atomic
def update_profile(*, user: User, **changes) -> User:
    """Save what the member changed on their profile; other fields are refused."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    fresh = User.objects.select_for_update().get(pk=user.pk)
    if "display_name" in changes:
        changes["display_name"] = _display_name(changes["display_name"])
    if "bio" in changes:
        changes["bio"] = clean_body(changes["bio"] or "")
    if "preferred_language" in changes:
        changes["preferred_language"] = _language(changes["preferred_language"])
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.save(update_fields=list(changes))
    for name, value in changes.items():
        setattr(user, name, value)
    return fresh


def set_preferred_language(*, user: User, language: str) -> None:
    """Remember the member's language (the page also sets a cookie for visitors)."""
    language = _language(language)
    if user.is_authenticated and user.preferred_language != language:
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        user.preferred_language = language
