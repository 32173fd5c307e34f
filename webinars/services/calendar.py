"""Calendar feed tokens: the secret in a member's personal feed addresses."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.models import User

from ..models import CalendarToken


def _check_owner(user: User | None) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Connectez-vous pour obtenir vos liens d'agenda."))


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def get_or_create_token(user: User) -> CalendarToken:
    """Return the member's token, making one on first use."""
    _check_owner(user)
    token = CalendarToken.objects.filter(user=user).first()
    if token is not None:
        return token
    try:
        # A savepoint: two first visits at once both try to create the row.
        with transaction.atomic():
            return CalendarToken.objects.create(user=user, token=_new_token())
    except IntegrityError:
        return CalendarToken.objects.get(user=user)


@transaction.atomic
def regenerate_token(user: User) -> CalendarToken:
    """Give the member a new token: every address built on the old one stops working."""
    _check_owner(user)
    token, created = CalendarToken.objects.select_for_update().get_or_create(
        user=user, defaults={"token": _new_token()}
    )
    if not created:
        token.token = _new_token()
        token.created_at = timezone.now()
        token.save(update_fields=["token", "created_at"])
    return token
