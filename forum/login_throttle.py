"""
Login throttling, on django-axes.

Failed sign-ins are counted per (account, address) and per address, each
against its own limit (settings LOGIN_FAILURES_PER_ACCOUNT and
LOGIN_FAILURES_PER_ADDRESS); reaching either locks sign-in for
AXES_COOLOFF_TIME. The lock page says when to try again (HTTP 429).

Axes compares one count with one limit: ``get_failures`` therefore returns
each parameter's count scaled to AXES_FAILURE_LIMIT (the larger limit), so
"5 of 5 for this account from here" and "20 of 20 from here" both reach it.

A success forgets only the failures of that account from that address: if it
forgot the whole address, whoever holds one account could reset the counter
between guesses at another's password.
"""

import unicodedata
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

USERNAME_MAX = 150


def client_address(request: HttpRequest) -> str:
    """The client's address: behind the proxy, nginx's last X-Forwarded-For entry; else the peer."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # nginx appends the address it saw; entries before it come from the client.
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:45]
    return (request.META.get("REMOTE_ADDR") or "")[:45] or "0.0.0.0"  # noqa: S104


def username_of(request: HttpRequest, credentials: dict | None) -> str | None:
    """The attempted username, folded so that case or width variants share one counter."""
    field = settings.AXES_USERNAME_FORM_FIELD
    raw = credentials.get(field) if credentials else getattr(request, "POST", {}).get(field)
    if raw is None:
        return None
    folded = unicodedata.normalize("NFKC", str(raw)).strip().casefold()
    return folded.replace("\0", "")[:USERNAME_MAX]


def _limits() -> list[int]:
    """Each lockout parameter's own limit, in AXES_LOCKOUT_PARAMETERS' order."""
    return [settings.LOGIN_FAILURES_PER_ACCOUNT, settings.LOGIN_FAILURES_PER_ADDRESS]


class LoginThrottleHandler(AxesDatabaseHandler):
    def _counts(self, request, credentials) -> list[tuple[int, datetime | None]]:
        counts = []
        for attempts in self.get_user_attempts(request, credentials):
            row = attempts.aggregate(total=Sum("failures_since_start"), last=Max("attempt_time"))
            counts.append((row["total"] or 0, row["last"]))
        return counts

    def get_failures(self, request, credentials: dict | None = None) -> int:
        top = settings.AXES_FAILURE_LIMIT
        scaled = [
            -(-count * top // limit)  # ceil(count × top / limit)
            for (count, _last), limit in zip(
                self._counts(request, credentials), _limits(), strict=True
            )
        ]
        return max(scaled, default=0)

    def lock_ends_at(self, request, credentials: dict | None = None) -> datetime | None:
        """When the lock on this request's account+address or address lifts (None: no lock)."""
        cool_off = get_cool_off(request) or timedelta(0)
        ends = [
            last + cool_off
            for (count, last), limit in zip(
                self._counts(request, credentials), _limits(), strict=True
            )
            if count >= limit and last is not None
        ]
        return max(ends, default=None)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        self.reset_user_attempts(request, {settings.AXES_USERNAME_FORM_FIELD: user.get_username()})


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' gate for every sign-in through a request (the sign-in form).

    Code that authenticates without a request (a shell, a management command,
    the test client's ``login()``) has no client address to throttle: it is let
    through to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request: HttpRequest, *args) -> HttpResponse:
    """The French lock page (HTTP 429), saying when to try again; no JavaScript needed."""
    credentials = getattr(request, "axes_credentials", None)
    handler = LoginThrottleHandler()
    ends = handler.lock_ends_at(request, credentials)
    now = timezone.now()
    if ends is None or ends <= now:
        ends = now + (get_cool_off(request) or timedelta(minutes=1))
    minutes = max(1, -(-int((ends - now).total_seconds()) // 60))
    response = render(
        request,
        "registration/locked_out.html",
        {"retry_at": ends, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
