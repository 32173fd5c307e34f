"""
Benchmark the listings as CoPs grow: home, CoP page, tag page, organisations,
"Nouveautés", webinar lists.

Run it with ``make bench-listings`` (or ``.venv/bin/python bench/listings.py``);
set DATABASE_URL to measure on PostgreSQL instead of SQLite.

For each size (members, threads) it builds a throw-away database of its own
(SQLite files under the system's temporary folder, or
``test_<name>_listings_<n>`` on PostgreSQL; the configured database is never
touched) with bulk_create: six CoPs (one private), every member in the main
CoP and one other, threads spread over the CoPs (half in the main one), three
posts each, two tags each out of twenty, a few pending threads, forty
organisations. A signed-in reader (member of the main CoP, another and the
private one) has read a third of her threads to the end, a third up to the
first post, and never opened the rest. Webinar sessions: a tenth of the
threads (at least 150), half in the main CoP, one in five ahead.

Then, in rounds interleaved across sizes (round 1: every page of every size,
round 2: again…, switching database between sizes), it times each page with
Django's test client and pools the timings of all rounds: median and 95th
percentile per page and size, the number of SQL queries (which must be the
same at every size) and the ratio of the largest size's median to the
smallest's (target: at most 1.5). The load average is printed before and
after. Results are printed and written into their own section of
docs/benchmarks.md (``--no-docs`` leaves the file alone).
"""

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
# One database per size, switched between rounds: a connection pool would stay bound to
# the first one. A single persistent connection, as with CONN_MAX_AGE, instead.
os.environ.setdefault("DB_POOL", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from thread_page import percentile, replace_section  # noqa: E402

# (members, threads): the smallest, the middle and the largest, plus the two
# corners, so that growth with members alone and with threads alone shows apart.
SIZES = ((10, 100), (500, 1000), (5000, 10000), (5000, 100), (10, 10000))
SMALL_SIZES = ((10, 100), (100, 400), (500, 1000))
COMMUNITIES = 6  # the last one private
TAGS = 20
ORGANISATIONS = 40
# Webinar sessions: a tenth of the threads, at least this many (full first pages).
SESSIONS_MIN = 150
WARMUP = 3
# Pages whose first page is only full from this many members on (50 members a page).
FULL_PAGE_MEMBERS = {"member list, member": 50}


def markers() -> tuple[str, str]:
    """The section of docs/benchmarks.md for the database measured."""
    name = "listings" if connection.vendor == "sqlite" else f"listings-{connection.vendor}"
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


COMMAND = ".venv/bin/python bench/listings.py"


def build(members: int, threads: int, rng: random.Random) -> None:
    """Fill the current (empty, migrated) database for one size."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from forum.models import (
        Community,
        Membership,
        Organisation,
        Post,
        Region,
        Tag,
        TaggedOrganisation,
        TaggedThread,
        Thread,
        ThreadRead,
        User,
    )

    password = make_password("bench-password")
    now = timezone.now()
    start = now - datetime.timedelta(days=400)
    regions = list(Region.objects.all()[:4]) or Region.objects.bulk_create(
        [Region(name=name, slug=name.lower()) for name in ("Bamako", "Segou", "Mopti", "Kayes")]
    )
    cops = Community.objects.bulk_create(
        [
            Community(
                name=f"Communauté {number}",
                slug=f"cop-{number}",
                summary="Prévention, prise en charge et accompagnement juridique.",
                visibility=Community.Visibility.PRIVATE
                if number == COMMUNITIES - 1
                else Community.Visibility.PUBLIC,
                created_at=start,
            )
            for number in range(COMMUNITIES)
        ]
    )
    for cop in cops:
        cop.regions.set(rng.sample(regions, 2))
    users = User.objects.bulk_create(
        [
            User(
                username=f"membre{number}",
                password=password,
                display_name=f"Membre {number}",
                date_joined=start,
            )
            for number in range(members)
        ]
        + [User(username="lectrice", password=password, display_name="Lectrice", date_joined=start)]
    )
    reader = users[-1]
    memberships = []
    for number, user in enumerate(users[:-1]):
        memberships.append(
            Membership(
                community=cops[0],
                user=user,
                joined_at=start,
                role=Membership.Role.MODERATOR if number == 0 else Membership.Role.MEMBER,
            )
        )
        memberships.append(
            Membership(community=cops[1 + number % (COMMUNITIES - 1)], user=user, joined_at=start)
        )
    for cop in (cops[0], cops[2], cops[-1]):
        memberships.append(Membership(community=cop, user=reader, joined_at=start))
    Membership.objects.bulk_create(memberships, batch_size=2000)

    tags = Tag.objects.bulk_create(
        [Tag(name=f"sujet {number}", slug=f"sujet-{number}") for number in range(TAGS)]
    )
    # The tag page's tag: on one thread in three, so that its first page is full (25
    # threads) at every size and the sizes compare the same number of rows shown.
    common = Tag.objects.create(name="plaidoyer", slug="plaidoyer")
    thread_rows = []
    for number in range(threads):
        cop = cops[0] if number % 2 == 0 else cops[1 + number % (COMMUNITIES - 1)]
        activity = start + datetime.timedelta(minutes=number * 37 % (400 * 24 * 60))
        author = users[number % members]
        thread_rows.append(
            Thread(
                community=cop,
                title=f"Retour d'expérience n° {number + 1}",
                author=author,
                created_at=activity,
                last_activity_at=activity,
                last_poster=users[(number + 1) % members],
                reply_count=2,
                last_seq=3,
                is_pending=number % 97 == 5,
            )
        )
    created = Thread.objects.bulk_create(thread_rows, batch_size=2000)
    posts, tagged, marks = [], [], []
    body = "Merci pour ce partage, la situation est très proche de ce que nous vivons à Ségou."
    for number, thread in enumerate(created):
        for seq in (1, 2, 3):
            posts.append(
                Post(
                    thread=thread,
                    author=users[(number + seq - 1) % members],
                    seq=seq,
                    path=f"{1:07d}" if seq == 1 else f"{1:07d}{seq:07d}",
                    depth=0 if seq == 1 else 1,
                    body=body,
                    body_html=f"<p>{body}</p>",
                    created_at=thread.last_activity_at,
                    is_pending=thread.is_pending,
                )
            )
        for tag in {tags[number % TAGS], tags[(number * 7 + 3) % TAGS]}:
            tagged.append(TaggedThread(content_object=thread, tag=tag))
        if number % 3 == 0:
            tagged.append(TaggedThread(content_object=thread, tag=common))
        if thread.community_id in (cops[0].pk, cops[2].pk):
            if number % 3 == 0:
                marks.append(ThreadRead(user=reader, thread=thread, last_read_seq=3))
            elif number % 3 == 1:
                marks.append(ThreadRead(user=reader, thread=thread, last_read_seq=1))
    Post.objects.bulk_create(posts, batch_size=2000)
    TaggedThread.objects.bulk_create(tagged, batch_size=2000)
    ThreadRead.objects.bulk_create(marks, batch_size=2000)
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Association {number}",
                slug=f"association-{number}",
                kind=Organisation.Kind.values[0],
            )
            for number in range(ORGANISATIONS)
        ]
    )
    TaggedOrganisation.objects.bulk_create(
        [
            TaggedOrganisation(content_object=organisation, tag=tags[number % 5])
            for number, organisation in enumerate(organisations)
        ]
    )
    for organisation in organisations:
        organisation.regions.set(rng.sample(regions, 2))
    build_sessions(cops, users[0], threads, now)
    with connection.cursor() as cursor:
        # The steady state of a live site: statistics gathered and, on PostgreSQL, the
        # visibility map set (as autovacuum does after a bulk load), so that counts can
        # be read from an index alone.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def session_count(threads: int) -> int:
    """Webinar sessions for a size: grow with the site, a full first page of each list."""
    return max(SESSIONS_MIN, threads // 10)


def build_sessions(cops, author, threads: int, now) -> None:
    """Webinar sessions over the CoPs (half in the main one), one in five still ahead."""
    from rooms.models import Room
    from webinars.models import ROOM_KIND, Session

    count = session_count(threads)
    starts = []
    for number in range(count):
        if number % 5 == 0:
            starts.append(now + datetime.timedelta(hours=6 + number * 7 % (300 * 24)))
        else:
            starts.append(now - datetime.timedelta(hours=6 + number * 11 % (400 * 24)))
    where = [cops[0] if n % 2 == 0 else cops[1 + n % (COMMUNITIES - 1)] for n in range(count)]
    rooms = Room.objects.bulk_create(
        [
            Room(
                community=where[n],
                kind=ROOM_KIND,
                title=f"Webinaire n° {n + 1}",
                opens_at=starts[n] - datetime.timedelta(minutes=30),
                closes_at=starts[n] + datetime.timedelta(minutes=90),
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    Session.objects.bulk_create(
        [
            Session(
                community=where[n],
                room=rooms[n],
                title=f"Webinaire n° {n + 1}",
                starts_at=starts[n],
                ends_at=starts[n] + datetime.timedelta(minutes=90),
                created_by=author,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )


def pages() -> dict[str, tuple[str | None, str]]:
    """Page name -> (viewer's username or None, URL)."""
    return {
        "home, visitor": (None, reverse("home")),
        "home, member": ("lectrice", reverse("home")),
        "CoP page, visitor": (None, reverse("community", args=["cop-0"])),
        "CoP page, member": ("lectrice", reverse("community", args=["cop-0"])),
        "CoP page, moderator": ("membre0", reverse("community", args=["cop-0"])),
        "tag page, visitor": (None, reverse("tag", args=["plaidoyer"])),
        "tag page, member": ("lectrice", reverse("tag", args=["plaidoyer"])),
        "member list, member": ("lectrice", reverse("community_members", args=["cop-0"])),
        "organisations": (None, reverse("organisations")),
        "Nouveautés, member": ("lectrice", reverse("whats_new")),
        "Nouveautés p. 2, member": ("lectrice", reverse("whats_new") + "?page=2"),
        "webinars, visitor": (None, reverse("webinars")),
        "webinars, member": ("lectrice", reverse("webinars")),
        "webinars p. 3, visitor": (None, reverse("webinars") + "?page=3&avenir=2"),
        "CoP webinars, member": ("lectrice", reverse("community_webinars", args=["cop-0"])),
    }


def clients() -> dict:
    from forum.models import User

    made = {None: Client()}
    for username in ("lectrice", "membre0"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        made[username] = client
    return made


def time_page(client: Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


class Databases:
    """One database per size; ``use`` switches the default connection to one of them."""

    def __init__(self) -> None:
        self.original = connection.settings_dict["NAME"]
        self.names: list[str] = []
        self.folder = tempfile.mkdtemp(prefix="jekafo-listings-")

    def create(self, index: int) -> str:
        connection.close()
        connection.settings_dict["NAME"] = self.original
        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = f"{self.folder}/size{index}.sqlite3"
        else:
            connection.settings_dict["TEST"]["NAME"] = f"test_{self.original}_listings_{index}"
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        self.names.append(name)
        return name

    def use(self, name: str) -> None:
        if connection.settings_dict["NAME"] != name:
            connection.close()
            connection.settings_dict["NAME"] = name

    def destroy(self) -> None:
        for name in self.names:
            connection.close()
            connection.settings_dict["NAME"] = name
            connection.creation.destroy_test_db(self.original, verbosity=0)


def run(sizes, rounds: int, requests: int) -> dict:
    from forum import limits

    rng = random.Random(20261206)
    databases = Databases()
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "rounds": rounds,
        "requests": requests,
        "sizes": [list(size) for size in sizes],
        "build_seconds": {},
    }
    try:
        size_db, size_clients = {}, {}
        for index, (members, threads) in enumerate(sizes):
            started = time.perf_counter()
            name = databases.create(index)
            with limits.suspended():
                build(members, threads, rng)
            size_db[(members, threads)] = name
            size_clients[(members, threads)] = clients()
            results["build_seconds"][f"{members}x{threads}"] = round(
                time.perf_counter() - started, 1
            )
            print(f"built {members} members × {threads} threads in "
                  f"{results['build_seconds'][f'{members}x{threads}']} s", flush=True)  # fmt: skip
        results["database"] = describe_database()
        urls = pages()
        timings = {(size, page): [] for size in sizes for page in urls}
        queries = {}
        for size in sizes:
            databases.use(size_db[size])
            for page, (viewer, url) in urls.items():
                client = size_clients[size][viewer]
                for _ in range(WARMUP):
                    time_page(client, url)
                queries[(size, page)] = count_queries(client, url)
        for number in range(rounds):
            order = list(sizes)
            rng.shuffle(order)
            for size in order:
                databases.use(size_db[size])
                for page, (viewer, url) in urls.items():
                    client = size_clients[size][viewer]
                    time_page(client, url)  # the first request after a switch warms up
                    for _ in range(requests):
                        timings[(size, page)].append(time_page(client, url))
            print(f"round {number + 1}/{rounds} done", flush=True)
    finally:
        databases.destroy()
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    smallest, largest = sizes[0], max(sizes, key=lambda s: (s[1], s[0]))
    rows = []
    for page in urls:
        row = {"page": page, "cells": {}}
        for size in sizes:
            samples = timings[(size, page)]
            row["cells"][f"{size[0]}x{size[1]}"] = {
                "median_ms": statistics.median(samples),
                "p95_ms": percentile(samples, 0.95),
                "queries": queries[(size, page)],
            }
        row["same_queries"] = len({queries[(size, page)] for size in sizes}) == 1
        row["ratio"] = statistics.median(timings[(largest, page)]) / statistics.median(
            timings[(smallest, page)]
        )
        if page in FULL_PAGE_MEMBERS:
            # Against the smallest size whose page is full: rows shown are then equal.
            full = min(size for size in sizes if size[0] >= FULL_PAGE_MEMBERS[page])
            row["full_page_ratio"] = statistics.median(
                timings[(largest, page)]
            ) / statistics.median(timings[(full, page)])
            row["full_page_size"] = f"{full[0]}x{full[1]}"
        row["worst_ratio"] = max(
            statistics.median(timings[(size, page)]) for size in sizes
        ) / statistics.median(timings[(smallest, page)])
        rows.append(row)
    results["rows"] = rows
    results["smallest"] = f"{smallest[0]}x{smallest[1]}"
    results["largest"] = f"{largest[0]}x{largest[1]}"
    results["machine"] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
    }
    return results


def describe_database() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (file in a temporary folder)"


def size_label(key: str) -> str:
    members, threads = key.split("x")
    return f"{int(members):,} m × {int(threads):,} t"


def print_report(results: dict) -> None:
    machine = results["machine"]
    print(f"\nListings benchmark — {results['date']}")
    print(
        f"{machine['cpus']} CPUs, Python {machine['python']}, Django {machine['django']}, "
        f"{results['database']}; load average {results['load_before']} before, "
        f"{results['load_after']} after; {results['rounds']} rounds × "
        f"{results['requests']} requests per page and size, interleaved\n"
    )
    keys = list(results["rows"][0]["cells"])
    print(f"{'page':<22}" + "".join(f"{size_label(k):>24}" for k in keys) + "   ratio  worst")
    for row in results["rows"]:
        cells = "".join(
            f"{c['median_ms']:>8.1f}/{c['p95_ms']:>6.1f} ms q{c['queries']:<3}"
            for c in row["cells"].values()
        )
        print(f"{row['page']:<22}{cells}  {row['ratio']:>5.2f}  {row['worst_ratio']:>5.2f}"
              f"  {'same queries' if row['same_queries'] else 'QUERIES DIFFER'}")  # fmt: skip
        if "full_page_ratio" in row:
            print(f"{'':<22}(full pages: {row['full_page_ratio']:.2f} against "
                  f"{size_label(row['full_page_size'])})")  # fmt: skip
    print(f"ratio: median at {results['largest']} / median at {results['smallest']}; "
          "worst: the slowest size / the smallest")  # fmt: skip


def markdown_section(results: dict) -> str:
    machine = results["machine"]
    keys = list(results["rows"][0]["cells"])
    met_queries = all(row["same_queries"] for row in results["rows"])
    met_time = all(row.get("full_page_ratio", row["ratio"]) <= 1.5 for row in results["rows"])
    lines = [
        f"## Listings as CoPs grow — {results['database'].split(' (')[0]}",
        "",
        f"Measured {results['date']} on {machine['cpus']} CPUs ({machine['platform']}), "
        f"Python {machine['python']}, Django {machine['django']}, {results['database']}; "
        f"load average (1/5/15 min) {results['load_before']} before, "
        f"{results['load_after']} after. One database per size (members × threads), "
        f"built with bulk_create ({', '.join(f'{size_label(k)}: {s} s' for k, s in results['build_seconds'].items())}): "  # noqa: E501
        f"{COMMUNITIES} CoPs (one private), every member in the main CoP and one other, half "
        f"of the threads in the main CoP, 3 posts and 2 of {TAGS} tags per thread, 1 thread in "
        f"97 pending; the tag page shows a tag on one thread in three (a full first page of "
        f"25 at every size). The member list shows 50 members a page: 11 rows at 10 members, "
        f"50 from 500 on, so its ratio compares pages of different lengths. "
        f"The member has read a third of her threads, half-read a third. "
        f"Webinar sessions: a tenth of the threads, at least {SESSIONS_MIN} "
        f"({', '.join(f'{session_count(int(k.split(chr(120))[1])):,}' for k in keys)}), half "
        f"in the main CoP, one in five ahead; lists of 20 a page ('webinars p. 3' is "
        f"the third page of past sessions and the second of upcoming ones). "
        f"'Nouveautés' looks among her CoPs' 200 threads last active: the smallest size has "
        f"fewer, so its unread counts run over fewer rows until the window is full. "
        f"{results['rounds']} rounds interleaved across sizes (order shuffled each round), "
        f"{results['requests']} timed requests per page and size per round, pooled; "
        f"Django test client, DEBUG off. Cells: median / p95 (SQL queries).",
        "",
        "| page | " + " | ".join(size_label(k) for k in keys) + " | largest / smallest |",
        "| --- | " + " | ".join("---:" for _ in keys) + " | ---: |",
    ]
    for row in results["rows"]:
        cells = " | ".join(
            f"{c['median_ms']:.1f} / {c['p95_ms']:.1f} ms ({c['queries']})"
            for c in row["cells"].values()
        )
        ratio = f"{row['ratio']:.2f}×"
        if "full_page_ratio" in row:
            ratio += (
                f" ({row['full_page_ratio']:.2f}× against "
                f"{size_label(row['full_page_size'])}, the first full page)"
            )
        lines.append(f"| {row['page']} | {cells} | {ratio} |")
    lines += [
        "",
        f"- Same number of queries at every size, every page: {'met' if met_queries else 'MISSED'}.",  # noqa: E501
        f"- Median at {size_label(results['largest'])} within 1.5× of {size_label(results['smallest'])}, "  # noqa: E501
        f"every page: {'met' if met_time else 'MISSED'} (ratios in the last column).",
        "",
        "Absolute times follow the machine's load (shared here with other jobs); the ratios "
        "compare sizes measured in the same rounds. Before this work the CoP list alone took "
        "260 ms at 500 members × 3,000 threads (two distinct counts over a join of threads "
        "and memberships) and the member's home grew with her CoPs' threads "
        "(docs/architecture.md, 'Listings at a fixed cost').",
        "",
        "Reproduce from the repository root (`make bench-listings`; `BENCH_ARGS=--small` for "
        "a quick run on small sizes; `DATABASE_URL=postgres://…` for PostgreSQL):",
        "",
        "```sh",
        COMMAND,
        "```",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--requests", type=int, default=5, help="timed requests per round")
    parser.add_argument("--small", action="store_true", help="small sizes, for development")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if args.rounds < 1 or args.requests < 1:
        parser.error("--rounds and --requests must be at least 1")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    results = run(SMALL_SIZES if args.small else SIZES, args.rounds, args.requests)
    print_report(results)
    if not args.no_docs:
        replace_section(*markers(), markdown_section(results))
        print("Updated docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
