"""Reports by members, grouped into one case per item, and their review by moderators."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import limits, reporting
from ..models import (
    Community,
    Membership,
    ModerationAction,
    Post,
    Report,
    ReportCase,
    Thread,
    User,
)
from ..permissions import check_report, check_review_reports
from ..selectors import access_post, access_thread, find_posts, find_threads
from ..text import clean_line
from ._common import log_action
from .notifications import notify_users_in_their_language
from .threads import auto_hide_post, hide_post, restore_post, set_thread_locked

REPORT_TEXT_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 500

# What a moderator may decide; "edited" follows an edit made on the item's own page.
HIDE, EDITED, WARN, DISMISS = "hide", "edited", "warn", "dismiss"
DECISIONS = {
    HIDE: ReportCase.Outcome.HIDDEN,
    EDITED: ReportCase.Outcome.EDITED,
    WARN: ReportCase.Outcome.WARNED,
    DISMISS: ReportCase.Outcome.DISMISSED,
}
# What the reporters are told, in their language; never who decided.
_OUTCOME_NOTICES = {
    ReportCase.Outcome.HIDDEN: gettext_lazy(
        "Votre signalement a été examiné : le contenu a été masqué."
    ),
    ReportCase.Outcome.EDITED: gettext_lazy(
        "Votre signalement a été examiné : le contenu a été modifié."
    ),
    ReportCase.Outcome.WARNED: gettext_lazy(
        "Votre signalement a été examiné : son auteur·e a reçu un avertissement."
    ),
    ReportCase.Outcome.DISMISSED: gettext_lazy(
        "Votre signalement a été examiné : aucune mesure n'a été jugée nécessaire."
    ),
}


def limit_reports(reporter: User) -> None:
    """The one place where reports are rate-limited (the "report" row of forum.limits).

    The limit applies to both doors, since the socket's ``report`` row and the
    form both come through ``report_item``.
    """
    limits.hit("report", user=reporter)


@transaction.atomic
def report_item(
    *, reporter: User, kind: str, object_id: int, reason: str, text: str = ""
) -> Report:
    """Report an item ``reporter`` can see; a second report by her updates the first.

    An item that reaches its CoP's threshold of distinct reporters is hidden
    at once, pending review, when its kind allows undoing that.
    """
    target = reporting.target(kind)
    item = target.find(reporter, object_id)  # Http404 for what she may not see
    author = target.author(item)
    check_report(reporter, author.pk if author is not None else None)
    limit_reports(reporter)
    if target.is_hidden(item):
        raise ValidationError(
            _("Ce contenu est déjà masqué par la modération ou supprimé."), code="invalid"
        )
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": _("Choisissez un motif.")}, code="invalid")
    text = clean_line(text if isinstance(text, str) else "")
    if len(text) > REPORT_TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Les précisions font 500 caractères au plus.")}, code="invalid"
        )
    if reason == Report.Reason.OTHER and not text:
        raise ValidationError({"text": _("Précisez la raison du signalement.")}, code="required")
    community = target.community(item)
    case = _open_case(target, item, object_id, community, author)
    now = timezone.now()
    report, created = Report.objects.update_or_create(
        case=case,
        reporter=reporter,
        defaults={"reason": reason, "text": text, "updated_at": now},
        create_defaults={"reason": reason, "text": text, "created_at": now, "updated_at": now},
    )
    if created:
        ReportCase.objects.filter(pk=case.pk).update(report_count=F("report_count") + 1)
        case.refresh_from_db(fields=["report_count"])
    _maybe_auto_hide(target, item, case, community)
    return report


def _open_case(target, item, object_id: int, community: Community, author) -> ReportCase:
    """The item's open case, locked; opened now if there is none."""
    found = ReportCase.objects.select_for_update().filter(
        kind=target.kind, object_id=object_id, status=ReportCase.Status.OPEN
    )
    case = found.first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            return ReportCase.objects.create(
                community=community,
                kind=target.kind,
                object_id=object_id,
                author=author,
                excerpt=reporting.clip(target.excerpt(item)),
            )
    except IntegrityError:  # opened by another report at the same moment
        return found.get()


def _maybe_auto_hide(target, item, case: ReportCase, community: Community) -> None:
    """Hide the item once enough of the CoP's own members reported it.

    Only members (and staff) count toward the threshold: in a public CoP any
    signed-in reader may report, and a handful of fresh accounts must not be
    able to silence a member; their reports still reach the queue.
    """
    threshold = community.auto_hide_threshold
    if (
        not threshold
        or case.report_count < threshold
        or case.auto_hidden_at is not None
        or target.auto_hide is None
        or target.is_hidden(item)
    ):
        return
    members = Membership.objects.filter(community=community).values("user_id")
    counted = case.reports.filter(Q(reporter__in=members) | Q(reporter__is_staff=True)).count()
    if counted < threshold:
        return
    target.auto_hide(item)
    case.auto_hidden_at = timezone.now()
    case.save(update_fields=["auto_hidden_at"])


@transaction.atomic
def resolve_case(*, moderator: User, case: ReportCase, decision: str, note: str = "") -> ReportCase:
    """Decide on a case: hide the item, note an edit, warn its author, or dismiss.

    Reporters are told the outcome without the moderator's name; a warning
    reaches the author with the moderator's note, unsigned.
    """
    case = ReportCase.objects.select_for_update().select_related("community").get(pk=case.pk)
    check_review_reports(moderator, case.community)
    if case.status != ReportCase.Status.OPEN:
        raise ValidationError(_("Ce signalement a déjà été examiné."), code="resolved")
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choisissez une décision.")}, code="invalid")
    note = clean_line(note if isinstance(note, str) else "")
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("La note fait 500 caractères au plus.")}, code="invalid")
    if decision in {HIDE, WARN} and not note:
        raise ValidationError(
            {"note": _("Écrivez une note : elle explique la décision.")}, code="required"
        )
    target = reporting.target(case.kind)
    item = _find_for_moderator(target, moderator, case.object_id)
    if decision == HIDE:
        if item is None:
            raise ValidationError(_("Ce contenu n'existe plus."), code="gone")
        if not target.is_hidden(item):
            target.hide(moderator, item, note)
    elif decision == DISMISS and item is not None and case.auto_hidden_at is not None:
        if target.is_hidden(item) and target.restore is not None:
            target.restore(moderator, item)
    elif decision == WARN and case.author_id is not None:
        notify_users_in_their_language(
            [case.author_id],
            community=case.community,
            subject=lambda: _("Avertissement de la modération : %(note)s") % {"note": note},
            url=target.url(item) if item is not None else case.community.get_absolute_url(),
        )
    outcome = DECISIONS[decision]
    case.status = ReportCase.Status.RESOLVED
    case.outcome = outcome
    case.note = note
    case.resolved_at = timezone.now()
    case.resolved_by = moderator
    case.save(update_fields=["status", "outcome", "note", "resolved_at", "resolved_by"])
    log_action(
        actor=moderator,
        community=case.community,
        kind=ModerationAction.Kind.RESOLVE_REPORT,
        target_user=case.author,
        reason=note,
        details={
            "case": case.pk,
            "item": f"{case.kind}:{case.object_id}",
            "reports": case.report_count,
            "changes": [
                {
                    "field": _("signalement"),
                    "old": str(ReportCase.Status.OPEN.label),
                    "new": str(ReportCase.Status.RESOLVED.label),
                },
                {"field": _("décision"), "old": "", "new": str(outcome.label)},
            ],
        },
    )
    if decision == WARN and case.author_id is not None:
        log_action(
            actor=moderator,
            community=case.community,
            kind=ModerationAction.Kind.WARN_AUTHOR,
            target_user=case.author,
            reason=note,
            details={"case": case.pk, "item": f"{case.kind}:{case.object_id}"},
        )
    reporters = list(case.reports.values_list("reporter_id", flat=True))
    notify_users_in_their_language(
        reporters,
        community=case.community,
        subject=lambda: str(_OUTCOME_NOTICES[outcome]),
        url=case.community.get_absolute_url(),
    )
    return case


def _find_for_moderator(target, moderator: User, object_id: int):
    try:
        return target.find(moderator, object_id)
    except Http404:
        return None  # erased since, or moved out of this moderator's sight


# The forum's own targets: posts and threads ------------------------------------------


def _hide_post(moderator: User, post: Post, note: str) -> None:
    hide_post(moderator=moderator, post=post, reason=note)


def _hide_thread(moderator: User, thread: Thread, note: str) -> None:
    """Hide a thread's opening post and lock it: nothing more is said there until reviewed."""
    opening = Post.objects.get(thread=thread, parent__isnull=True)
    if not opening.is_hidden and not opening.is_deleted:
        hide_post(moderator=moderator, post=opening, reason=note)
    set_thread_locked(moderator=moderator, thread=thread, locked=True, reason=note)


def _opening(thread: Thread) -> Post:
    """The thread's opening post: the one ``find_threads`` loaded, else read now."""
    loaded = thread.__dict__.get("opening_post")
    if loaded is not None:
        return loaded
    return Post.objects.get(thread=thread, parent__isnull=True)


def _auto_hide_reason() -> str:
    return _("Masqué automatiquement après plusieurs signalements, en attente d'examen.")


def _post_excerpt(post: Post) -> str:
    return post.body


def register_forum_targets() -> None:
    """Posts and threads; called from ForumConfig.ready()."""
    reporting.register(
        reporting.ReportTarget(
            kind="post",
            label=gettext_lazy("message"),
            find=access_post,
            find_many=find_posts,
            community=lambda post: post.thread.community,
            author=lambda post: post.author,
            excerpt=_post_excerpt,
            url=lambda post: post.get_absolute_url(),
            is_hidden=lambda post: post.is_hidden or post.is_deleted,
            hide=_hide_post,
            auto_hide=lambda post: auto_hide_post(post=post, reason=_auto_hide_reason()),
            restore=lambda moderator, post: restore_post(moderator=moderator, post=post),
            edit_url=lambda post: reverse_edit(post.pk),
        )
    )
    reporting.register(
        reporting.ReportTarget(
            kind="thread",
            label=gettext_lazy("discussion"),
            find=access_thread,
            find_many=find_threads,
            community=lambda thread: thread.community,
            author=lambda thread: thread.author,
            excerpt=lambda thread: f"{thread.title} — {_opening(thread).body}",
            url=lambda thread: thread.get_absolute_url(),
            is_hidden=lambda thread: _opening(thread).is_hidden,
            hide=_hide_thread,
            auto_hide=lambda thread: auto_hide_post(
                post=_opening(thread), reason=_auto_hide_reason()
            ),
            restore=lambda moderator, thread: restore_post(
                moderator=moderator, post=_opening(thread)
            ),
            edit_url=lambda thread: reverse_edit(_opening(thread).pk),
        )
    )


def reverse_edit(pk: int) -> str:
    return reverse("post_edit", args=[pk])


@transaction.atomic
def update_review_settings(
    *,
    moderator: User,
    community: Community,
    auto_hide_threshold: int,
    premoderation_posts: int,
    sensitive: bool | None = None,
) -> Community:
    """Set a CoP's review settings and its "sensible" flag, logging old → new.

    ``sensitive`` None leaves the flag as it is.
    """
    community = Community.objects.select_for_update().get(pk=community.pk)
    check_review_reports(moderator, community)
    values = {
        "auto_hide_threshold": auto_hide_threshold,
        "premoderation_posts": premoderation_posts,
    }
    for name, value in values.items():
        if type(value) is not int or not 0 <= value <= 50:
            raise ValidationError({name: _("Un nombre de 0 à 50.")}, code="invalid")
    if sensitive is not None:
        if type(sensitive) is not bool:
            raise ValidationError({"sensitive": _("Oui ou non.")}, code="invalid")
        values["sensitive"] = sensitive
    labels = {
        "auto_hide_threshold": _("seuil de masquage automatique"),
        "premoderation_posts": _("messages à valider des nouveaux membres"),
        "sensitive": _("communauté sensible"),
    }
    changes = [
        {
            "field": str(labels[name]),
            "old": getattr(community, name),
            "new": value,
        }
        for name, value in values.items()
        if getattr(community, name) != value
    ]
    if changes:
        for name, value in values.items():
            setattr(community, name, value)
        community.save(update_fields=list(values))
        log_action(
            actor=moderator,
            community=community,
            kind=ModerationAction.Kind.REVIEW_SETTINGS,
            details={"changes": changes},
        )
    return community
