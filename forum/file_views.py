"""
The files of posts: served only through these views, each checked like its post.

Who may not read a post's content (a private CoP's outsider, a member removed
since, anyone but moderators and its author for a hidden post, anyone for a
deleted one) gets the 404 of a file that does not exist. Checked at each
request, never cached for later: ``Cache-Control: private, no-store`` on
every answer, so a shared phone keeps no copy either.

- The original (a document, a cleaned photo, a voice note's Opus) goes out
  as an attachment with ``nosniff`` and ``Content-Security-Policy: sandbox``
  (``forum.uploads.protect_download``) and HTTP ranges (a player seeks, a
  dropped download resumes).
- A photo's preview is ``inline``, for ``<img>``: it is a WebP the server
  wrote itself from decoded pixels, so it can hold nothing a browser would
  run; it carries the same protective headers.
"""

import os

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from . import media, selectors, services
from . import permissions as perms
from .forms import TranscriptForm
from .uploads import protect_download
from .views import add_service_errors, render_invalid


def _open(stored):
    try:
        return stored.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None  # lost from storage: as if it never was


def _source(stored):
    """A path when the storage has one (opened only if the range is satisfiable)."""
    if not isinstance(stored.storage, FileSystemStorage):  # no local path
        return _open(stored)
    path = stored.path
    if not os.path.isfile(path):
        raise Http404
    return path


@require_GET
def post_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    attached = selectors.access_post_file(request.user, pk, file_id)
    return media.ranged_response(
        request,
        _source(attached.file),
        size=attached.size,
        content_type=attached.content_type,
        filename=attached.name,
    )


@require_GET
def post_file_preview(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    attached = selectors.access_post_file(request.user, pk, file_id)
    if not attached.preview:
        raise Http404
    response = FileResponse(_open(attached.preview), content_type=media.PREVIEW_TYPE)
    response["Content-Disposition"] = content_disposition_header(False, "apercu.webp")
    return protect_download(response)


@login_required
@require_http_methods(["GET", "POST"])
def post_file_transcript(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """A voice note's written transcript, by its author or a moderator."""
    attached = selectors.access_post_file(request.user, pk, file_id)
    post = attached.post
    perms.check_edit_post(request.user, post)
    if not attached.is_voice:
        raise Http404
    form = TranscriptForm(request.POST or None, initial={"transcript": attached.transcript})
    context = {
        "post": post,
        "attached": attached,
        "thread": post.thread,
        "community": post.thread.community,
        "form": form,
    }
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_transcript(
                    editor=request.user, attached=attached, text=form.cleaned_data["transcript"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(post)
        return render_invalid(request, "forum/post_file_transcript.html", context)
    return render(request, "forum/post_file_transcript.html", context)
