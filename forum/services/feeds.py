"""Personal feed tokens: the secret in a member's private Atom feed address."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import FeedToken, User


def _check_owner(user: User | None) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Connectez-vous pour obtenir votre flux personnel."))


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def get_or_create_feed_token(user: User) -> FeedToken:
    """Return the member's feed token, making one on first use."""
    _check_owner(user)
    token = FeedToken.objects.filter(user=user).first()
    if token is not None:
        return token
    try:
        # A savepoint: two first requests at once both try to create the row.
        with transaction.atomic():
            return FeedToken.objects.create(user=user, token=_new_token())
    except IntegrityError:
        return FeedToken.objects.get(user=user)


@transaction.atomic
def reset_feed_token(user: User) -> FeedToken:
    """Give the member a new token: the address built on the old one is a 404 at once."""
    _check_owner(user)
    token, created = FeedToken.objects.select_for_update().get_or_create(
        user=user, defaults={"token": _new_token()}
    )
    if not created:
        token.token = _new_token()
        token.created_at = timezone.now()
        token.save(update_fields=["token", "created_at"])
    return token
