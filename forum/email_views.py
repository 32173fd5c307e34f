"""
HTTP door of notifications by e-mail: the member's choice, and the one-click unsubscribe.

The choice is a plain form under the account. The unsubscribe address is
the one every e-mail names in ``List-Unsubscribe``: a GET shows a button (a
GET never writes: link previews and mail scanners open links), a POST sets
the choice to "never" — and nothing else: the token signs no one in.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .forms import EmailPreferenceForm
from .services import emails
from .views import add_service_errors, render_invalid

SETTINGS_TEMPLATE = "accounts/email_settings.html"


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request: HttpRequest) -> HttpResponse:
    form = EmailPreferenceForm(
        request.POST or None, initial={"frequency": emails.email_frequency(request.user)}
    )
    context = {"form": form, "address": request.user.email}
    if request.method == "POST":
        if not form.is_valid():
            return render_invalid(request, SETTINGS_TEMPLATE, context)
        try:
            emails.set_email_frequency(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return render_invalid(request, SETTINGS_TEMPLATE, context)
        messages.success(request, _("Votre choix est enregistré."))
        return redirect("email_settings")
    return render(request, SETTINGS_TEMPLATE, context)


# CSRF-exempt, and only this view: mail apps send the RFC 8058 one-click POST
# ("List-Unsubscribe=One-Click") from their own servers, without the member's
# session or a CSRF cookie. It is safe here because the unguessable token in
# the address is the only authority, and all it can do is stop the e-mails.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        emails.access_unsubscribe(token)
    except Http404:
        return render(request, "accounts/email_unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        emails.unsubscribe(token=token)
        return render(request, "accounts/email_unsubscribe.html", {"done": True})
    return render(request, "accounts/email_unsubscribe.html", {"done": False})
