"""
Account security: sessions, one-time reset links, second factor.

Sessions live in forum.UserSession (see forum/sessions.py). A session is
named outside the server by its *handle*, a hash of its key: pages and
socket events never carry a session key, which would be a credential.
"""

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

import django_otp
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import devices, events
from ..models import Community, Membership, ModerationAction, ResetLink, User, UserSession
from ..permissions import (
    can_moderate_community,
    check_moderate_community,
    get_membership,
    is_staff,
)
from ..sessions import DEVICE_KEY, SEEN_KEY
from ._common import log_action

# "Last seen" is written at most this often, and only by requests that write anyway.
SEEN_INTERVAL = timedelta(minutes=5)
RESET_LINK_LIFETIME = timedelta(hours=48)


# Sessions ------------------------------------------------------------------------------


def session_handle(session_key: str | None) -> str:
    """A session's public name: not the key, from which it cannot be found back."""
    if not session_key:
        return ""
    return hashlib.sha256(session_key.encode()).hexdigest()[:24]


def note_sign_in(request) -> None:
    """Write the device summary and the time into a session just signed in."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[DEVICE_KEY] = devices.summarise(request.META.get("HTTP_USER_AGENT", ""))
    session[SEEN_KEY] = timezone.now().isoformat()


def note_seen(request) -> None:
    """Refresh the session's "last seen" if it is older than SEEN_INTERVAL.

    Only called for requests that write anyway (not GET/HEAD): a GET never
    writes (tests/test_no_write_on_get.py), so "last seen" is the last action.
    """
    session = getattr(request, "session", None)
    if session is None or not request.user.is_authenticated:
        return
    seen = session.get(SEEN_KEY)
    now = timezone.now()
    try:
        last = datetime.fromisoformat(seen) if isinstance(seen, str) else None
    except ValueError:
        last = None
    if last is None or now - last >= SEEN_INTERVAL:
        session[SEEN_KEY] = now.isoformat()


def note_sign_out(request, user: User) -> None:
    """Signing out ends this session: its sockets in other tabs close too."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        events.emit(events.SessionsEnded(user_id=user.pk, handles=(session_handle(key),)))


def open_sessions(keys) -> dict[str, int | None]:
    """Which of the session ``keys`` are still open, and whose (one query for them all).

    A session that was ended (signed out, ended from another device, after a
    password reset, by a moderator) has no row any more: its key is missing.
    """
    keys = [key for key in keys if key]
    if not keys:
        return {}
    return dict(
        UserSession.objects.filter(session_key__in=keys).values_list("session_key", "user_id")
    )


def list_sessions(user: User, current_key: str | None) -> list[dict]:
    """The member's open sessions, this one first, then by last activity."""
    rows = UserSession.objects.filter(user=user, expire_date__gt=timezone.now()).only(
        "session_key", "device", "last_seen", "expire_date"
    )
    now = timezone.now()
    sessions = [
        {
            "handle": session_handle(row.session_key),
            "device": devices.describe(row.device),
            "last_seen": row.last_seen,
            # "Last seen" moves by SEEN_INTERVAL steps: closer than that is "just now".
            "recent": row.last_seen is not None and now - row.last_seen < SEEN_INTERVAL,
            "current": row.session_key == current_key,
        }
        for row in rows
    ]
    sessions.sort(
        key=lambda s: (not s["current"], -(s["last_seen"].timestamp() if s["last_seen"] else 0))
    )
    return sessions


def _end(user: User, rows) -> int:
    keys = list(rows.values_list("session_key", flat=True))
    if not keys:
        return 0
    UserSession.objects.filter(session_key__in=keys).delete()
    events.emit(
        events.SessionsEnded(user_id=user.pk, handles=tuple(session_handle(k) for k in keys))
    )
    return len(keys)


@transaction.atomic
def end_session(*, user: User, handle: str, current_key: str | None) -> None:
    """End one of the member's other sessions (signing out ends this one)."""
    if handle and handle == session_handle(current_key):
        raise ValidationError(_("Pour fermer cette session-ci, utilisez « Déconnexion »."))
    keys = [
        key
        for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True)
        if session_handle(key) == handle
    ]
    if not keys:
        raise Http404
    _end(user, UserSession.objects.filter(session_key__in=keys))


@transaction.atomic
def end_other_sessions(*, user: User, current_key: str | None) -> int:
    """End every session of the member but this one; answer how many."""
    rows = UserSession.objects.filter(user=user)
    if current_key:
        rows = rows.exclude(session_key=current_key)
    return _end(user, rows)


@transaction.atomic
def end_all_sessions(*, user: User) -> int:
    return _end(user, UserSession.objects.filter(user=user))


# One-time reset links -----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_issue_reset_link(issuer: User | None, member: User, community: Community) -> bool:
    """A moderator of a CoP the member belongs to, or staff, for a member without e-mail."""
    if issuer is None or not issuer.is_authenticated or issuer.pk == member.pk:
        return False
    if not member.is_active or get_membership(member, community) is None:
        return False
    if is_staff(issuer):
        return True
    if not can_moderate_community(issuer, community):
        return False
    # A moderator could otherwise take over the account of a peer or of the staff; a
    # member with an e-mail address resets it herself.
    target = get_membership(member, community)
    return not (member.email or member.is_staff or (target and target.is_moderator))


@transaction.atomic
def issue_reset_link(*, issuer: User, member: User, community: Community) -> str:
    """Make a one-time reset token for ``member``; earlier unused links stop working.

    The token is answered once and only its hash is kept; the moderation log
    says a link was made, never the link.
    """
    check_moderate_community(issuer, community)
    if not can_issue_reset_link(issuer, member, community):
        raise PermissionDenied(
            _(
                "Un lien de réinitialisation ne peut être créé que pour un membre de cette "
                "communauté sans adresse e-mail, qui n'est ni modérateur ni de l'équipe du site."
            )
        )
    now = timezone.now()
    ResetLink.objects.filter(user=member, used_at__isnull=True).update(used_at=now)
    token = secrets.token_urlsafe(32)
    link = ResetLink.objects.create(
        user=member,
        issued_by=issuer,
        community=community,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + RESET_LINK_LIFETIME,
    )
    log_action(
        actor=issuer,
        community=community,
        kind=ModerationAction.Kind.RESET_LINK,
        target_user=member,
        details={"expires_at": link.expires_at.isoformat()},
    )
    return token


def find_reset_link(token: str) -> ResetLink | None:
    """The still usable link of ``token`` (unused, not expired, active member), else None."""
    if not token or len(token) > 100 or not token.isascii():
        return None
    return (
        ResetLink.objects.select_related("user")
        .filter(
            token_hash=_token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


@transaction.atomic
def redeem_reset_link(*, token: str, password: str) -> User:
    """Set the member's new password through a link, once; end all their sessions."""
    link = find_reset_link(token)
    if link is None:
        raise Http404
    link = ResetLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:
        raise Http404
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    user = link.user
    user.set_password(password)
    user.save(update_fields=["password"])
    end_all_sessions(user=user)
    return user


@transaction.atomic
def password_changed(*, user: User, current_key: str | None) -> int:
    """After a change of password, close the member's other sessions."""
    if current_key:
        return end_other_sessions(user=user, current_key=current_key)
    return end_all_sessions(user=user)


# Second factor (TOTP, django-otp) ------------------------------------------------------

BACKUP_CODES = 10


def can_use_second_factor(user: User | None) -> bool:
    """Staff and moderators may protect their account with a code (optional)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return (
        user.is_staff
        or Membership.objects.filter(user=user, role=Membership.Role.MODERATOR).exists()
    )


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user: User) -> TOTPDevice | None:
    """The device being set up (made by start_second_factor, not yet confirmed)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_secret(device: TOTPDevice) -> str:
    """The key as an application asks for it: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def start_second_factor(*, user: User) -> TOTPDevice:
    """Make a new secret to show to the member; it counts only once confirmed by a code."""
    if not can_use_second_factor(user):
        raise PermissionDenied(
            _(
                "La double authentification est proposée aux modératrices, aux modérateurs "
                "et à l'équipe du site."
            )
        )
    if has_second_factor(user):
        raise ValidationError(_("La double authentification est déjà active."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Jɛkafɔ", confirmed=False)


@transaction.atomic
def confirm_second_factor(*, user: User, code: str) -> list[str]:
    """Turn the second factor on with a first good code; answer the backup codes (shown once)."""
    device = pending_totp_device(user)
    if device is None:
        raise ValidationError(_("Commencez par créer une clé."))
    if not device.verify_token(code):
        raise ValidationError({"code": _("Code incorrect ou expiré. Réessayez avec le suivant.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=_("Codes de secours"), confirmed=True)
    codes = [StaticToken.random_token() for _n in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=c) for c in codes])
    return codes


def verify_second_factor(*, user: User, code: str) -> bool:
    """Check a code of the member's application, or use up one backup code.

    Each device slows down repeated failures itself (django-otp's throttling).
    """
    if not code or len(code) > 16:
        return False
    return django_otp.match_token(user, code) is not None


@transaction.atomic
def disable_second_factor(*, user: User, code: str) -> None:
    if not has_second_factor(user):
        raise ValidationError(_("La double authentification n'est pas active."))
    if not verify_second_factor(user=user, code=code):
        raise ValidationError({"code": _("Code incorrect ou expiré.")})
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
