"""
HTTP door of a member's own data: download it, delete one's account.

The download is a POST (a click on a button, with CSRF) that answers the ZIP
itself and writes nothing; deletion asks for the password and explains what
stays and what goes.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .account_data import build_export
from .forms import DeleteAccountForm
from .views import add_service_errors, render_invalid


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/my_data.html")


@login_required
@require_POST
def my_data_download(request: HttpRequest) -> FileResponse:
    archive = build_export(request.user)
    name = f"jekafo-mes-donnees-{timezone.now():%Y-%m-%d}.zip"
    response = FileResponse(archive, as_attachment=True, filename=name)
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.delete_account(
                    user=request.user,
                    password=form.cleaned_data["password"],
                    erase_content=form.cleaned_data["erase_content"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return render_invalid(request, "accounts/account_delete.html", {"form": form})
            logout(request)
            messages.success(request, _("Votre compte est supprimé. Au revoir."))
            return redirect("home")
        return render_invalid(request, "accounts/account_delete.html", {"form": form})
    return render(request, "accounts/account_delete.html", {"form": form})
