"""
HTTP door of member moderation: removal (with confirmation), mutes and bans
in a CoP, bans from the whole site. Forms without JavaScript; the services
judge and log every action.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import permissions as perms
from . import selectors, services
from .forms import RemoveMemberForm, SanctionForm, SiteBanForm
from .models import Membership, Sanction, User
from .views import add_service_errors, render_invalid


def _member(request: HttpRequest, slug: str, membership_id: int):
    community = selectors.access_community(request.user, slug)
    perms.check_moderate_community(request.user, community)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, community=community
    )
    return community, membership


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Ask for a confirmation and a reason (GET), then remove (POST)."""
    community, membership = _member(request, slug, membership_id)
    form = RemoveMemberForm(request.POST or None)
    context = {"community": community, "membership": membership, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render_invalid(request, "forum/member_remove.html", context)
        try:
            services.remove_member(
                moderator=request.user,
                membership=membership,
                reason=form.cleaned_data["reason"],
                duration=form.cleaned_data["duration"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return render_invalid(request, "forum/member_remove.html", context)
        messages.success(request, _("Le membre a été retiré de la communauté."))
        return redirect("community_members", slug=slug)
    return render(request, "forum/member_remove.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_sanction(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Mute or ban a member for a while, with a reason."""
    community, membership = _member(request, slug, membership_id)
    perms.check_sanction_member(request.user, community, membership.user)
    form = SanctionForm(request.POST or None)
    context = {"community": community, "membership": membership, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render_invalid(request, "forum/member_sanction.html", context)
        try:
            services.sanction_member(
                moderator=request.user,
                community=community,
                user=membership.user,
                kind=form.cleaned_data["kind"],
                duration=form.cleaned_data["duration"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return render_invalid(request, "forum/member_sanction.html", context)
        messages.success(request, _("La sanction est en vigueur ; la personne en est informée."))
        return redirect("community_members", slug=slug)
    return render(request, "forum/member_sanction.html", context)


@login_required
@require_POST
def sanction_lift(request: HttpRequest, slug: str, sanction_id: int) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_moderate_community(request.user, community)
    sanction = get_object_or_404(Sanction, pk=sanction_id, community=community)
    try:
        services.lift_sanction(moderator=request.user, sanction=sanction)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("La sanction est levée ; la personne en est informée."))
    return redirect("community_members", slug=slug)


# The whole site (staff) ------------------------------------------------------------------


def _check_staff(request: HttpRequest) -> None:
    if not perms.is_staff(request.user):
        raise PermissionDenied(_("Cette page est réservée à l'équipe du site."))


@login_required
@require_GET
def site_bans(request: HttpRequest) -> HttpResponse:
    """Accounts banned from the site, for staff."""
    _check_staff(request)
    bans = (
        Sanction.objects.filter(community__isnull=True, kind=Sanction.Kind.BAN)
        .filter(perms.in_force_q())
        .select_related("user", "created_by")
    )
    return render(request, "forum/site_bans.html", {"bans": bans})


@login_required
@require_http_methods(["GET", "POST"])
def site_ban(request: HttpRequest, user_id: int) -> HttpResponse:
    """Ban an account from the site (GET: the form), or lift its ban."""
    _check_staff(request)
    member = User.objects.filter(pk=user_id).first()
    if member is None:
        raise Http404
    form = SiteBanForm(request.POST or None)
    context = {"member": member, "form": form, "ban": services.site_ban_of(member)}
    if request.method == "POST":
        try:
            if request.POST.get("lift") == "1":
                services.lift_site_ban(staff=request.user, user=member)
                messages.success(request, _("Le compte peut de nouveau se connecter."))
                return redirect("site_bans")
            if not form.is_valid():
                return render_invalid(request, "forum/site_ban.html", context)
            services.ban_from_site(
                staff=request.user, user=member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return render_invalid(request, "forum/site_ban.html", context)
        messages.success(request, _("Le compte est exclu du site ; ses sessions sont fermées."))
        return redirect("site_bans")
    return render(request, "forum/site_ban.html", context)
