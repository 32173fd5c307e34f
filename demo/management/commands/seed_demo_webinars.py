"""
Add demo webinars to the forum's demo data: ``python manage.py seed_demo_webinars``.

Run after ``seed_demo``. Writes the semesterly series "Webinaire inter-régions
Ségou–Kayes" with a past session (registrations, its live room's chat,
questions, polls and raised hands, attendance, minutes and decisions) and the
next one, a one-off session in another CoP, and a one-off session that is
live now in the series' CoP (see ``demo.live``).

Idempotent: the series is keyed on its title within its CoP, the one-off
sessions on their titles within their CoPs; what exists is left as it is,
except the live session, written again when it is over or nearly so, so
that every run leaves exactly one session in progress.

Sessions, registrations to upcoming sessions, minutes, decisions and their
follow-up thread go through the services, then get dated back. The services
refuse to write in a room whose session has ended, so the past room's rows
(chat, questions, polls, hands: ``demo.past``) and attendance are written
directly.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from demo import live
from demo import webinars as content
from demo.content import DEMO_PASSWORD
from demo.past import PastRoom
from forum import limits
from forum import services as forum_services
from forum.models import (
    Community,
    Membership,
    Notification,
    Organisation,
    Post,
    Region,
    Thread,
    User,
)
from forum.search import rebuild_index
from rooms.models import Room, RoomConnection
from webinars import services
from webinars.models import (
    Decision,
    Registration,
    Series,
    Session,
    SessionDocument,
)
from webinars.services import report

TIME_ZONE = "Africa/Bamako"
# The past session took place about four months ago, so that the semesterly
# rule puts the next one about two months ahead.
PAST_DAYS = 120
SESSION_HOUR = 9


class Command(BaseCommand):
    help = (
        "Ajoute des webinaires de démonstration (série semestrielle Ségou–Kayes, une "
        "séance passée avec son bilan, les séances à venir, une séance en direct). À lancer "
        "après seed_demo ; peut être relancée sans créer de doublons."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Autoriser l'exécution quand DEBUG est désactivé.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG est désactivé : seed_demo_webinars écrit des données de démonstration. "
                "Relancez avec --allow-production si c'est bien voulu."
            )
        self.verbosity = options["verbosity"]
        self.now = timezone.now()
        # The operator's bulk writes: abuse limits and the duplicate guard stay out.
        with transaction.atomic(), limits.suspended():
            communities = self.load_communities()
            users = self.load_users(communities)
            series = self.seed_series(communities[content.SERIES_COMMUNITY], users)
            one_off = self.seed_one_off(communities[content.ONE_OFF["community"]], users)
            live_session = self.seed_live_session(
                communities[content.LIVE_SESSION["community"]], users
            )
        rebuild_index()  # minutes and decisions back-dated by the demo, found as they stand
        self.print_summary(series, one_off, live_session)

    def step(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    # People and places ---------------------------------------------------------------

    def load_communities(self) -> dict[str, Community]:
        slugs = {
            content.SERIES_COMMUNITY,
            content.ONE_OFF["community"],
            content.LIVE_SESSION["community"],
        }
        communities = {c.slug: c for c in Community.objects.filter(slug__in=slugs)}
        if len(communities) != len(slugs):
            raise CommandError(
                "Communautés de démonstration absentes : lancez d'abord « manage.py seed_demo »."
            )
        return communities

    def load_users(self, communities: dict[str, Community]) -> dict[str, User]:
        """Return the demo members by username, adding the webinars' participants if missing."""
        community = communities[content.SERIES_COMMUNITY]
        names = {spec["username"] for spec in content.PARTICIPANTS}
        existing = {u.username: u for u in User.objects.filter(username__in=names)}
        missing = [spec for spec in content.PARTICIPANTS if spec["username"] not in existing]
        if missing:
            regions = {r.slug: r for r in Region.objects.all()}
            organisations = {o.slug: o for o in Organisation.objects.all()}
            # One hash for all, as seed_demo does: the demo password is public.
            password = make_password(DEMO_PASSWORD)
            joined = community.created_at + timedelta(days=3)
            for index, spec in enumerate(missing):
                user = User.objects.create(
                    username=spec["username"],
                    display_name=spec["display_name"],
                    first_name=spec["first_name"],
                    last_name=spec["last_name"],
                    email=f"{spec['username']}@example.org",
                    region=regions[spec["region"]],
                    organisation=organisations.get(spec["organisation"] or ""),
                    bio=spec["bio"],
                    password=password,
                    date_joined=joined + timedelta(hours=5 * index),
                )
                Membership.objects.get_or_create(
                    community=community,
                    user=user,
                    defaults={
                        "role": Membership.Role.MEMBER,
                        "joined_at": joined + timedelta(days=1, hours=5 * index),
                    },
                )
            self.step(f"Participant·es des webinaires… {len(missing)} comptes ajoutés")
        users = {u.username: u for u in User.objects.select_related("region", "organisation")}
        authors = {content.SERIES_AUTHOR, content.ONE_OFF["author"], content.LIVE_SESSION["author"]}
        if not authors <= users.keys():
            raise CommandError(
                "Comptes de démonstration absents : lancez d'abord « manage.py seed_demo »."
            )
        return users

    # The semesterly series -----------------------------------------------------------

    def seed_series(self, community: Community, users: dict[str, User]) -> Series:
        spec = content.SERIES
        series = Series.objects.filter(community=community, title=spec["title"]).first()
        if series is not None:
            self.step(f"Série « {series.title} »… déjà présente")
            return series
        author = users[content.SERIES_AUTHOR]
        first_start = self.first_start()
        series = services.create_series(
            author=author,
            community=community,
            title=spec["title"],
            first_start=first_start,
            rrule="FREQ=MONTHLY;INTERVAL=6",
            time_zone=TIME_ZONE,
            duration=spec["duration"],
            regions=list(Region.objects.filter(slug__in=spec["regions"])),
            description=spec["description"],
            capacity=spec["capacity"],
            video_url=spec["video_url"],
        )
        sessions = list(series.sessions.order_by("starts_at"))
        past, upcoming = sessions[0], sessions[1]
        if not past.ends_at < self.now < upcoming.starts_at:
            raise CommandError("La règle semestrielle ne donne pas une séance passée puis à venir.")
        # Planned a month before the first session, as a moderator would.
        planned = first_start - timedelta(days=30)
        Series.objects.filter(pk=series.pk).update(created_at=planned)
        Session.objects.filter(series=series).update(created_at=planned)
        Room.objects.filter(session__series=series).update(created_at=planned)

        self.write_past_session(past, users)
        self.write_upcoming_session(upcoming, users)
        self.step(
            f"Série « {series.title} »… {len(sessions)} séances, dont une passée "
            f"({past.registrations.count()} inscriptions, {past.questions.count()} questions, "
            f"{past.polls.count()} sondages)"
        )
        return series

    def first_start(self) -> datetime:
        """
        Return 09:00 (Bamako) on a day about four months ago.

        The day is at most the 28th, so that every month of the rule has it,
        and both it and the same day six months later fall on a weekday.
        """
        zone = ZoneInfo(TIME_ZONE)
        day = timezone.localtime(self.now, zone).date() - timedelta(days=PAST_DAYS)
        for back in range(40):
            candidate: date = day - timedelta(days=back)
            following = candidate + relativedelta(months=6)
            if candidate.day <= 28 and candidate.weekday() < 5 and following.weekday() < 5:
                break
        return datetime.combine(candidate, time(SESSION_HOUR), tzinfo=zone)

    def write_past_session(self, session: Session, users: dict[str, User]) -> None:
        spec = content.PAST_SESSION
        moderator = users[content.SERIES_AUTHOR]
        session = services.edit_session(
            editor=moderator,
            session=session,
            theme=spec["theme"],
            agenda=spec["agenda"],
            speakers=spec["speakers"],
            recording_url=spec["recording_url"],
        )
        for title, url in spec["documents"]:
            document = services.add_document(
                author=moderator, session=session, title=title, url=url
            )
            SessionDocument.objects.filter(pk=document.pk).update(
                added_at=session.starts_at - timedelta(days=2)
            )
        # Registration is closed once a session has ended: rows, dated before it.
        Registration.objects.bulk_create(
            Registration(
                session=session,
                user=users[username],
                region=users[username].region,
                organisation=users[username].organisation,
                status=(
                    Registration.Status.CANCELLED if cancelled else Registration.Status.CONFIRMED
                ),
                registered_at=session.starts_at - timedelta(days=days),
                cancelled_at=session.starts_at - timedelta(days=2) if cancelled else None,
            )
            for username, days, cancelled in content.PAST_REGISTRATIONS
        )
        PastRoom(session, users).play(content.ROOM_SCRIPT)
        RoomConnection.objects.bulk_create(
            RoomConnection(
                topic=f"room.{session.room_id}",
                channel_name=f"demo.webinar{session.pk}!{username}.{number}",
                user=users[username],
                connected_at=session.starts_at + timedelta(minutes=joined),
                seen_at=session.starts_at + timedelta(minutes=left),
                left_at=session.starts_at + timedelta(minutes=left),
            )
            for username, visits in content.ATTENDANCE.items()
            for number, (joined, left) in enumerate(visits, start=1)
        )
        written_at = session.ends_at + timedelta(days=1)
        report.save_minutes(moderator=moderator, session=session, minutes=content.MINUTES)
        Session.objects.filter(pk=session.pk).update(minutes_updated_at=written_at)
        for index, (text, replies) in enumerate(content.DECISIONS):
            decision = report.add_decision(moderator=moderator, session=session, text=text)
            decided_at = written_at + timedelta(minutes=index)
            Decision.objects.filter(pk=decision.pk).update(created_at=decided_at)
            if replies is not None:
                decision = report.open_followup_thread(moderator=moderator, decision=decision)
                self.date_follow_up(
                    decision.thread, users, replies, decided_at + timedelta(hours=1)
                )

    def date_follow_up(
        self,
        thread: Thread,
        users: dict[str, User],
        replies: list[tuple[str, float, str]],
        opened_at: datetime,
    ) -> None:
        """Write a follow-up thread's replies, then date the thread after the session."""
        posts = [(Post.objects.get(thread=thread, parent__isnull=True), opened_at)]
        for username, hours, body in replies:
            post = forum_services.create_post(
                author=users[username], thread=thread, parent=None, body=body
            )
            posts.append((post, opened_at + timedelta(hours=hours)))
        for post, moment in posts:
            Post.objects.filter(pk=post.pk).update(created_at=moment)
            # Those told of it then have read it since.
            Notification.objects.filter(post=post).update(
                created_at=moment, read_at=moment + timedelta(hours=6)
            )
        Thread.objects.filter(pk=thread.pk).update(
            created_at=opened_at, last_activity_at=posts[-1][1]
        )
        told = Notification.objects.filter(thread=thread).values_list("recipient_id", flat=True)
        for user_id in set(told):
            unread = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
            User.objects.filter(pk=user_id).update(unread_notifications=unread.count())

    def write_upcoming_session(self, session: Session, users: dict[str, User]) -> None:
        spec = content.UPCOMING_SESSION
        services.edit_session(
            editor=users[content.CO_MODERATOR],
            session=session,
            theme=spec["theme"],
            agenda=spec["agenda"],
            speakers=spec["speakers"],
            video_url=spec["video_url"],
        )
        self.register(session, users, content.UPCOMING_REGISTRATIONS)

    def register(
        self, session: Session, users: dict[str, User], registrations: list[tuple[str, float]]
    ) -> None:
        """Register through the service, then date each registration back."""
        for username, days_ago in registrations:
            registration = services.register(user=users[username], session=session)
            Registration.objects.filter(pk=registration.pk).update(
                registered_at=self.now - timedelta(days=days_ago)
            )

    # A one-off session -----------------------------------------------------------------

    def seed_one_off(self, community: Community, users: dict[str, User]) -> Session:
        spec = content.ONE_OFF
        session = Session.objects.filter(
            community=community, series__isnull=True, title=spec["title"]
        ).first()
        if session is not None:
            self.step(f"Séance « {session.title} »… déjà présente")
            return session
        zone = ZoneInfo(TIME_ZONE)
        day = timezone.localtime(self.now, zone).date() + timedelta(days=spec["days_ahead"])
        while day.weekday() >= 5:
            day += timedelta(days=1)
        session = services.create_session(
            author=users[spec["author"]],
            community=community,
            title=spec["title"],
            starts_at=datetime.combine(day, time(spec["hour"]), tzinfo=zone),
            duration=spec["duration"],
            theme=spec["theme"],
            agenda=spec["agenda"],
            speakers=spec["speakers"],
            capacity=spec["capacity"],
            video_url=spec["video_url"],
            radio=spec.get("radio", False),
            stream_url=spec.get("stream_url", ""),
            stream_kbps=spec.get("stream_kbps"),
        )
        Session.objects.filter(pk=session.pk).update(created_at=self.now - timedelta(days=8))
        self.register(session, users, spec["registrations"])
        self.step(f"Séance « {session.title} »… {len(spec['registrations'])} inscriptions")
        return session

    # A session live now ---------------------------------------------------------------

    def seed_live_session(self, community: Community, users: dict[str, User]) -> Session:
        """Keep the live session if it has a while to go, else write it again, starting now."""
        kept = None
        for session in live.live_sessions(community):
            if kept is None and live.keeps_going(session, self.now):
                kept = session
            else:
                live.remove(session)
        zone = ZoneInfo(TIME_ZONE)
        if kept is not None:
            until = timezone.localtime(kept.ends_at, zone)
            self.step(f"Séance en direct « {kept.title} »… déjà en cours, jusqu'à {until:%H:%M}")
            return kept
        session = live.write(community, users, self.now)
        counts = live.counts(session)
        until = timezone.localtime(session.ends_at, zone)
        self.step(
            f"Séance en direct « {session.title} »… jusqu'à {until:%H:%M} "
            f"({counts['messages']} messages, {counts['questions']} questions, "
            f"{counts['ballots']} votes au sondage, mains levées : {counts['hands']})"
        )
        return session

    # Output ----------------------------------------------------------------------------

    def print_summary(self, series: Series, one_off: Session, live_session: Session) -> None:
        if self.verbosity < 1:
            return
        write = self.stdout.write
        site_url = settings.SITE_URL
        write("")
        write(self.style.MIGRATE_HEADING("Webinaires de démonstration"))
        write(f"  Tous les webinaires : {site_url}{reverse('webinars')}")
        zone = ZoneInfo(TIME_ZONE)
        sessions = sorted(
            [*series.sessions.all(), one_off, live_session],
            key=lambda session: session.starts_at,
        )
        for session in sessions:
            when = timezone.localtime(session.starts_at, zone)
            if session.pk == live_session.pk:
                until = timezone.localtime(session.ends_at, zone)
                write(self.style.SUCCESS(f"  EN DIRECT jusqu'à {until:%H:%M}  {session.title}"))
                write(f"    salle : {site_url}{reverse('webinar_room', args=[session.pk])}")
            else:
                write(f"  {when:%d/%m/%Y %H:%M}  {session.title}")
            write(f"    {site_url}{session.get_absolute_url()}")
            if session.minutes_html:
                write(f"    bilan : {site_url}{report.report_url(session)}")
        names = ", ".join(spec["username"] for spec in content.PARTICIPANTS)
        write(f"  Participant·es (mot de passe {DEMO_PASSWORD}) : {names}")
