"""
HTTP door of the forum's live parts: notifications, follows (with their
levels, forum/services/follows.py) and the @
autocomplete. (Live rooms, the salon among them, are the rooms app's.)

JSON answers take the shapes of docs/realtime-protocol.md; without
JavaScript, the notifications page is plain forms that redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import frames, inputs, selectors, services
from .models import FollowLevel
from .services.follows import UNFOLLOW, parse_level

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


THREAD_FOLLOWED = {
    FollowLevel.ALL: _lazy(
        "Vous suivez cette discussion : chaque nouveau message vous sera signalé."
    ),
    FollowLevel.REPLIES: _lazy(
        "Pour cette discussion, seules les réponses à vos messages et les mentions vous seront "
        "signalées."
    ),
    FollowLevel.MUTED: _lazy(
        "Discussion en sourdine : plus rien ne vous sera signalé à son sujet."
    ),
    UNFOLLOW: _lazy("Vous ne suivez plus cette discussion."),
}
COMMUNITY_FOLLOWED = {
    FollowLevel.ALL: _lazy(
        "Vous serez prévenu·e de chaque nouvelle discussion de cette communauté."
    ),
    FollowLevel.REPLIES: _lazy(
        "Pour cette communauté, seules les réponses à vos messages et les mentions vous seront "
        "signalées."
    ),
    FollowLevel.MUTED: _lazy(
        "Communauté en sourdine : plus rien ne vous sera signalé à son sujet."
    ),
    UNFOLLOW: _lazy("Vous ne suivez plus cette communauté."),
}


def _bad_level(request: HttpRequest, error: ValidationError) -> HttpResponse:
    message = " ".join(error.messages)
    return render(request, "400.html", {"message": message}, status=400)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page the form was on ("Mes abonnements", or ``fallback``)."""
    return HttpResponseRedirect(
        inputs.safe_redirect_url(request, request.POST.get("next"), fallback)
    )


@login_required
@require_POST
def community_follow(request: HttpRequest, slug: str) -> HttpResponse:
    """Set one's level for a CoP; without a level, follow it at "tout" ("follow=0": unfollow)."""
    community = selectors.access_community(request.user, slug)
    level = request.POST.get(
        "level", UNFOLLOW if request.POST.get("follow") == "0" else FollowLevel.ALL
    )
    try:
        level = parse_level(level, allow_none=True)
        if level == UNFOLLOW:
            services.unfollow_community(user=request.user, community=community)
        else:
            services.follow_community(user=request.user, community=community, level=level)
    except ValidationError as error:
        return _bad_level(request, error)
    messages.success(request, COMMUNITY_FOLLOWED[level])
    return _back(request, community.get_absolute_url())


@login_required
@require_POST
def thread_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Set one's level for a thread ("none": follow it no more)."""
    thread = selectors.access_thread(request.user, pk)
    try:
        level = parse_level(request.POST.get("level"), allow_none=True)
        if level == UNFOLLOW:
            services.unfollow_thread(user=request.user, thread=thread)
        else:
            services.set_thread_follow(user=request.user, thread=thread, level=level)
    except ValidationError as error:
        return _bad_level(request, error)
    messages.success(request, THREAD_FOLLOWED[level])
    return _back(request, thread.get_absolute_url())


FOLLOWED_THREADS_PER_PAGE = 30


@login_required
@require_GET
def follows(request: HttpRequest) -> HttpResponse:
    """ "Mes abonnements": what one follows and may still see, each with its level."""
    return render(
        request,
        "accounts/follows.html",
        {
            # Writing in a thread follows it: an active member follows hundreds.
            "threads": selectors.window(
                selectors.list_followed_threads(request.user),
                request.GET.get("page"),
                FOLLOWED_THREADS_PER_PAGE,
            ),
            "communities": selectors.list_followed_communities(request.user),
        },
    )


@require_GET
def mention_candidates(request: HttpRequest, slug: str) -> JsonResponse:
    community = selectors.access_community(request.user, slug)
    members = selectors.list_mention_candidates(request.user, community, request.GET.get("q", ""))
    return JsonResponse({"members": [frames.person(user) for user in members]})
