"""
HTTP door of reports, the review queue and pre-moderation.

A member reports through a small form page (the "Signaler" links); a room
message can also be reported through the room's action table. Moderators
review their CoPs' queue (staff: every CoP, one page) and decide with a note.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import permissions as perms
from . import reporting, selectors, services
from .forms import RefusePostForm, ReportForm, ResolveCaseForm, ReviewSettingsForm
from .inputs import next_url
from .presentation import attachments_of
from .views import add_service_errors, flash_service_error


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    target = reporting.target(kind)
    item = target.find(request.user, pk)  # 404 for what one may not see
    form = ReportForm(request.POST or None)
    context = {
        "form": form,
        "label": target.label,
        "excerpt": reporting.clip(target.excerpt(item)) if not target.is_hidden(item) else "",
        "back": target.url(item),
        "community": target.community(item),
    }
    if request.method == "POST":
        if form.is_valid():
            try:
                services.report_item(
                    reporter=request.user, kind=kind, object_id=pk, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Merci : votre signalement a été transmis à la modération. "
                        "Vous serez prévenu·e de la suite."
                    ),
                )
                return redirect(target.url(item))
        return render(request, "forum/report_form.html", context, status=400)
    return render(request, "forum/report_form.html", context)


def _queue(request: HttpRequest, communities, community=None) -> HttpResponse:
    cases = list(selectors.list_open_cases(communities)[:100])
    # One bulk lookup per kind of item, whatever the number of cases; an item
    # gone, or out of the moderator's sight since, is shown as already hidden.
    perms.preload_access_of(request.user, {case.community_id for case in cases})
    ids_by_kind: dict[str, list[int]] = {}
    for case in cases:
        ids_by_kind.setdefault(case.kind, []).append(case.object_id)
    items = {
        kind: reporting.find_many(kind, request.user, ids) for kind, ids in ids_by_kind.items()
    }
    for case in cases:
        target = reporting.target(case.kind)
        case.label = target.label
        item = items[case.kind].get(case.object_id)
        case.item_url = target.url(item) if item is not None else ""
        case.edit_url = target.edit_url(item) if item is not None and target.edit_url else ""
        case.item_hidden = item is None or target.is_hidden(item)
        reasons: dict[str, int] = {}
        for one in case.reports.all():
            label = one.get_reason_display()
            reasons[label] = reasons.get(label, 0) + 1
        case.reasons = sorted(reasons.items(), key=lambda pair: -pair[1])
        case.texts = [one.text for one in case.reports.all() if one.text]
    context = {
        "community": community,
        "cases": cases,
        "pending": _with_files(selectors.list_pending_posts(communities)[:100]),
        "show_community": community is None,
    }
    if community is not None:
        context["settings_form"] = ReviewSettingsForm(
            initial={
                "auto_hide_threshold": community.auto_hide_threshold,
                "premoderation_posts": community.premoderation_posts,
                "sensitive": community.sensitive,
            }
        )
    return render(request, "forum/review_queue.html", context)


def _with_files(posts) -> list:
    """Waiting posts with their files, which the moderator hears or sees before deciding."""
    posts = list(posts)
    for post in posts:
        post.show_body = True  # a moderator of its CoP reads a waiting post
        post.attachments = attachments_of(post)
    return posts


@login_required
@require_GET
def review_queue(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_review_reports(request.user, community)
    return _queue(request, [community], community)


@login_required
@require_GET
def review_queue_all(request: HttpRequest) -> HttpResponse:
    """Every CoP the reader moderates (staff: every CoP), on one page."""
    communities = selectors.list_moderated_communities(request.user)
    if not communities.exists():
        raise PermissionDenied(_("Cette page est réservée aux modératrices et modérateurs."))
    return _queue(request, communities)


@login_required
@require_POST
def review_settings(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_review_reports(request.user, community)
    form = ReviewSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez des nombres de 0 à 50."))
    else:
        try:
            services.update_review_settings(
                moderator=request.user, community=community, **form.cleaned_data
            )
        except ValidationError as error:
            flash_service_error(request, error)
        else:
            messages.success(request, _("Réglages enregistrés."))
    return redirect("review_queue", slug=slug)


@login_required
@require_POST
def case_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.access_report_case(request.user, pk)
    back = next_url(request, reverse("review_queue", args=[case.community.slug]))
    form = ResolveCaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une décision ; la note fait 500 caractères au plus."))
        return redirect(back)
    try:
        services.resolve_case(moderator=request.user, case=case, **form.cleaned_data)
    except ValidationError as error:
        flash_service_error(request, error)
    else:
        messages.success(
            request, _("Signalement examiné ; les personnes qui l'ont fait sont prévenues.")
        )
    return redirect(back)


@login_required
@require_POST
def post_approve(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    back = next_url(request, reverse("review_queue", args=[post.thread.community.slug]))
    try:
        services.approve_post(moderator=request.user, post=post)
    except ValidationError as error:
        flash_service_error(request, error)
    else:
        messages.success(request, _("Message publié."))
    return redirect(back)


@login_required
@require_POST
def post_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    back = next_url(request, reverse("review_queue", args=[post.thread.community.slug]))
    form = RefusePostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Écrivez une note pour l'auteur·e (500 caractères au plus)."))
        return redirect(back)
    try:
        services.refuse_post(moderator=request.user, post=post, note=form.cleaned_data["note"])
    except ValidationError as error:
        flash_service_error(request, error)
    else:
        messages.success(request, _("Message refusé ; son auteur·e est prévenu·e."))
    return redirect(back)
