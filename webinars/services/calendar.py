"""Calendar feed tokens: the secret in a member's personal feed addresses."""

from django.utils.translation import gettext as _

from forum.models import User
from forum.services.secret_tokens import get_or_create_secret, reset_secret

from ..models import CalendarToken


def get_or_create_token(user: User) -> CalendarToken:
    """Return the member's token, making one on first use."""
    refusal = _("Connectez-vous pour obtenir vos liens d'agenda.")
    return get_or_create_secret(CalendarToken, user, refusal=refusal)


def regenerate_token(user: User) -> CalendarToken:
    """Give the member a new token: every address built on the old one stops working."""
    refusal = _("Connectez-vous pour obtenir vos liens d'agenda.")
    return reset_secret(CalendarToken, user, refusal=refusal)
