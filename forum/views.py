"""
HTTP door of the forum: parse input, call a service or a selector, render.

Every page works without JavaScript; every write is a POST form with CSRF
protection that redirects after success (and answers 400 with the form and
its errors otherwise).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import home_sections, inputs, limits, selectors, services
from . import permissions as perms
from .forms import (
    CloseThreadForm,
    EditPostForm,
    HidePostForm,
    InvitationForm,
    JoinRequestForm,
    LockThreadForm,
    MergeThreadForm,
    MoveThreadForm,
    OrganisationFilterForm,
    ProfileForm,
    RenameThreadForm,
    ReplyForm,
    RetagThreadForm,
    RoleForm,
    SignUpForm,
    SlowModeForm,
    SplitThreadForm,
    ThreadForm,
    blank_reply_form_html,
)
from .markup import quote_markdown
from .models import Invitation, JoinRequest, Membership, Post, Region, User
from .offline_views import keep_offline
from .post_html import PostDrawer
from .presentation import prepare_posts
from .search import author_filter_accepts
from .unread import with_unread
from .unread_views import is_prefetch


def add_service_errors(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form, field by field where it can."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in field_errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


def render_invalid(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, context, status=400)


class SafeNextMixin:
    """Django's sign-in and sign-out views, with ``next`` read by forum's one safe reader."""

    def get_redirect_url(self, request=None) -> str:
        request = request or self.request
        return inputs.next_url(request, "")


class LogoutView(SafeNextMixin, auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # A shared phone keeps nothing of hers: kept pages, outbox, drafts, the worker.
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response


def render_refused(
    request: HttpRequest, template: str, context: dict, form, error: limits.RateLimited
) -> HttpResponse:
    """Answer 429 with the form as it was sent (the text is kept) and the wait."""
    form.add_error(None, error.message)
    response = render(request, template, context, status=429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def flash_service_error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# Home, communities -------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "communities": selectors.list_communities(request.user),
        "tags": selectors.list_popular_tags(request.user, limit=20),
    }
    if request.user.is_authenticated:
        # "Quoi de neuf": each section registered in forum.home_sections.
        context["home_sections"] = home_sections.render_context(request.user)
    return render(request, "forum/home.html", context)


@require_GET
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    page = selectors.paginate(
        with_unread(selectors.list_threads(community, request.user), request.user),
        request.GET.get("page"),
        settings.JEKAFO["THREADS_PER_PAGE"],
    )
    membership = perms.get_membership(request.user, community)
    context = {
        "community": community,
        "regions": community.regions.order_by("name"),
        "page": page,
        "membership": membership,
        "can_start_thread": perms.can_start_thread(request.user, community),
        "can_moderate": perms.can_moderate_community(request.user, community),
        "can_request_to_join": perms.can_request_to_join(request.user, community),
        "has_pending_request": selectors.has_pending_join_request(request.user, community),
        "join_form": JoinRequestForm(),
        "follow_level": selectors.community_follow_level(request.user, community),
        "my_sanction": perms.sanction_notice(request.user, community),
    }
    if context["can_moderate"]:
        context["pending_count"] = selectors.list_pending_join_requests(community).count()
        context["review_count"] = selectors.count_to_review(community)
    return render(request, "forum/community_detail.html", context)


@login_required
@require_POST
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    form = JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_to_join(
                user=request.user, community=community, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            flash_service_error(request, error)
        else:
            messages.success(
                request, _("Votre demande a été envoyée aux modératrices et modérateurs.")
            )
    else:
        messages.error(request, _("Votre message est trop long (1000 caractères au plus)."))
    return redirect(community)


@login_required
@require_POST
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    try:
        services.leave_community(user=request.user, community=community)
    except ValidationError as error:  # the last moderator must hand the role over first
        flash_service_error(request, error)
        return redirect(community)
    messages.success(request, _("Vous avez quitté « %(name)s ».") % {"name": community.name})
    return redirect("home" if community.is_private else community.get_absolute_url())


@login_required
@require_GET
def community_members(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    # Member lists stay inside the CoP: they can put people at risk.
    if not perms.can_view_members(request.user, community):
        raise Http404
    can_moderate = perms.can_moderate_community(request.user, community)
    page = selectors.list_members(community, request.user, request.GET.get("page"))
    return render(
        request,
        "forum/community_members.html",
        {
            "community": community,
            "page": page,
            "members": page.object_list,
            "can_moderate": can_moderate,
            "role_choices": Membership.Role.choices,
            "sanctions": services.list_sanctions_in_force(community) if can_moderate else (),
        },
    )


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_moderate_community(request.user, community)
    membership = get_object_or_404(Membership, pk=membership_id, community=community)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rôle inconnu."))
        return redirect("community_members", slug=slug)
    try:
        services.change_member_role(
            moderator=request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        flash_service_error(request, error)
    else:
        messages.success(request, _("Rôle mis à jour."))
    return redirect("community_members", slug=slug)


JOIN_REQUESTS_PER_PAGE = 30


@login_required
@require_GET
def join_requests(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_moderate_community(request.user, community)
    # Oldest first, a page at a time: a CoP in the news can receive hundreds at once.
    page = selectors.window(
        selectors.list_pending_join_requests(community),
        request.GET.get("page"),
        JOIN_REQUESTS_PER_PAGE,
    )
    selectors.mark_shown_fields(request.user, [join_request.user for join_request in page])
    return render(
        request,
        "forum/join_requests.html",
        {"community": community, "requests": page.object_list, "page": page},
    )


@login_required
@require_POST
def join_request_decide(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_moderate_community(request.user, community)
    join_request = get_object_or_404(JoinRequest, pk=request_id, community=community)
    decision = request.POST.get("decision")
    if decision not in {"approve", "refuse"}:
        messages.error(request, _("Choisissez « accepter » ou « refuser »."))
        return redirect("join_requests", slug=slug)
    try:
        services.decide_join_request(
            moderator=request.user, join_request=join_request, approve=decision == "approve"
        )
    except ValidationError as error:
        flash_service_error(request, error)
    else:
        messages.success(request, _("Réponse enregistrée."))
    return redirect("join_requests", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_moderate_community(request.user, community)
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.create_invitation(
                    moderator=request.user, community=community, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Lien d'invitation créé."))
                return redirect("invitations", slug=slug)
        status = 400
    else:
        status = 200
    return render(
        request,
        "forum/invitations.html",
        {
            "community": community,
            "form": form,
            "invitations": community.invitations.select_related("created_by")[:50],
        },
        status=status,
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    invitation = get_object_or_404(Invitation, pk=invitation_id, community=community)
    services.revoke_invitation(moderator=request.user, invitation=invitation)
    messages.success(request, _("Lien d'invitation révoqué."))
    return redirect("invitations", slug=slug)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.find_invitation(token)
    if not request.user.is_authenticated:
        return render(request, "forum/invitation.html", {"invitation": invitation})
    if request.method == "POST":
        services.accept_invitation(user=request.user, token=token)
        messages.success(
            request, _("Bienvenue dans « %(name)s » !") % {"name": invitation.community.name}
        )
        return redirect(invitation.community)
    return render(
        request,
        "forum/invitation.html",
        {
            "invitation": invitation,
            "already_member": perms.get_membership(request.user, invitation.community),
        },
    )


@login_required
@require_GET
def moderation_log(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_view_moderation_log(request.user, community)
    page = selectors.paginate(selectors.list_moderation_log(community), request.GET.get("page"), 50)
    page.object_list = selectors.redact_moderation_log(request.user, list(page.object_list))
    return render(request, "forum/moderation_log.html", {"community": community, "page": page})


# Threads ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@keep_offline
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.access_community(request.user, slug)
    perms.check_start_thread(request.user, community)
    form = ThreadForm(request.POST or None, request.FILES or None)
    context = {"community": community, "form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                thread = services.create_thread(
                    author=request.user, community=community, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except limits.RateLimited as error:
                return render_refused(request, "forum/thread_form.html", context, form, error)
            else:
                return redirect(thread)
        return render_invalid(request, "forum/thread_form.html", context)
    return render(request, "forum/thread_form.html", context)


def _thread_context(request: HttpRequest, thread, page) -> dict:
    user = request.user
    community = thread.community
    can_moderate = perms.can_moderate_community(user, community)
    context = {
        "thread": thread,
        "community": community,
        "page": page,
        "tags": thread.tags.all(),
        "can_reply": perms.can_reply_to_thread(user, thread),
        "can_post": perms.can_post_in_community(user, community),
        "can_moderate": can_moderate,
        "max_depth": settings.JEKAFO["MAX_VISIBLE_DEPTH"],
        "live": True,
    }
    context["follow_level"], context["community_follow_level"] = selectors.thread_follow_levels(
        user, thread
    )
    if context["can_reply"]:
        # Drawn once per language and CoP, with a fresh key (forum/forms.py says why).
        context["reply_form"] = blank_reply_form_html(
            reverse("mention_candidates", args=[community.slug])
        )
    posts = list(page.object_list)
    files = selectors.files_of_posts(posts)
    page.object_list = prepare_posts(user, thread, posts, files)
    drawer = PostDrawer.for_request(
        request,
        can_reply=context["can_reply"],
        can_moderate=can_moderate,
        max_depth=context["max_depth"],
    )
    context["posts_html"] = drawer.draw_all(page.object_list)
    if can_moderate:
        context["move_form"] = MoveThreadForm(
            communities=selectors.list_moderated_communities(user).exclude(pk=community.pk)
        )
        context["close_form"] = CloseThreadForm(
            initial={"note": thread.closed_note}, auto_id="close-%s"
        )
        context["slow_form"] = SlowModeForm(
            initial={"seconds": thread.slow_mode}, auto_id="slow-%s"
        )
        context["merge_form"] = MergeThreadForm(auto_id="merge-%s")
    return context


@require_GET
@keep_offline
def thread_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    thread = selectors.access_thread_or_successor(request.user, pk)
    if thread.pk != pk:
        return redirect(thread)  # merged: not permanent, it depends on who asks
    if slug != thread.slug:
        return redirect(thread, permanent=True)
    page = selectors.thread_page(thread, request.GET.get("page"), request.user)
    context = _thread_context(request, thread, page)
    if not is_prefetch(request):
        # The one write of a GET (forum/services/reading.py says why, and when).
        services.record_reading(
            user=request.user,
            thread=thread,
            shown=page.object_list,
            whole_thread=not page.has_other_pages(),
        )
    return render(request, "forum/thread_detail.html", context)


@require_GET
def post_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    number = selectors.page_of_post(post, request.user)
    url = post.thread.get_absolute_url()
    if number > 1:
        url += f"?page={number}"
    return redirect(f"{url}#post-{post.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def post_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """Reply to one post: the form page (GET, optionally quoting it) and the write (POST)."""
    parent = selectors.access_post(request.user, pk)
    thread = parent.thread
    perms.check_reply_to_thread(request.user, thread)
    initial = {"parent": parent.pk}
    if request.GET.get("quote") and perms.can_view_post_body(request.user, parent):
        initial["body"] = quote_markdown(parent.body, str(parent.author or _("anonyme")))
    data = None
    if request.method == "POST":
        # The address names the post replied to; the hidden field only mirrors it.
        data = request.POST.copy()
        data["parent"] = str(parent.pk)
    form = ReplyForm(data, request.FILES or None, initial=initial)
    context = {"thread": thread, "community": thread.community, "parent": parent, "form": form}
    if request.method == "POST":
        if form.is_valid():
            return _create_reply(request, thread, form, context)
        return render_invalid(request, "forum/reply_form.html", context)
    return render(request, "forum/reply_form.html", context)


@login_required
@require_POST
def thread_reply(request: HttpRequest, pk: int) -> HttpResponse:
    # A reply written while the thread was merged goes where its posts went.
    thread = selectors.access_thread_or_successor(request.user, pk)
    perms.check_reply_to_thread(request.user, thread)
    form = ReplyForm(request.POST, request.FILES)
    context = {"thread": thread, "community": thread.community, "parent": None, "form": form}
    if not form.is_valid():
        return render_invalid(request, "forum/reply_form.html", context)
    return _create_reply(request, thread, form, context)


def _create_reply(request: HttpRequest, thread, form, context) -> HttpResponse:
    parent = None
    parent_id = form.cleaned_data.get("parent")
    if parent_id:
        # Only a post of this thread: a post of another thread answers exactly
        # as a missing one, so the form is no oracle on private post ids.
        parent = Post.objects.filter(pk=parent_id, thread=thread).first()
        if parent is None:
            form.add_error(None, _("Le message auquel vous répondez n'existe plus."))
            return render_invalid(request, "forum/reply_form.html", context)
    try:
        post = services.create_post(
            author=request.user,
            thread=thread,
            parent=parent,
            body=form.cleaned_data["body"],
            key=form.cleaned_data["key"],
            voice=form.cleaned_data.get("voice"),
            files=form.cleaned_data.get("files") or (),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return render_invalid(request, "forum/reply_form.html", context)
    except limits.RateLimited as error:
        return render_refused(request, "forum/reply_form.html", context, form, error)
    return redirect(post)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    perms.check_edit_post(request.user, post)
    form = EditPostForm(
        request.POST or None,
        request.FILES or None,
        initial={"body": post.body},
        attached=post.files.all(),
    )
    context = {
        "post": post,
        "thread": post.thread,
        "community": post.thread.community,
        "form": form,
    }
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_post(
                    editor=request.user,
                    post=post,
                    body=form.cleaned_data["body"],
                    voice=form.cleaned_data.get("voice"),
                    files=form.cleaned_data.get("files") or (),
                    remove=form.cleaned_data.get("remove") or (),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except limits.RateLimited as error:
                return render_refused(request, "forum/post_edit.html", context, form, error)
            else:
                return redirect(post)
        return render_invalid(request, "forum/post_edit.html", context)
    return render(request, "forum/post_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    perms.check_delete_post(request.user, post)
    if request.method == "POST":
        services.delete_post(user=request.user, post=post)
        messages.success(request, _("Votre message a été supprimé."))
        return redirect(post)
    return render(
        request,
        "forum/post_delete.html",
        {"post": post, "thread": post.thread, "community": post.thread.community},
    )


@login_required
@require_GET
def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    revisions = selectors.list_post_revisions(request.user, post)
    return render(
        request,
        "forum/post_history.html",
        {
            "post": post,
            "thread": post.thread,
            "community": post.thread.community,
            "revisions": revisions,
        },
    )


@login_required
@require_POST
def post_hide(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    perms.check_moderate_community(request.user, post.thread.community)
    form = HidePostForm(request.POST)
    if not form.is_valid():
        return _moderation_form_error(request, post.thread, form, _("Masquer un message"))
    try:
        services.hide_post(moderator=request.user, post=post, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        add_service_errors(form, error)
        return _moderation_form_error(request, post.thread, form, _("Masquer un message"))
    messages.success(request, _("Message masqué."))
    return redirect(post)


@login_required
@require_POST
def post_restore(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    try:
        services.restore_post(moderator=request.user, post=post)
    except ValidationError as error:
        flash_service_error(request, error)
    else:
        messages.success(request, _("Message rétabli."))
    return redirect(post)


def _moderation_form_error(request, thread, form, title) -> HttpResponse:
    return render_invalid(
        request,
        "forum/moderation_form.html",
        {"thread": thread, "community": thread.community, "form": form, "title": title},
    )


@login_required
@require_POST
def thread_moderate(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Pin, unpin, lock, unlock, close with a note, slow mode, rename, retag or move a thread."""
    thread = selectors.access_thread(request.user, pk)
    perms.check_moderate_community(request.user, thread.community)
    user = request.user
    if action in {"pin", "unpin"}:
        services.set_thread_pinned(moderator=user, thread=thread, pinned=action == "pin")
        messages.success(
            request, _("Discussion épinglée.") if action == "pin" else _("Discussion désépinglée.")
        )
        return redirect(thread)
    if action in {"lock", "unlock"}:
        form = LockThreadForm(request.POST)
        if not form.is_valid():
            title = _("Verrouiller la discussion")
            return _moderation_form_error(request, thread, form, title)
        services.set_thread_locked(
            moderator=user,
            thread=thread,
            locked=action == "lock",
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("Discussion verrouillée.") if action == "lock" else _("Discussion déverrouillée."),
        )
        return redirect(thread)
    if action == "close":
        form = CloseThreadForm(request.POST)
        title = _("Clore la discussion avec une note")
        if not form.is_valid():
            return _moderation_form_error(request, thread, form, title)
        try:
            services.close_thread(moderator=user, thread=thread, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return _moderation_form_error(request, thread, form, title)
        messages.success(request, _("Discussion close ; la note est affichée à tous."))
        return redirect(thread)
    if action == "slow":
        form = SlowModeForm(request.POST)
        title = _("Mode lent")
        if not form.is_valid():
            return _moderation_form_error(request, thread, form, title)
        services.set_thread_slow_mode(
            moderator=user, thread=thread, seconds=form.cleaned_data["seconds"]
        )
        messages.success(request, _("Mode lent enregistré."))
        return redirect(thread)
    forms_by_action = {
        "rename": (RenameThreadForm, _("Renommer la discussion")),
        "retag": (RetagThreadForm, _("Modifier les étiquettes")),
        "move": (MoveThreadForm, _("Déplacer la discussion")),
    }
    if action not in forms_by_action:
        raise Http404
    form_class, title = forms_by_action[action]
    if action == "move":
        candidates = selectors.list_moderated_communities(user).exclude(pk=thread.community_id)
        form = form_class(request.POST, communities=candidates)
    else:
        form = form_class(request.POST)
    if not form.is_valid():
        return _moderation_form_error(request, thread, form, title)
    try:
        if action == "rename":
            services.rename_thread(moderator=user, thread=thread, title=form.cleaned_data["title"])
        elif action == "retag":
            services.retag_thread(moderator=user, thread=thread, tags=form.cleaned_data["tags"])
        else:
            services.move_thread(
                moderator=user,
                thread=thread,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
            )
    except ValidationError as error:
        add_service_errors(form, error)
        return _moderation_form_error(request, thread, form, title)
    messages.success(request, _("Modification enregistrée."))
    thread.refresh_from_db()
    return redirect(thread)


@login_required
@require_http_methods(["GET", "POST"])
def thread_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """
    Merge this thread into another: GET shows what will happen, POST does it.

    The thread page's form asks for the target with a GET, so that the
    moderator confirms on a page that names both threads before anything moves.
    """
    source = selectors.access_thread(request.user, pk)
    perms.check_moderate_community(request.user, source.community)
    data = request.POST if request.method == "POST" else request.GET
    form = MergeThreadForm(data if "target" in data else None, auto_id="merge-%s")
    context = {"thread": source, "community": source.community, "form": form}
    if not form.is_bound:
        return render(request, "forum/thread_merge.html", context)
    if not form.is_valid():
        return render(request, "forum/thread_merge.html", context, status=400)
    try:
        target = selectors.access_thread(request.user, form.cleaned_data["target"])
    except Http404:
        form.add_error("target", _("Aucune discussion visible ne porte ce numéro."))
        return render(request, "forum/thread_merge.html", context, status=400)
    context["target"] = target
    context["can_merge"] = target.pk != source.pk and perms.can_moderate_community(
        request.user, target.community
    )
    if request.method == "GET" or not context["can_merge"]:
        if target.pk == source.pk:
            form.add_error("target", _("Choisissez une autre discussion que celle-ci."))
        elif not context["can_merge"]:
            form.add_error(
                "target", _("Vous ne modérez pas la communauté de la discussion choisie.")
            )
        status = 200 if context["can_merge"] else 400
        return render(request, "forum/thread_merge.html", context, status=status)
    try:
        target = services.merge_threads(
            moderator=request.user,
            source=source,
            target=target,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return render(request, "forum/thread_merge.html", context, status=400)
    messages.success(request, _("Discussions fusionnées."))
    return redirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def post_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Split a reply and the replies below it into a new thread (the form is the confirmation)."""
    post = selectors.access_post(request.user, pk)
    thread = post.thread
    perms.check_moderate_community(request.user, thread.community)
    if post.is_opening:
        raise Http404
    communities = selectors.list_moderated_communities(request.user)
    form = SplitThreadForm(
        request.POST or None, communities=communities, initial={"community": thread.community_id}
    )
    context = {
        "thread": thread,
        "community": thread.community,
        "post": post,
        "form": form,
        "moved": selectors.split_candidates(post),
    }
    if request.method == "POST":
        if form.is_valid():
            try:
                new = services.split_thread(
                    moderator=request.user,
                    post=post,
                    title=form.cleaned_data["title"],
                    community=form.cleaned_data["community"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Nouvelle discussion créée avec ces messages."))
                return redirect(new)
        return render_invalid(request, "forum/post_split.html", context)
    return render(request, "forum/post_split.html", context)


# Tags ------------------------------------------------------------------------------------


@require_GET
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag, threads, organisations = selectors.access_tag(request.user, slug)
    page = selectors.paginate_by_ids(
        threads,
        request.GET.get("page"),
        settings.JEKAFO["THREADS_PER_PAGE"],
        rows=lambda page_threads: with_unread(page_threads, request.user),
    )
    # The first organisations of the domain; the rest in the directory, filtered by it.
    shown = list(organisations[: selectors.ORGANISATIONS_PER_PAGE + 1])
    return render(
        request,
        "forum/tag_detail.html",
        {
            "tag": tag,
            "page": page,
            "organisations": shown[: selectors.ORGANISATIONS_PER_PAGE],
            "more_organisations": len(shown) > selectors.ORGANISATIONS_PER_PAGE,
        },
    )


# Organisations ---------------------------------------------------------------------------


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    regions = Region.objects.order_by("name")
    form = OrganisationFilterForm(
        request.GET or None, domains=selectors.list_domain_tags(), regions=regions
    )
    domain = region = ""
    if form.is_bound:
        if not form.is_valid():
            return render(
                request,
                "forum/organisation_list.html",
                {"form": form, "organisations": [], "page": None},
                status=400,
            )
        domain = form.cleaned_data["domain"]
        region = form.cleaned_data["region"]
    page = selectors.paginate(
        selectors.list_organisations(domain=domain, region=region),
        request.GET.get("page"),
        selectors.ORGANISATIONS_PER_PAGE,
    )
    return render(
        request,
        "forum/organisation_list.html",
        {
            "form": form,
            "page": page,
            "organisations": page.object_list,
            "filtered": bool(domain or region),
        },
    )


@require_GET
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.access_organisation(slug)
    return render(request, "forum/organisation_detail.html", {"organisation": organisation})


# Accounts --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.sign_up(
                    username=data["username"],
                    password=data["password1"],
                    display_name=data["display_name"],
                    email=data.get("email") or "",
                    region=data.get("region"),
                    organisation=data.get("organisation"),
                    preferred_language=data.get("preferred_language") or "fr",
                    address=limits.client_address(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return render_invalid(request, "registration/signup.html", {"form": form})
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Bienvenue sur Jɛkafɔ !"))
            return redirect(inputs.next_url(request, reverse("home")))
        return render_invalid(request, "registration/signup.html", {"form": form})
    return render(request, "registration/signup.html", {"form": form})


@require_GET
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.access_profile(request.user, pk)
    viewer = request.user if request.user.is_authenticated else None
    search_url = None
    if author_filter_accepts(viewer, member):
        search_url = reverse("search") + "?" + urlencode({"auteur": member.pk})
    return render(
        request,
        "accounts/profile.html",
        {
            "search_url": search_url,
            "member": member,
            "memberships": selectors.list_profile_communities(request.user, member),
            "posts": selectors.list_profile_posts(request.user, member),
            "is_me": request.user.is_authenticated and request.user.pk == member.pk,
            "sees_all": perms.is_staff(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    # The form works on a copy: only the service writes the signed-in member's row.
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST":
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
            try:
                user = services.update_profile(user=request.user, **changes)
            except ValidationError as error:
                add_service_errors(form, error)
                return render_invalid(request, "accounts/profile_edit.html", {"form": form})
            translation.activate(user.preferred_language)
            messages.success(request, _("Profil enregistré."))
            response = redirect(user)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, user.preferred_language, samesite="Lax"
            )
            return response
        return render_invalid(request, "accounts/profile_edit.html", {"form": form})
    return render(request, "accounts/profile_edit.html", {"form": form})


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    try:
        services.set_preferred_language(user=request.user, language=language)
    except ValidationError:
        messages.error(request, _("Langue inconnue."))
        return redirect(inputs.next_url(request, reverse("home")))
    response = redirect(inputs.next_url(request, reverse("home")))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=365 * 24 * 3600
    )
    return response
