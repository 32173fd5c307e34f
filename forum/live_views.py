"""
HTTP door of the forum's live parts: notifications, follows and the @
autocomplete. (Live rooms, the salon among them, are the rooms app's.)

JSON answers take the shapes of docs/realtime-protocol.md; without
JavaScript, the notifications page is plain forms that redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import frames, inputs, selectors, services

# Notifications ---------------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    page = selectors.paginate(
        selectors.list_notifications(request.user), request.GET.get("page"), 30
    )
    return render(request, "forum/notifications.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Go to what a notification is about; a POST (the list's buttons) also marks it read."""
    notification = selectors.access_notification(request.user, pk)
    if request.method == "POST":
        services.mark_notification_read(user=request.user, notification=notification)
    if notification.post_id:
        return redirect("post", notification.post_id)
    if notification.thread_id:
        return redirect(notification.thread)
    # Only a path on this site (not "/\\host" either): never an open redirect.
    return HttpResponseRedirect(
        inputs.safe_redirect_url(request, notification.url, reverse("notifications"))
    )


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_all_notifications_read(user=request.user)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"unread": 0})
    messages.success(request, _("Toutes les notifications sont marquées comme lues."))
    return redirect("notifications")


@require_GET
def notifications_count(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        text = _("Connectez-vous pour voir vos notifications.")
        return JsonResponse({"error": {"code": "forbidden", "message": text}}, status=401)
    return JsonResponse({"unread": request.user.unread_notifications})


# Follows and mentions ---------------------------------------------------------------------


@login_required
@require_POST
def community_follow(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    if request.POST.get("follow") == "0":
        services.unfollow_community(user=request.user, community=community)
        messages.success(request, _("Vous ne suivez plus cette communauté."))
    else:
        services.follow_community(user=request.user, community=community)
        messages.success(
            request, _("Vous serez prévenu·e de chaque nouvelle discussion de cette communauté.")
        )
    return redirect(community)


@require_GET
def mention_candidates(request: HttpRequest, slug: str) -> JsonResponse:
    community = selectors.access_community(request.user, slug)
    members = selectors.list_mention_candidates(request.user, community, request.GET.get("q", ""))
    return JsonResponse({"members": [frames.person(user) for user in members]})
