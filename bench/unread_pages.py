"""
Benchmark the pages with unread markers: a CoP's thread list and the signed-in home.

Run it with ``make bench-unread`` (or ``.venv/bin/python bench/unread_pages.py``);
set DATABASE_URL to measure on PostgreSQL instead of SQLite.

It builds a throw-away test database (in-memory SQLite, or
``test_<name>_bench`` on PostgreSQL) with one public CoP, a few authors and
a reader, and grows the CoP to 10, 100 and 1,000 threads of three posts
each, written through ``forum.services``. The reader has read a third of
them to the end, a third up to their first post, and never opened the rest,
so every row of the list has something to count. At each size it requests,
as the reader, the CoP's first page (25 threads, each with its "N nouveaux")
and the home page ("Quoi de neuf": threads with something new, mentions,
next webinar), and reports the median and 95th percentile of the server time
and the number of SQL queries, which must not grow with the number of
threads. Results are printed and written into their own section of
docs/benchmarks.md (``--no-docs`` leaves the file alone).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from thread_page import (  # noqa: E402
    bench_database,
    database_description,
    page_machine,
    percentile,
    post_body,
    replace_section,
)

SIZES = (10, 100, 1000)
REPLIES = 2  # per thread, besides its opening post
WARMUP = 3
START, END = "<!-- unread_pages:start -->", "<!-- unread_pages:end -->"
COMMAND = ".venv/bin/python bench/unread_pages.py"


def build_world() -> dict:
    from forum.models import Community, Membership, User

    community = Community.objects.create(
        name="Violences basées sur le genre",
        slug="vbg",
        summary="Prévention, prise en charge et accompagnement juridique des survivantes.",
    )
    authors = []
    for index, name in enumerate(["Awa Traoré", "Mariam Diarra", "Oumou Diallo", "Salif Konaté"]):
        user = User.objects.create_user(
            username=f"auteur{index}", password="bench-password", display_name=name
        )
        Membership.objects.create(community=community, user=user)
        authors.append(user)
    reader = User.objects.create_user(
        username="lectrice", password="bench-password", display_name="Lectrice du banc"
    )
    # She joined before any thread: everything since is news for her.
    Membership.objects.create(
        community=community,
        user=reader,
        joined_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    return {"community": community, "authors": authors, "reader": reader}


def grow(world: dict, total: int, rng: random.Random) -> None:
    """Add threads until the CoP has ``total``; mark a third read, a third half read."""
    from forum import services
    from forum.models import Thread, ThreadRead

    community, authors, reader = world["community"], world["authors"], world["reader"]
    have = Thread.objects.filter(community=community).count()
    marks = []
    for number in range(have, total):
        thread = services.create_thread(
            author=rng.choice(authors),
            community=community,
            title=f"Retour d'expérience n° {number + 1}",
            body=post_body(rng, 300),
            tags=["prise en charge"],
        )
        for _ in range(REPLIES):
            services.create_post(
                author=rng.choice(authors), thread=thread, parent=None, body=post_body(rng, 200)
            )
        if number % 3 == 0:
            marks.append(ThreadRead(user=reader, thread=thread, last_read_seq=1 + REPLIES))
        elif number % 3 == 1:
            marks.append(ThreadRead(user=reader, thread=thread, last_read_seq=1))
    ThreadRead.objects.bulk_create(marks)


def measure(client: Client, url: str, requests: int) -> dict:
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
        "queries": len(queries),
        "new_markers": response.content.count(b'class="badge new"'),
    }


def run(requests: int) -> dict:
    from forum import limits

    rng = random.Random(20261206)
    with limits.suspended():
        world = build_world()
    client = Client()
    client.force_login(world["reader"])
    pages = {
        "CoP thread list": world["community"].get_absolute_url(),
        "home (Quoi de neuf)": reverse("home"),
    }
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": page_machine(database_description(), load_average=round(os.getloadavg()[0], 2)),
        "requests": requests,
        "rows": [],
    }
    for size in SIZES:
        with limits.suspended():
            grow(world, size, rng)
        for name, url in pages.items():
            results["rows"].append(
                {"threads": size, "page": name, **measure(client, url, requests)}
            )
    counts = {}
    for row in results["rows"]:
        counts.setdefault(row["page"], set()).add(row["queries"])
    results["constant_queries"] = {page: len(found) == 1 for page, found in counts.items()}
    return results


def print_report(results: dict) -> None:
    machine = results["machine"]
    print(f"\nUnread pages benchmark — {results['date']}")
    print(
        f"{machine['cpus']} CPUs, Python {machine['python']}, Django {machine['django']}, "
        f"{machine['database']}; load average {machine['load_average']}\n"
    )
    print(f"{'threads':>8}  {'page':<22} {'median':>9} {'p95':>9} {'queries':>8} {'markers':>8}")
    for row in results["rows"]:
        print(
            f"{row['threads']:>8}  {row['page']:<22} {row['median_ms']:>6.1f} ms "
            f"{row['p95_ms']:>6.1f} ms {row['queries']:>8} {row['new_markers']:>8}"
        )
    for page, met in results["constant_queries"].items():
        print(f"  same query count at {'/'.join(map(str, SIZES))} threads, {page}: "
              f"{'met' if met else 'MISSED'}")  # fmt: skip


def markdown_section(results: dict) -> str:
    machine = results["machine"]
    lines = [
        f"## Unread markers — thread list and home, {machine['database'].split(' (')[0]}",
        "",
        f"Measured {results['date']} on {machine['cpus']} CPUs ({machine['platform']}), "
        f"Python {machine['python']}, Django {machine['django']}, {machine['database']}, "
        f"load average {machine['load_average']} at the start. One CoP of N threads "
        f"(3 posts each), read by a signed-in member: a third read to the end, a third "
        f"read up to the first post, a third never opened. The CoP's first page (25 threads, "
        f"each with its count of new posts) and the signed-in home ('Quoi de neuf'); "
        f"{WARMUP} warm-up requests then {results['requests']} timed, Django test client.",
        "",
        "| threads | page | median | p95 | SQL queries | rows marked new |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in results["rows"]:
        lines.append(
            f"| {row['threads']:,} | {row['page']} | {row['median_ms']:.1f} ms "
            f"| {row['p95_ms']:.1f} ms | {row['queries']} | {row['new_markers']} |"
        )
    lines += [""]
    for page, met in results["constant_queries"].items():
        lines.append(
            f"- Same number of queries at {' / '.join(f'{s:,}' for s in SIZES)} threads, "
            f"{page}: {'met' if met else 'MISSED'}."
        )
    lines += [
        "",
        "The counts are correlated subqueries of the list's own query "
        "(`forum.unread.with_unread`), so the number of queries is fixed; the home page "
        "looks for threads with something new among the member's 200 threads last active "
        "(`forum.home.NEW_THREADS_SEARCHED`), so its time stays flat too "
        "(`bench/listings.py` measures it up to 10,000 threads).",
        "",
        "Reproduce from the repository root (`make bench-unread`):",
        "",
        "```sh",
        COMMAND,
        "```",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    with bench_database():
        results = run(args.requests)
    print_report(results)
    if not args.no_docs:
        replace_section(START, END, markdown_section(results))
        print(f"Updated {Path('docs/benchmarks.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
