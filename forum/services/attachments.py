"""
Files attached to posts: voice notes, photos, documents.

Uploads are judged and converted before any transaction opens (a minute of
audio takes a moment to re-encode, and no row should stay locked meanwhile):
``prepare_files`` turns what the form received into ``Prepared`` files —
the Opus of a voice note (the original recording is never stored), a photo
re-encoded without metadata plus its WebP preview, or a document whose
content passed the allowlist. The post's service then stores them with the
post in its transaction (``store_files``). Bytes written to storage for a
transaction that fails are removed (``discard``); bytes of deleted files are
removed once the deletion is committed (``delete_files``).
"""

import contextlib
import dataclasses
import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import events, limits, media, uploads
from ..models import ModerationAction, Post, PostFile, User
from ..permissions import can_moderate_community, check_edit_post
from ..text import clean_body, clean_line, validate_body
from ._common import log_action

MAX_FILES_PER_POST = 4
TRANSCRIPT_MAX_LENGTH = 10_000
NAME_MAX_LENGTH = 100
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}


@dataclass(frozen=True)
class Prepared:
    """A checked, converted upload, not stored yet."""

    kind: str
    data: bytes
    name: str
    content_type: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    preview: bytes = b""
    preview_width: int | None = None
    preview_height: int | None = None
    digest: str = field(default="")

    @property
    def size(self) -> int:
        return len(self.data)


def clean_file_name(original: str, extension: str, fallback: str) -> str:
    """The uploader's file name, normalised, without folders, with the true extension."""
    name = unicodedata.normalize("NFC", str(original or "")).replace("\\", "/").split("/")[-1]
    stem = clean_line(PurePath(name).stem).strip(". ")[: NAME_MAX_LENGTH - len(extension)]
    return (stem or fallback) + extension


def too_many() -> ValidationError:
    return ValidationError(
        ngettext(
            "%(count)d fichier par message au plus.",
            "%(count)d fichiers par message au plus.",
            MAX_FILES_PER_POST,
        )
        % {"count": MAX_FILES_PER_POST},
        code="too_many_files",
    )


def _too_big() -> ValidationError:
    return ValidationError(
        _("Fichier trop lourd : %(size)s Mo au plus.")
        % {"size": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
        code="too_big",
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prepare_voice(upload) -> Prepared:
    voice = media.convert_voice(upload)
    return Prepared(
        kind=PostFile.Kind.VOICE,
        data=voice.data,
        name=_("note-vocale") + media.EXTENSION,
        content_type=media.CONTENT_TYPE,
        duration=round(voice.duration, 2),
        digest=_digest(voice.data),
    )


def prepare_attachment(upload) -> Prepared:
    """A photo (cleaned, with a preview), a recording (as a voice note) or a document."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        raise _too_big()
    original = getattr(upload, "name", "") or ""
    kind = uploads.check_upload(upload, original)
    if kind.content_type in IMAGE_TYPES:
        picture = media.clean_picture(upload)
        return Prepared(
            kind=PostFile.Kind.IMAGE,
            data=picture.data,
            name=clean_file_name(original, picture.extension, _("photo")),
            content_type=picture.content_type,
            width=picture.width,
            height=picture.height,
            preview=picture.preview,
            preview_width=picture.preview_width,
            preview_height=picture.preview_height,
            digest=_digest(picture.data),
        )
    if kind.content_type.startswith("audio/"):
        # A recording attached as a file is a voice note too: re-encoded, so that no
        # tag (a name, a place, a device) it carries is kept.
        name = clean_file_name(original, media.EXTENSION, _("note-vocale"))
        return dataclasses.replace(prepare_voice(upload), name=name)
    upload.seek(0)
    data = upload.read()
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise _too_big()
    return Prepared(
        kind=PostFile.Kind.DOCUMENT,
        data=data,
        name=clean_file_name(original, kind.extension, _("document")),
        content_type=kind.content_type,
        digest=_digest(data),
    )


def prepare_files(*, voice=None, files: Iterable = (), already: int = 0) -> list[Prepared]:
    """
    Check and convert a post's uploads (``voice``: one recording; ``files``: others).

    Raise ValidationError naming the form field at fault ("voice" or
    "files"), with the file's name, before anything is stored. ``already``
    is how many files the post has (an edit adds to them).
    """
    files = [f for f in files if f]
    if already + len(files) + (1 if voice else 0) > MAX_FILES_PER_POST:
        raise ValidationError({"files": too_many()})
    prepared = []
    if voice:
        try:
            prepared.append(prepare_voice(voice))
        except ValidationError as error:
            raise ValidationError({"voice": error.messages}, code=error.code) from None
    for upload in files:
        try:
            prepared.append(prepare_attachment(upload))
        except ValidationError as error:
            name = clean_line(str(getattr(upload, "name", "") or ""))[:NAME_MAX_LENGTH]
            messages = [f"{name} : {message}" if name else message for message in error.messages]
            raise ValidationError({"files": messages}, code=error.code) from None
    return prepared


def digests(prepared: Iterable[Prepared]) -> list[str]:
    return sorted(item.digest for item in prepared)


def has_voice(prepared: Iterable[Prepared]) -> bool:
    return any(item.kind == PostFile.Kind.VOICE for item in prepared)


def validate_post_body(body: str, *, voice: bool) -> str:
    """A post's text: required, unless a voice note says it (then it may be empty)."""
    if voice and not clean_body(body):
        return ""
    return validate_body(body)


def store_files(*, post: Post, author: User, prepared: list[Prepared], written: list[str]) -> None:
    """Save ``prepared`` as the files of ``post`` (inside the post's transaction).

    Each stored name is appended to ``written`` as soon as its bytes are on
    disk, so that the caller can remove them if the transaction fails.
    """
    for item in prepared:
        limits.hit("upload", user=author)
        attached = PostFile(
            post=post,
            kind=item.kind,
            name=item.name,
            content_type=item.content_type,
            size=item.size,
            digest=item.digest,
            duration=item.duration,
            width=item.width,
            height=item.height,
            preview_width=item.preview_width,
            preview_height=item.preview_height,
            preview_size=len(item.preview) or None,
        )
        attached.file.save(item.name, ContentFile(item.data), save=False)
        written.append(attached.file.name)
        if item.preview:
            attached.preview.save("apercu.webp", ContentFile(item.preview), save=False)
            written.append(attached.preview.name)
        attached.save()


def discard(written: list[str]) -> None:
    """Remove bytes stored for a transaction that did not commit."""
    for name in written:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def _delete_stored(names: list[str]) -> None:
    for name in names:
        if not name:
            continue
        with contextlib.suppress(OSError):  # a file already gone
            default_storage.delete(name)


def delete_files(files: Iterable[PostFile]) -> None:
    """Delete ``files``: their rows now, their bytes once the transaction commits."""
    files = list(files)
    names = [name for f in files for name in (f.file.name, f.preview.name) if name]
    PostFile.objects.filter(pk__in=[f.pk for f in files]).delete()
    if names:
        transaction.on_commit(lambda: _delete_stored(names))


def remove_files(*, post: Post, ids: Iterable[int]) -> list[str]:
    """Remove some of ``post``'s files (an edit); return their names for the history."""
    wanted = {int(pk) for pk in ids}
    if not wanted:
        return []
    chosen = [f for f in post.files.all() if f.pk in wanted]
    delete_files(chosen)
    return [f.name for f in chosen]


# Transcripts ---------------------------------------------------------------------------------


def clean_transcript(text: str) -> str:
    transcript = clean_body(text)
    if len(transcript) > TRANSCRIPT_MAX_LENGTH:
        raise ValidationError(
            {
                "transcript": _("La transcription fait %(length)d caractères ; %(max)d au plus.")
                % {"length": len(transcript), "max": TRANSCRIPT_MAX_LENGTH}
            },
            code="max_length",
        )
    return transcript


@transaction.atomic
def set_transcript(*, editor: User, attached: PostFile, text: str) -> PostFile:
    """Write (or clear) the transcript of a voice note: its author or a moderator."""
    post = (
        Post.objects.select_for_update()
        .select_related("thread__community")
        .get(pk=attached.post_id)
    )
    check_edit_post(editor, post)
    attached = PostFile.objects.select_for_update().get(pk=attached.pk, post=post)
    if not attached.is_voice:
        raise ValidationError(
            {"transcript": _("Seule une note vocale a une transcription.")}, code="not_voice"
        )
    transcript = clean_transcript(text)
    if transcript == attached.transcript:
        return attached
    old = attached.transcript
    attached.transcript = transcript
    attached.save(update_fields=["transcript"])
    community = post.thread.community
    if post.author_id != editor.pk and can_moderate_community(editor, community):
        log_action(
            actor=editor,
            community=community,
            kind=ModerationAction.Kind.EDIT_POST,
            thread=post.thread,
            post=post,
            target_user=post.author,
            details={"changes": [{"field": _("transcription"), "old": old, "new": transcript}]},
        )
    events.emit(
        events.PostEdited(post_id=post.pk, thread_id=post.thread_id, community_id=community.pk)
    )
    return attached
