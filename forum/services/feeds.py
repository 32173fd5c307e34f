"""Personal feed tokens: the secret in a member's private Atom feed address."""

from django.utils.translation import gettext as _

from ..models import FeedToken, User
from .secret_tokens import get_or_create_secret, reset_secret


def get_or_create_feed_token(user: User) -> FeedToken:
    """Return the member's feed token, making one on first use."""
    refusal = _("Connectez-vous pour obtenir votre flux personnel.")
    return get_or_create_secret(FeedToken, user, refusal=refusal)


def reset_feed_token(user: User) -> FeedToken:
    """Give the member a new token: the address built on the old one is a 404 at once."""
    refusal = _("Connectez-vous pour obtenir votre flux personnel.")
    return reset_secret(FeedToken, user, refusal=refusal)
