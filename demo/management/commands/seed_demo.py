"""
Fill the database with French demo content: ``python manage.py seed_demo``.

Idempotent: organisations, members, communities and memberships are keyed on
slugs and usernames and brought back to their demo state; a thread is keyed
on its title within its community and written only if it is missing. Threads
and posts go through ``forum.services`` (sanitised bodies, counters, events);
their timestamps are then moved back over the last four months so that the
lists look lived-in.
"""

import random
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo import content
from forum import limits, services
from forum.models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Notification,
    Organisation,
    Post,
    PostRevision,
    Region,
    Thread,
    User,
)
from forum.search import rebuild_index
from forum.text import parse_tags
from rooms import services as room_services
from rooms.models import Message

# Communities and members "exist" from this many days ago, before the oldest thread.
HISTORY_DAYS = 150


class Command(BaseCommand):
    help = (
        "Remplit la base avec des données de démonstration en français "
        "(organisations, membres, communautés, discussions). Peut être relancée sans "
        "créer de doublons."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Autoriser l'exécution quand DEBUG est désactivé "
            "(réinitialise les comptes de démo).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            # Demo accounts get a published password: never create them by accident.
            raise CommandError(
                "DEBUG est désactivé : seed_demo crée des comptes au mot de passe public. "
                "Relancez avec --allow-production si c'est bien voulu."
            )
        self.verbosity = options["verbosity"]
        self.now = timezone.now()
        # The operator's bulk writes: abuse limits and the duplicate guard stay out.
        with transaction.atomic(), limits.suspended():
            regions = self.load_regions()
            organisations = self.seed_organisations(regions)
            users = self.seed_users(regions, organisations)
            communities = self.seed_communities(regions)
            self.seed_memberships(communities, users)
            self.seed_threads(communities, users)
            self.seed_join_request(communities, users)
            self.seed_salons(communities, users)
            self.seed_follows(communities, users)
            invitation = self.seed_invitation(communities, users)
        # The demo back-dates what it wrote (plain updates, no events): the search index is
        # rebuilt from the rows as they now stand, so dates and snippets match the pages.
        search_entries = rebuild_index()
        self.step(f"Index de recherche : {search_entries} entrées.")
        self.print_summary()
        self.print_logins(invitation)

    # Output ---------------------------------------------------------------------------

    def step(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def print_summary(self) -> None:
        self.step(
            self.style.SUCCESS(
                f"Base prête : {Region.objects.count()} régions, "
                f"{Organisation.objects.count()} organisations, {User.objects.count()} "
                f"comptes, {Community.objects.count()} communautés, "
                f"{Thread.objects.count()} discussions, {Post.objects.count()} messages."
            )
        )

    def print_logins(self, invitation: Invitation | None) -> None:
        if self.verbosity < 1:
            return
        write = self.stdout.write
        site_url = settings.SITE_URL
        write("")
        write(self.style.MIGRATE_HEADING("Comptes de démonstration"))
        write(f"  Mot de passe pour tous les comptes : {content.DEMO_PASSWORD}")
        for username, role in content.DEMO_LOGINS:
            write(f"  {username:<11} / {content.DEMO_PASSWORD}  — {role}")
        others = [u["username"] for u in content.USERS]
        others = [name for name in others if name not in dict(content.DEMO_LOGINS)]
        write(f"  Autres comptes (même mot de passe) : {', '.join(others)}")
        if invitation is not None:
            write(
                f"  Lien d'invitation vers « {invitation.community.name} » : "
                f"{site_url}{invitation.get_absolute_url()}"
            )
        write("")
        write(self.style.SUCCESS(f"Ouvrez {site_url}/."))

    # Reference data ------------------------------------------------------------------

    def load_regions(self) -> dict[str, Region]:
        regions = {region.slug: region for region in Region.objects.all()}
        needed = {
            slug for item in content.ORGANISATIONS + content.COMMUNITIES for slug in item["regions"]
        } | {user["region"] for user in content.USERS}
        missing = sorted(needed - regions.keys())
        if missing:
            raise CommandError(
                f"Régions manquantes : {', '.join(missing)}. Lancez d'abord « manage.py migrate »."
            )
        self.step(f"Régions… {len(regions)}")
        return regions

    def seed_organisations(self, regions: dict[str, Region]) -> dict[str, Organisation]:
        organisations = {}
        for spec in content.ORGANISATIONS:
            organisation, _created = Organisation.objects.update_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "acronym": spec["acronym"],
                    "kind": spec["kind"],
                    "city": spec["city"],
                    "description": spec["description"],
                    "description_html": services.render_description(spec["description"]),
                    "contact_email": f"{spec['slug']}@example.org",
                    "website": f"https://example.org/{spec['slug']}",
                },
            )
            organisation.regions.set([regions[slug] for slug in spec["regions"]])
            # Same normalisation as thread tags, so a domain and a tag share one Tag row.
            organisation.domains.set(parse_tags(spec["domains"]))
            organisations[spec["slug"]] = organisation
        self.step(f"Organisations… {len(organisations)}")
        return organisations

    def seed_users(
        self, regions: dict[str, Region], organisations: dict[str, Organisation]
    ) -> dict[str, User]:
        users = {}
        joined = self.now - timedelta(days=HISTORY_DAYS + 5)
        for index, spec in enumerate(content.USERS):
            staff = spec.get("staff", False)
            fields = {
                "display_name": spec["display_name"],
                "first_name": spec["first_name"],
                "last_name": spec["last_name"],
                "email": f"{spec['username']}@example.org",
                "region": regions[spec["region"]],
                "organisation": organisations.get(spec["organisation"] or ""),
                "preferred_language": spec.get("language", User.Language.FR),
                "bio": spec["bio"],
                "is_staff": staff,
                "is_superuser": staff,
                "is_active": True,
            }
            user, _created = User.objects.update_or_create(
                username=spec["username"],
                defaults=fields,
                create_defaults={**fields, "date_joined": joined + timedelta(hours=7 * index)},
            )
            users[spec["username"]] = user
        # PBKDF2 is slow on purpose; the demo password is public, so one hash
        # serves every demo account and keeps the command fast.
        password = make_password(content.DEMO_PASSWORD)
        User.objects.filter(pk__in=[user.pk for user in users.values()]).update(password=password)
        self.step(f"Membres… {len(users)}")
        return users

    def seed_communities(self, regions: dict[str, Region]) -> dict[str, Community]:
        communities = {}
        created_at = self.now - timedelta(days=HISTORY_DAYS)
        for index, spec in enumerate(content.COMMUNITIES):
            fields = {
                "name": spec["name"],
                "summary": spec["summary"],
                "description": spec["description"],
                "description_html": services.render_description(spec["description"]),
                "visibility": spec["visibility"],
            }
            community, _created = Community.objects.update_or_create(
                slug=spec["slug"],
                defaults=fields,
                create_defaults={**fields, "created_at": created_at + timedelta(days=index)},
            )
            community.regions.set([regions[slug] for slug in spec["regions"]])
            communities[spec["slug"]] = community
        private = sum(1 for c in communities.values() if c.is_private)
        self.step(f"Communautés… {len(communities)} (dont {private} privée)")
        return communities

    def seed_memberships(self, communities: dict[str, Community], users: dict[str, User]) -> None:
        moderators = members = 0
        for spec in content.COMMUNITIES:
            community = communities[spec["slug"]]
            roles = [(name, Membership.Role.MODERATOR) for name in spec["moderators"]]
            roles += [(name, Membership.Role.MEMBER) for name in spec["members"]]
            for index, (username, role) in enumerate(roles):
                joined_at = community.created_at + timedelta(days=index % 20, hours=index)
                Membership.objects.update_or_create(
                    community=community,
                    user=users[username],
                    defaults={"role": role},
                    create_defaults={"role": role, "joined_at": joined_at},
                )
                if role == Membership.Role.MODERATOR:
                    moderators += 1
                else:
                    members += 1
        self.step(f"Adhésions… {moderators + members} (dont {moderators} modération)")

    # Threads ----------------------------------------------------------------------------

    def seed_threads(self, communities: dict[str, Community], users: dict[str, User]) -> None:
        existing = set(
            Thread.objects.filter(community__in=communities.values()).values_list(
                "community__slug", "title"
            )
        )
        missing = [
            spec for spec in content.THREADS if (spec["community"], spec["title"]) not in existing
        ]
        total = len(content.THREADS)
        if not missing:
            self.step(
                f"Discussions… {total}/{total} : les données de démonstration sont déjà "
                "présentes, rien à ajouter."
            )
            return
        done = total - len(missing)
        posts = 0
        for spec in sorted(missing, key=lambda spec: spec["community"]):
            community = communities[spec["community"]]
            moderator = self.moderator_for(spec, community, users)
            posts += self.write_thread(spec, community, moderator, users)
            done += 1
            if done % 5 == 0 or done == total:
                self.step(f"Discussions {done}/{total}… ({posts} messages écrits)")

    def moderator_for(
        self, spec: dict[str, Any], community: Community, users: dict[str, User]
    ) -> User:
        """Return who pins, locks and hides in this thread: its author if they moderate."""
        community_spec = next(c for c in content.COMMUNITIES if c["slug"] == community.slug)
        if spec["author"] in community_spec["moderators"]:
            return users[spec["author"]]
        return users[community_spec["moderators"][0]]

    def write_thread(
        self,
        spec: dict[str, Any],
        community: Community,
        moderator: User,
        users: dict[str, User],
    ) -> int:
        """Write one thread and its reply tree through the services; return its post count."""
        thread = services.create_thread(
            author=users[spec["author"]],
            community=community,
            title=spec["title"],
            body=spec["body"],
            tags=spec["tags"],
        )
        posts = [Post.objects.get(thread=thread, parent__isnull=True)]
        # (post, moderator's hiding reason, (editor, new body)) applied once dates are set.
        follow_ups: list[tuple[Post, str | None, tuple[str, str] | None]] = []
        if spec.get("edit"):
            follow_ups.append((posts[0], None, spec["edit"]))

        def write_replies(parent: Post | None, replies: list[dict[str, Any]]) -> None:
            for item in replies:
                post = services.create_post(
                    author=users[item["author"]], thread=thread, parent=parent, body=item["body"]
                )
                posts.append(post)
                if item["hide"] or item["edit"]:
                    follow_ups.append((post, item["hide"], item["edit"]))
                write_replies(post, item["replies"])

        # None: a reply to the thread itself, as the reply form at the bottom does.
        write_replies(None, spec["replies"])

        times = self.timeline(spec, len(posts))
        for post, created_at in zip(posts, times, strict=True):
            post.created_at = created_at
        Post.objects.bulk_update(posts, ["created_at"])
        # create_post already left last_poster on the newest post's author.
        Thread.objects.filter(pk=thread.pk).update(created_at=times[0], last_activity_at=times[-1])

        for post, reason, edit in follow_ups:
            if reason:
                self.hide(post, moderator, reason)
            if edit:
                editor, body = edit
                self.edit(post, users[editor], body)
        if spec.get("pinned"):
            services.set_thread_pinned(moderator=moderator, thread=thread, pinned=True)
            self.date_actions(thread, ModerationAction.Kind.PIN, times[0] + timedelta(minutes=10))
        if spec.get("locked"):
            services.set_thread_locked(
                moderator=moderator, thread=thread, locked=True, reason=spec["locked"]
            )
            self.date_actions(thread, ModerationAction.Kind.LOCK, times[-1] + timedelta(minutes=15))
        return len(posts)

    def timeline(self, spec: dict[str, Any], count: int) -> list[datetime]:
        """
        Date ``count`` posts from ``days_ago``, a few hours apart, none at night.

        The random generator is seeded with the title, so a thread gets the
        same rhythm on every database.
        """
        rng = random.Random(spec["title"])
        local_now = timezone.localtime(self.now)
        start = (local_now - timedelta(days=spec["days_ago"])).replace(
            hour=rng.randint(8, 11), minute=rng.randint(0, 59), second=0, microsecond=0
        )
        limit = local_now - timedelta(minutes=20)
        # A thread dated today may have drawn an hour that is still to come.
        start = min(start, limit - timedelta(hours=count))
        low, high = spec.get("gap_hours", (1, 20))
        gaps = [rng.uniform(low, high) for _ in range(count - 1)]
        # Shrink the gaps of a thread that would run into the future.
        for _attempt in range(8):
            times = [start]
            for hours in gaps:
                moment = times[-1] + timedelta(hours=hours)
                if moment.hour < 7:
                    moment = moment.replace(hour=7) + timedelta(minutes=rng.randint(0, 90))
                times.append(moment)
            if times[-1] <= limit:
                return times
            gaps = [hours / 2 for hours in gaps]
        # Still too long (a thread started a few hours ago): spread evenly up to now.
        step = (limit - start) / max(count, 1)
        return [start + step * index for index in range(count)]

    def cap(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(minutes=1))

    def hide(self, post: Post, moderator: User, reason: str) -> None:
        services.hide_post(moderator=moderator, post=post, reason=reason)
        hidden_at = self.cap(post.created_at + timedelta(minutes=30))
        Post.objects.filter(pk=post.pk).update(hidden_at=hidden_at)
        ModerationAction.objects.filter(post=post, kind=ModerationAction.Kind.HIDE_POST).update(
            created_at=hidden_at
        )

    def edit(self, post: Post, editor: User, body: str) -> None:
        services.edit_post(editor=editor, post=post, body=body)
        edited_at = self.cap(post.created_at + timedelta(hours=2))
        Post.objects.filter(pk=post.pk).update(edited_at=edited_at)
        PostRevision.objects.filter(post=post).update(replaced_at=edited_at)
        ModerationAction.objects.filter(post=post, kind=ModerationAction.Kind.EDIT_POST).update(
            created_at=edited_at
        )

    def date_actions(self, thread: Thread, kind: str, moment: datetime) -> None:
        ModerationAction.objects.filter(thread=thread, kind=kind).update(
            created_at=self.cap(moment)
        )

    # Membership requests and invitations ------------------------------------------------

    def seed_salons(self, communities: dict[str, Community], users: dict[str, User]) -> None:
        written = 0
        for slug, lines in content.SALONS.items():
            room = room_services.ensure_salon(communities[slug])
            if room.messages.exists():
                continue
            for username, minutes, text in lines:
                message, _created = room_services.send_message(
                    author=users[username], room=room, body=text
                )
                # Dated back, which also keeps the per-user rate limit out of the way.
                Message.objects.filter(pk=message.pk).update(
                    created_at=self.now - timedelta(minutes=minutes)
                )
                written += 1
        self.step(f"Salons… {written} messages écrits" if written else "Salons… déjà remplis")

    def seed_follows(self, communities: dict[str, Community], users: dict[str, User]) -> None:
        for username, slugs in content.FOLLOWS.items():
            for slug in slugs:
                services.follow_community(user=users[username], community=communities[slug])
        chosen = 0
        for username, follows in content.THREAD_FOLLOWS.items():
            for slug, title, level in follows:
                thread = Thread.objects.filter(community=communities[slug], title=title).first()
                if thread is None:
                    raise CommandError(f"Discussion introuvable pour {username} : « {title} ».")
                services.set_thread_follow(user=users[username], thread=thread, level=level)
                chosen += 1
        # Replies written while seeding notified their authors; only the last
        # two days' stay unread, as for someone who reads the forum now and then.
        Notification.objects.filter(
            read_at__isnull=True, created_at__lt=self.now - timedelta(days=2)
        ).update(read_at=self.now)
        for user in users.values():
            unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
            User.objects.filter(pk=user.pk).update(unread_notifications=unread)
        self.step(
            f"Abonnements et notifications… {chosen} niveaux choisis, "
            f"{Notification.objects.count()} notifications"
        )

    def seed_join_request(self, communities: dict[str, Community], users: dict[str, User]) -> None:
        spec = content.JOIN_REQUEST
        user, community = users[spec["username"]], communities[spec["community"]]
        # Any earlier request counts, even one a moderator has since answered.
        if (
            Membership.objects.filter(user=user, community=community).exists()
            or JoinRequest.objects.filter(user=user, community=community).exists()
        ):
            self.step("Demande d'adhésion… déjà présente")
            return
        request = services.request_to_join(user=user, community=community, message=spec["message"])
        JoinRequest.objects.filter(pk=request.pk).update(created_at=self.now - timedelta(days=2))
        self.step(f"Demande d'adhésion… 1 en attente ({community.name})")

    def seed_invitation(
        self, communities: dict[str, Community], users: dict[str, User]
    ) -> Invitation | None:
        spec = content.INVITATION
        community, moderator = communities[spec["community"]], users[spec["moderator"]]
        invitations = Invitation.objects.filter(community=community, created_by=moderator)
        if invitations.exists():
            self.step("Invitation… déjà présente")
            usable = [invitation for invitation in invitations if invitation.is_usable(self.now)]
            return usable[0] if usable else None
        invitation = services.create_invitation(
            moderator=moderator, community=community, days=spec["days"], max_uses=10
        )
        self.step(f"Invitation… 1 ({community.name})")
        return invitation
