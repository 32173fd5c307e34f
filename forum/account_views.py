"""
HTTP door of account security: sign-in (with its second step), sessions,
password change and reset, one-time reset links, second factor, quick exit.

Every write is a POST form with CSRF; pages work without JavaScript. Pages
that show a secret once (reset link, backup codes, TOTP key) are not cached.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic.edit import FormView

from . import selectors
from .account_forms import CodeForm, MemberLanguagePasswordResetForm
from .inputs import safe_redirect_url
from .models import Membership, User
from .services import security
from .views import SafeNextMixin, add_service_errors, render_invalid

# A password checked, waiting for the second factor: at most this long.
PENDING_SECONDS = 300
PENDING_KEY = "_pending_second_factor"


# Sign-in -------------------------------------------------------------------------------


class LoginView(SafeNextMixin, auth_views.LoginView):
    """Django's sign-in; accounts with a second factor go on to the code page."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not security.has_second_factor(user):
            return super().form_valid(form)
        # Not signed in yet: only "this browser gave the right password for this account".
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": timezone.now().isoformat(),
            "next": self.get_success_url(),
        }
        return redirect("login_code")


def _pending(request: HttpRequest) -> tuple[User, dict] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    at = parse_datetime(str(pending.get("at", "")))
    if at is None or (timezone.now() - at).total_seconds() > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending) if user is not None else None


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """Second step of sign-in: the code of the authenticator application."""
    found = _pending(request)
    if found is None:
        if request.method == "POST":
            messages.error(request, _("Délai dépassé : saisissez à nouveau votre mot de passe."))
        return redirect("login")
    user, pending = found
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and security.verify_second_factor(
            user=user, code=form.cleaned_data["code"]
        ):
            del request.session[PENDING_KEY]
            login(request, user, backend=pending["backend"])
            next_url = str(pending.get("next") or "")
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = reverse(settings.LOGIN_REDIRECT_URL)
            return redirect(next_url)
        form.add_error(None, _("Code incorrect ou expiré. Attendez le code suivant et réessayez."))
        return render_invalid(request, "registration/login_code.html", {"form": form})
    return render(request, "registration/login_code.html", {"form": form})


# Sessions ------------------------------------------------------------------------------


@login_required
@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": security.list_sessions(request.user, request.session.session_key)},
    )


@login_required
@require_POST
def session_end(request: HttpRequest, handle: str) -> HttpResponse:
    try:
        security.end_session(
            user=request.user, handle=handle, current_key=request.session.session_key
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Session fermée."))
    return redirect("sessions")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    count = security.end_other_sessions(user=request.user, current_key=request.session.session_key)
    messages.success(
        request,
        _("Autres sessions fermées : %(count)d.") % {"count": count}
        if count
        else _("Aucune autre session n'était ouverte."),
    )
    return redirect("sessions")


# Passwords -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            update_session_auth_hash(request, user)
            ended = security.password_changed(user=user, current_key=request.session.session_key)
            messages.success(request, _("Mot de passe modifié."))
            if ended:
                messages.info(request, _("Vos autres sessions ont été fermées."))
            return redirect(user)
        return render_invalid(request, "accounts/password_change.html", {"form": form})
    return render(request, "accounts/password_change.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a link by e-mail; the answer is the same whether the address is known or not."""

    form_class = MemberLanguagePasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # Links in the e-mail point at the public address, not at the Host header.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The e-mail's link shows the form itself, and the form posts back to it.

    Django's view stores the token in the session and redirects, so that the
    token never appears in a Referer header; that is a write on a GET. Here
    the page loads nothing from elsewhere and the Referrer-Policy is
    same-origin, so the token stays in the URL and a GET writes nothing.
    """

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def dispatch(self, request, *args, **kwargs):
        self.validlink = False
        self.user = self.get_user(kwargs["uidb64"])
        if self.user is not None and self.token_generator.check_token(self.user, kwargs["token"]):
            self.validlink = True
            return FormView.dispatch(self, request, *args, **kwargs)
        return self.render_to_response(self.get_context_data())

    def form_valid(self, form):
        user = form.save()
        # The token is spent (the password hash changed); every open session ends.
        security.end_all_sessions(user=user)
        return redirect(self.get_success_url())


# One-time reset links (members without e-mail) ----------------------------------------


def _member_for_link(request: HttpRequest, slug: str, membership_id: int):
    community = selectors.access_community(request.user, slug)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, community=community
    )
    if not security.can_issue_reset_link(request.user, membership.user, community):
        raise PermissionDenied(
            _(
                "Un lien de réinitialisation ne peut être créé que par une modératrice ou un "
                "modérateur, pour un membre sans adresse e-mail."
            )
        )
    return community, membership.user


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reset_link_issue(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    community, member = _member_for_link(request, slug, membership_id)
    context = {"community": community, "member": member, "hours": 48}
    if request.method == "POST":
        token = security.issue_reset_link(issuer=request.user, member=member, community=community)
        # Shown once, in this answer only: no redirect, nothing kept but a hash.
        context["link"] = settings.SITE_URL + reverse("reset_link", args=[token])
    return render(request, "accounts/reset_link_issue.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def reset_link(request: HttpRequest, token: str) -> HttpResponse:
    link = security.find_reset_link(token)
    if link is None:
        return render(request, "accounts/reset_link_invalid.html", status=404)
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                member = security.redeem_reset_link(
                    token=token, password=form.cleaned_data["new_password1"]
                )
            except Http404:
                return render(request, "accounts/reset_link_invalid.html", status=404)
            if request.user.is_authenticated and request.user.pk == member.pk:
                # Her sessions were all ended, this one too: start an empty one
                # (the message below is kept in it) instead of saving a deleted row.
                logout(request)
            messages.success(
                request, _("Mot de passe enregistré. Connectez-vous avec le nouveau mot de passe.")
            )
            return redirect("login")
        return render_invalid(request, "accounts/reset_link.html", {"form": form})
    return render(request, "accounts/reset_link.html", {"form": form, "member": link.user})


# Second factor -------------------------------------------------------------------------


def _qr_data_uri(uri: str) -> str:
    # An <img> of a data: URI: the CSP allows data: images, and no style is inlined.
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Set up, confirm or turn off the authenticator code."""
    user = request.user
    # One who stopped moderating keeps the page to turn an enabled factor off.
    if not (security.can_use_second_factor(user) or security.has_second_factor(user)):
        raise Http404
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in {"start", "confirm", "disable"}:
        return HttpResponse(_("Action inconnue."), status=400, content_type="text/plain")
    form = CodeForm(request.POST if action in {"confirm", "disable"} else None)
    if action == "start":
        try:
            security.start_second_factor(user=user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("second_factor")
    if action == "confirm" and form.is_valid():
        try:
            codes = security.confirm_second_factor(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return render(request, "accounts/second_factor_codes.html", {"codes": codes})
    if action == "disable" and form.is_valid():
        try:
            security.disable_second_factor(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Double authentification désactivée."))
            return redirect("second_factor")
    enabled = security.has_second_factor(user)
    device = None if enabled else security.pending_totp_device(user)
    context = {"enabled": enabled, "device": device, "form": form}
    if device is not None:
        context["secret"] = security.totp_secret(device)
        context["qr"] = _qr_data_uri(device.config_url)
    status = 400 if action else 200
    return render(request, "accounts/second_factor.html", context, status=status)


@require_http_methods(["GET", "POST"])
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the site's sign-in: throttled, and with the second factor."""
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(
                safe_redirect_url(request, request.GET.get("next", ""), reverse("admin:index"))
            )
        # Signed in but not staff: sending her to sign in again would loop.
        raise PermissionDenied(_("L'administration est réservée à l'équipe du site."))
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")


# Quick exit ----------------------------------------------------------------------------


@require_GET
def quick_exit_page(request: HttpRequest) -> HttpResponse:
    """A neutral page with nothing of Jɛkafɔ on it, where the quick exit lands by default."""
    return render(request, "quick_exit.html")
