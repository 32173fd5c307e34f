"""
Personal secret addresses: one random token per member in a one-to-one model (``user``,
``token``, ``created_at``), for readers that cannot sign in (feed readers, calendar apps).

The forum's Atom feed token and the webinars' calendar token both keep theirs this way.
"""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ..models import User


def check_owner(user: User | None, refusal: str) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(refusal)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def get_or_create_secret(model: type[models.Model], user: User, *, refusal: str):
    """Return the member's token row of ``model``, making one on first use."""
    check_owner(user, refusal)
    token = model.objects.filter(user=user).first()
    if token is not None:
        return token
    try:
        # A savepoint: two first requests at once both try to create the row.
        with transaction.atomic():
            return model.objects.create(user=user, token=new_secret())
    except IntegrityError:
        return model.objects.get(user=user)


@transaction.atomic
def reset_secret(model: type[models.Model], user: User, *, refusal: str):
    """Give the member a new token: every address built on the old one is a 404 at once."""
    check_owner(user, refusal)
    token, created = model.objects.select_for_update().get_or_create(
        user=user, defaults={"token": new_secret()}
    )
    if not created:
        token.token = new_secret()
        token.created_at = timezone.now()
        token.save(update_fields=["token", "created_at"])
    return token
