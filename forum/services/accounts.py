"""Accounts: signing up, one's profile, one's language."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import limits
from ..models import Organisation, Region, User
from ..names import is_reserved, normalize_display_name, skeleton
from ..text import clean_body

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
    "show_organisation",
    "show_region",
    "show_activity",
)


def check_display_name(value: str, *, user: User | None = None) -> str:
    """
    Return the normal form of a display name, or refuse it (ValidationError).

    Refused: what ``names.normalize_display_name`` refuses; for members who are
    not staff, the team's names and their look-alikes; and a name that looks
    like another member's (same skeleton), staff included. A member who keeps
    their current name is not refused for an older resemblance.
    """
    name = normalize_display_name(value)
    if user is not None and user.pk is not None and name == user.display_name:
        return name
    is_staff = user is not None and user.is_staff
    if not is_staff and is_reserved(name):
        raise ValidationError(
            {
                "display_name": _(
                    "Ce nom est réservé à l'équipe de Jɛkafɔ ; choisissez-en un autre."
                )
            },
            code="reserved",
        )
    # Compared in Python: the skeleton is not a database function. A rename or a
    # sign-up reads one column of every account, a few thousand short rows.
    key = skeleton(name)
    others = User.objects.filter(deleted_at__isnull=True)
    if user is not None and user.pk is not None:
        others = others.exclude(pk=user.pk)
    for other in others.values_list("display_name", flat=True).iterator():
        if skeleton(other) == key:
            raise ValidationError(
                {
                    "display_name": _(
                        "Ce nom ressemble trop à celui d'un autre membre ; "
                        "choisissez-en un autre, par exemple en ajoutant votre ville."
                    )
                },
                code="confusable",
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
    display_name = check_display_name(display_name)
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
        changes["display_name"] = check_display_name(changes["display_name"], user=fresh)
    if "bio" in changes:
        changes["bio"] = clean_body(changes["bio"] or "")
    if "preferred_language" in changes:
        changes["preferred_language"] = _language(changes["preferred_language"])
    for name, choices in (
        ("show_organisation", User.Shown),
        ("show_region", User.Shown),
        ("show_activity", User.ActivityShown),
    ):
        if name in changes and changes[name] not in choices.values:
            raise ValidationError({name: _("Choix inconnu.")}, code="invalid_choice")
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
