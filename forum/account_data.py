"""
A member's own data: what the "my data" download holds, and what deleting an account wipes.

Each app declares, once, its part of a member's data (a ``Section``): the
forum here, rooms and webinars from their ``AppConfig.ready()`` (the forum
does not import them). The download is built from every section; account
deletion (``forum.services.account_data.delete_account``) calls every
section's ``erase`` in its one transaction.

A section only ever reads rows that the member wrote or that are about the
member; it names other people by their display name, never by their e-mail
address or phone number.
"""

import json
import tempfile
import zipfile
from collections.abc import Iterable

from django.core.files import File
from django.utils import timezone

from .data_sections import Section, register, sections
from .frames import iso_time
from .models import (
    Community,
    CommunityFollow,
    DigestEmail,
    EmailPreference,
    JoinRequest,
    Membership,
    NotificationEmail,
    Post,
    PostFile,
    Thread,
    ThreadFollow,
    User,
)
from .selectors import visible_communities_q
from .services.account_data import erase_forum_data

__all__ = ["Section", "build_export", "register", "sections"]


# The forum's own part ------------------------------------------------------------------


def _profile(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "bio": user.bio,
        "region": user.region.name if user.region else None,
        "organisation": user.organisation.name if user.organisation else None,
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
        "show_organisation": user.show_organisation,
        "show_region": user.show_region,
        "show_activity": user.show_activity,
        "date_joined": iso_time(user.date_joined),
        "last_login": iso_time(user.last_login),
    }


def _memberships(user: User) -> dict:
    return {
        "memberships": [
            {"community": m.community.name, "role": m.role, "joined_at": iso_time(m.joined_at)}
            for m in Membership.objects.filter(user=user).select_related("community")
        ],
        "join_requests": [
            {
                "community": r.community.name,
                "message": r.message,
                "status": r.status,
                "created_at": iso_time(r.created_at),
            }
            for r in JoinRequest.objects.filter(user=user).select_related("community")
        ],
        "follows": [
            f.community.name
            for f in CommunityFollow.objects.filter(user=user).select_related("community")
        ],
    }


def _visible_community_ids(user: User) -> set[int]:
    return set(Community.objects.filter(visible_communities_q(user)).values_list("pk", flat=True))


def _threads_and_posts(user: User) -> dict:
    # What the member wrote is theirs; the title of someone else's thread is
    # given only while the member may still see it.
    visible = _visible_community_ids(user)
    threads = [
        {
            "id": t.pk,
            "title": t.title,
            "community": t.community.name if t.community_id in visible else None,
            "created_at": iso_time(t.created_at),
        }
        for t in Thread.objects.filter(author=user).select_related("community").order_by("pk")
    ]
    posts = []
    for post in (
        Post.objects.filter(author=user)
        .select_related("thread__community")
        .prefetch_related("files")
        .order_by("pk")
    ):
        seen = post.thread.community_id in visible or post.thread.author_id == user.pk
        posts.append(
            {
                "id": post.pk,
                "thread_id": post.thread_id,
                "thread_title": post.thread.title if seen else None,
                "created_at": iso_time(post.created_at),
                "edited_at": iso_time(post.edited_at),
                "deleted": post.deleted_at is not None,
                "hidden_by_moderation": post.hidden_at is not None,
                "body": post.body,
                "files": [
                    {
                        "name": f.name,
                        "kind": f.kind,
                        "content_type": f.content_type,
                        "size": f.size,
                        "duration": f.duration,
                        "transcript": f.transcript,
                        "uploaded_at": iso_time(f.uploaded_at),
                        "in_export": f"fichiers/messages/{post.pk}/{f.pk}-{f.name}",
                    }
                    for f in post.files.all()
                ],
            }
        )
    return {"threads": threads, "posts": posts}


def _post_files(user: User) -> Iterable[tuple[str, File]]:
    """The files attached to the member's posts, as stored (voice notes as their Opus)."""
    for attached in PostFile.objects.filter(post__author=user).order_by("pk"):
        yield f"messages/{attached.post_id}/{attached.pk}-{attached.name}", attached.file


def _notifications(user: User) -> list:
    from .selectors import list_notifications

    return [
        {
            "kind": n.kind,
            "created_at": iso_time(n.created_at),
            "read_at": iso_time(n.read_at),
            "from": n.actor.display_name if n.actor else None,
            "thread": n.thread.title if n.thread else None,
            "subject": n.subject,
            "url": n.url,
        }
        for n in list_notifications(user)
    ]


def _follows(user: User) -> dict:
    # A thread's title or a CoP's name is given only while the member may still see it.
    visible = _visible_community_ids(user)
    return {
        "threads": [
            {
                "thread_id": f.thread_id,
                "title": f.thread.title if f.thread.community_id in visible else None,
                "level": f.level,
                "chosen_by_me": f.chosen,
                "since": iso_time(f.created_at),
            }
            for f in ThreadFollow.objects.filter(user=user).select_related("thread").order_by("pk")
        ],
        "communities": [
            {
                "community": f.community.name if f.community_id in visible else None,
                "level": f.level,
                "since": iso_time(f.created_at),
            }
            for f in CommunityFollow.objects.filter(user=user)
            .select_related("community")
            .order_by("pk")
        ],
    }


def _erase_forum(user: User, erase_content: bool) -> None:
    erase_forum_data(user, erase_content=erase_content)


def _emails(user: User) -> dict:
    preference = EmailPreference.objects.filter(user=user).first()
    return {
        # The unsubscribe link's token stays out: it is a key, not something she wrote.
        "frequency": preference.frequency if preference else EmailPreference.Frequency.NEVER,
        "chosen_at": iso_time(preference.changed_at) if preference else None,
        "notification_emails": [
            {"notification_created_at": iso_time(created_at), "sent_at": iso_time(claimed_at)}
            for created_at, claimed_at in NotificationEmail.objects.filter(
                notification__recipient=user, emailed=True
            )
            .order_by("claimed_at")
            .values_list("notification__created_at", "claimed_at")
        ],
        "digests": [
            {"kind": kind, "period_end": iso_time(end), "notifications": count}
            for kind, end, count in DigestEmail.objects.filter(user=user, emailed=True)
            .order_by("period_end")
            .values_list("kind", "period_end", "notification_count")
        ],
    }


def _erase_emails(user: User, erase_content: bool) -> None:
    EmailPreference.objects.filter(user=user).delete()
    DigestEmail.objects.filter(user=user).delete()


register(Section(name="profile", export=_profile))
register(Section(name="communities", export=_memberships))
register(Section(name="forum", export=_threads_and_posts, files=_post_files, erase=_erase_forum))
register(Section(name="notifications", export=_notifications))
register(Section(name="emails", export=_emails, erase=_erase_emails))
# Erased with the forum's part (erase_forum_data).
register(Section(name="follows", export=_follows))


# The download ------------------------------------------------------------------------


def build_export(user: User) -> tempfile.SpooledTemporaryFile:
    """
    Write the member's data to a ZIP in a temporary file and return it, rewound.

    ``data.json`` holds every section; ``fichiers/`` the files they uploaded.
    Nothing is written to the database. Up to 4 MB stays in memory.
    """
    data = {
        "site": "Jɛkafɔ",
        "exported_at": iso_time(timezone.now()),
        **{section.name: section.export(user) for section in sections()},
    }
    archive = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (returned open)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zip_file:
        zip_file.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
        )
        names: set[str] = set()
        for section in sections():
            for path, stored in section.files(user) if section.files else ():
                path = f"fichiers/{path}"
                while path in names:
                    path = path.replace("fichiers/", "fichiers/_", 1)
                names.add(path)
                try:
                    stored.open("rb")
                except (FileNotFoundError, OSError):
                    continue  # a file lost from storage: the JSON still names it
                with stored, zip_file.open(path, "w") as target:
                    for chunk in stored.chunks():
                        target.write(chunk)
    archive.seek(0)
    return archive
