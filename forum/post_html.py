"""
One post of a thread as HTML, built in Python instead of a template partial.

The thread page draws up to POSTS_PER_PAGE posts. Their bodies are stored
sanitised at write time (``Post.body_html``), yet the ``{% partialdef post %}``
that wrapped them cost about 0.3 ms per post: a hundred template variable
look-ups, filters and ``{% translate %}`` nodes each. Here the labels, the
icon and the CSRF field are resolved once per page (``PostDrawer``) and each
post is then a few string joins, every user-written value passed through
``escape`` — the same output as the partial had, about ten times cheaper.

Nothing is cached between requests: what the viewer may see and do is
computed for each request (forum/presentation.py ``prepare_posts``), so an
edit, a hidden post, a renamed author or a moved thread shows at once, in
every process, and no viewer is ever served another audience's block.
docs/architecture.md ("The thread page draws posts in Python") says why this
was chosen over a fragment cache.
"""

from html import escape as _escape

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from .templatetags.icons import icon

# Every label a post may show, by name (marked for makemessages); gettext() runs once per page.
_LABELS = {
    "former": gettext_noop("ancien·ne membre"),
    "removed": gettext_noop("compte supprimé"),
    "reply_to": gettext_noop("en réponse à"),
    "edited": gettext_noop("modifié"),
    "refused": gettext_noop("refusé par la modération"),
    "pending": gettext_noop("en attente de validation"),
    "deleted": gettext_noop("Message supprimé par son auteur."),
    "hidden": gettext_noop("Message masqué par la modération."),
    "reply": gettext_noop("Répondre"),
    "quote": gettext_noop("Citer"),
    "edit": gettext_noop("Modifier"),
    "delete": gettext_noop("Supprimer"),
    "report": gettext_noop("Signaler"),
    "history": gettext_noop("Historique"),
    "split": gettext_noop("Scinder ici"),
    "restore": gettext_noop("Rétablir"),
    "hide": gettext_noop("Masquer"),
    "reason": gettext_noop("Motif"),
    "hide_post": gettext_noop("Masquer le message"),
}
# The viewer is unknown (a live push drawn once per audience): like the
# partial drawn without ``user``, every post then offers "Signaler", and the
# client hides it on the reader's own posts (``data-not-owner``).
NOBODY = object()
_UNSET = object()


def escape(value) -> str:
    """Django's ``escape`` (the same five characters), without its lazy-string wrapper."""
    return _escape(str(value))


def organisation_label(post) -> str:
    """What the author's organisation is shown as: its acronym, else its name."""
    acronym = getattr(post, "author_org_acronym", _UNSET)
    if acronym is _UNSET:  # loaded without the thread page's columns (a live push)
        organisation = post.author.organisation
        return organisation.acronym or organisation.name
    return acronym or post.author_org_name


def replied_to(post) -> tuple[int | None, str, int]:
    """The author id, name and number of the post ``post`` answers."""
    name = getattr(post, "parent_author_name", _UNSET)
    if name is _UNSET:
        parent = post.parent
        author = parent.author
        return parent.author_id, author.display_name if author else "", parent.seq
    return post.parent_author_id, name, post.parent_seq


class PostDrawer:
    """Draw the posts of one page for one viewer; what is per page is done once."""

    def __init__(
        self,
        *,
        viewer_pk=NOBODY,
        can_reply: bool,
        can_moderate: bool,
        max_depth: int,
        csrf_token: str | None = None,
    ) -> None:
        self.viewer_pk = viewer_pk
        self.can_reply = can_reply
        self.can_moderate = can_moderate
        self.max_depth = max_depth
        self.label = {name: conditional_escape(gettext(text)) for name, text in _LABELS.items()}
        # Same msgids as the partial's {% blocktranslate %}: same translations.
        self.unpublished = gettext("Non publié — motif : %(reason)s")
        self.hidden_because = gettext("Masqué par la modération — motif : %(reason)s")
        self.reply_icon = str(icon("reply"))
        self.csrf = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
            if csrf_token
            else ""
        )
        self._files = None
        # The date filter's "j M Y, H:i" and "c", in the current language and time zone.
        self.months = {number: str(name).title() for number, name in MONTHS_3.items()}
        self.zone = timezone.get_current_timezone() if settings.USE_TZ else None

    @classmethod
    def for_request(cls, request, *, can_reply: bool, can_moderate: bool, max_depth: int):
        """The drawer of a page: the viewer is the request's user."""
        user = request.user
        return cls(
            viewer_pk=user.pk,
            can_reply=can_reply,
            can_moderate=can_moderate,
            max_depth=max_depth,
            # Only moderators' posts carry forms (hide, restore).
            csrf_token=get_token(request) if can_moderate else None,
        )

    def draw_all(self, posts) -> SafeString:
        return mark_safe("\n".join(self.draw(post) for post in posts))  # noqa: S308 — drawn below

    def draw(self, post) -> SafeString:
        label = self.label
        pk = post.pk
        author = post.author
        depth = post.depth if post.depth <= self.max_depth else self.max_depth
        out = [
            f'<article id="post-{pk}" class="post depth-{depth}'
            f'{" hidden-post" if post.is_hidden else ""}" data-path="{escape(post.path)}"'
            f' data-seq="{post.seq}" data-author="{_or_empty(post.author_id)}"'
            f' aria-labelledby="post-{pk}-by">\n  <header class="post-head">\n'
            f'    <span id="post-{pk}-by" class="author">'
        ]
        if author is not None and author.deleted_at:
            out.append(label["former"])
        elif author is not None:
            out.append(f'<a href="{escape(post.author_url)}">{escape(author.display_name)}</a>')
            if post.show_org:
                out.append(f' <span class="org">{escape(organisation_label(post))}</span>')
        else:
            out.append(label["removed"])
        created = post.created_at
        if self.zone is not None and created.utcoffset() is not None:
            created = created.astimezone(self.zone)
        out.append(
            f'</span>\n    <a class="when" href="{escape(post.url)}"><time datetime="'
            f'{created.isoformat()}">{created.day} {self.months[created.month]} '
            f"{created.year:04d}, {created.hour:02d}:{created.minute:02d}</time></a>\n"
        )
        if post.depth > 1:
            parent_author_id, parent_name, parent_seq = replied_to(post)
            to = escape(parent_name) if parent_author_id is not None else f"#{parent_seq}"
            out.append(
                f'    <span class="reply-to">↳ {label["reply_to"]} '
                f'<a href="{escape(post.parent_url)}">{to}</a></span>\n'
            )
        if post.edited_at and not post.is_deleted:
            out.append(f'    <span class="edited">({label["edited"]})</span>\n')
        if post.is_pending:
            state = label["refused"] if post.is_hidden else label["pending"]
            out.append(f'    <span class="badge pending-label">{state}</span>\n')
        out.append("  </header>\n")
        if post.is_deleted:
            out.append(f'  <p class="gone">{label["deleted"]}</p>\n')
        elif post.is_hidden and not post.show_body:
            out.append(f'  <p class="gone">{label["hidden"]}</p>\n')
        else:
            if post.is_hidden:
                text = self.unpublished if post.is_pending else self.hidden_because
                reason = text % {"reason": escape(post.hidden_reason)}
                out.append(f'  <p class="gone">{reason}</p>\n')
            if post.body_html:
                # Sanitised at write time (forum/markdown.py): the one unescaped value.
                out.append(f'  <div class="prose">{post.body_html}</div>\n')
            if post.attachments:
                out.append(self._draw_files(post))
        if not post.is_deleted:
            out.append('  <footer class="post-actions">\n')
            self._actions(post, out)
            out.append("  </footer>\n")
        out.append("</article>")
        # Every user-written value above went through escape(); body_html was sanitised.
        return mark_safe("".join(out))  # noqa: S308

    def _actions(self, post, out: list[str]) -> None:
        label = self.label
        owner_links = getattr(post, "owner_links", False)
        if self.can_reply:
            reply = escape(post.reply_url)
            out.append(f'    <a href="{reply}">{self.reply_icon}{label["reply"]}</a>\n')
            if post.show_body:
                out.append(f'    <a href="{reply}?quote=1">{label["quote"]}</a>\n')
        for allowed, url, name in (
            (post.can_edit, post.edit_url, "edit"),
            (post.can_delete, post.delete_url, "delete"),
        ):
            if allowed:
                out.append(f'    <a href="{escape(url)}">{label[name]}</a>\n')
            elif owner_links:
                out.append(
                    f'    <a href="{escape(url)}" data-owner="{post.author_id}" hidden>'
                    f"{label[name]}</a>\n"
                )
        if (
            post.show_body
            and not post.is_hidden
            and not post.is_pending
            and post.author_id != self.viewer_pk
        ):
            out.append(
                f'    <a href="{escape(post.report_url)}" class="report-link"'
                f' data-not-owner="{_or_empty(post.author_id)}">{label["report"]}</a>\n'
            )
        if not self.can_moderate:
            return
        if post.edit_count:
            out.append(f'    <a href="{escape(post.history_url)}">{label["history"]}</a>\n')
        if not post.is_opening:
            out.append(f'    <a href="{escape(post.split_url)}">{label["split"]}</a>\n')
        if post.is_hidden:
            out.append(
                f'    <form method="post" action="{escape(post.restore_url)}" class="inline">'
                f'{self.csrf}<button type="submit" class="link">{label["restore"]}</button>'
                "</form>\n"
            )
        elif not post.is_opening:
            out.append(
                f'    <details class="inline"><summary>{label["hide"]}</summary>\n'
                f'      <form method="post" action="{escape(post.hide_url)}">{self.csrf}\n'
                f'        <label for="hide-{post.pk}">{label["reason"]}</label>\n'
                f'        <input id="hide-{post.pk}" name="reason" maxlength="500" required>\n'
                f'        <button type="submit">{label["hide_post"]}</button></form>\n'
                f"    </details>\n"
            )

    def _draw_files(self, post) -> str:
        # Files are rare and varied (voice, photo, document): their template stays.
        if self._files is None:
            self._files = get_template("forum/includes/post_files.html")
        return self._files.render({"post": post}) + "\n"


def _or_empty(value) -> str:
    return "" if value is None else str(value)
