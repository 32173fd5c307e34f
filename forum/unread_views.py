"""
HTTP door of unread markers: the first new post, "tout marquer comme lu", "Nouveautés".

Recording a reading happens in the thread page itself (``views.thread_detail``
calls ``services.record_reading`` unless ``is_prefetch``); see
``forum.services.reading`` for why a page view may write there and only there.
Replies that arrive live on an open page are recorded by ``thread_read_live``
(a POST from static/js/live.js, a few seconds after they were shown on a
visible page), through the same service.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import frames, inputs, selectors, services
from .unread import (
    NEWS_WINDOW,
    first_unread_post,
    has_threads_beyond,
    last_page,
    list_new_threads,
    posts_numbered,
    signed_in,
)

# Numbers of live posts one POST may report (live.js sends at most this many at once).
MAX_LIVE_READ = 50

# Headers by which browsers announce a request made ahead of the reader:
# Chromium's speculation rules and <link rel=prefetch> (Sec-Purpose, Purpose),
# Firefox (X-Moz), Safari's previews (X-Purpose).
PREFETCH_HEADERS = ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")


def is_prefetch(request: HttpRequest) -> bool:
    """Whether the browser fetched the page ahead of (or without) the reader looking at it."""
    for name in PREFETCH_HEADERS:
        value = request.headers.get(name, "").lower()
        if "prefetch" in value or "preview" in value or "prerender" in value:
            return True
    return False


@require_GET
def thread_unread(request: HttpRequest, pk: int) -> HttpResponse:
    """Go to the first post of the thread that is new for the reader (page and anchor)."""
    thread = selectors.access_thread_or_successor(request.user, pk)
    url = thread.get_absolute_url()
    if not signed_in(request.user):
        return redirect(url)
    post = first_unread_post(request.user, thread)
    if post is None:
        number = last_page(thread, request.user)
        return redirect(f"{url}?page={number}" if number > 1 else url)
    number = selectors.page_of_post(post, request.user)
    if number > 1:
        url += f"?page={number}"
    return redirect(f"{url}#post-{post.pk}")


@require_POST
def thread_read_live(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that posts pushed live to an open, visible page were shown (``seq``: their numbers).

    Form-encoded, one ``seq`` per post, each a post number of this thread;
    the same ``record_reading`` as the page, so the mark only moves forward
    and only past posts she may read now. 204 (nothing to say), also for a
    visitor who has no mark; 404 for whoever may not see the thread.
    """
    thread = selectors.access_thread(request.user, pk)
    values = request.POST.getlist("seq")
    numbers = [inputs.read_whole_number(value, maximum=thread.last_seq) for value in values]
    if not values or len(values) > MAX_LIVE_READ or None in numbers or 0 in numbers:
        message = _(
            "« seq » : de 1 à %(count)d numéros de messages de cette discussion "
            "(entiers de 1 à %(last)d)."
        ) % {"count": MAX_LIVE_READ, "last": thread.last_seq}
        return JsonResponse(frames.error("bad_seq", message), status=400)
    if signed_in(request.user):
        shown = posts_numbered(request.user, thread, numbers)
        services.record_reading(user=request.user, thread=thread, shown=shown)
    return HttpResponse(status=204)


@login_required
@require_POST
def community_mark_read(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    services.mark_community_read(user=request.user, community=community)
    messages.success(
        request, _("Toutes les discussions de cette communauté sont marquées comme lues.")
    )
    return redirect(community)


@login_required
@require_GET
def whats_new(request: HttpRequest) -> HttpResponse:
    """Threads with something new among her CoPs' NEWS_WINDOW last active, a page at a time.

    Its cost does not follow her CoPs' history: the unread counts run for a
    page of the window (one more row says whether a next page exists, no
    COUNT), and one query says whether older threads exist, which the last
    page then says it does not list.
    """
    page = selectors.window(
        list_new_threads(request.user, among_latest=NEWS_WINDOW),
        request.GET.get("page"),
        settings.JEKAFO["THREADS_PER_PAGE"],
    )
    # Asked on every page, so that every page costs the same number of queries.
    beyond = has_threads_beyond(request.user, NEWS_WINDOW)
    context = {"page": page, "older_not_listed": beyond and not page.has_next()}
    return render(request, "forum/whats_new.html", context)
