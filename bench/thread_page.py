"""
Benchmark the thread page: server time, SQL queries and bytes sent.

Run it with ``make bench`` (or ``.venv/bin/python bench/thread_page.py``);
set DATABASE_URL to measure on PostgreSQL instead of SQLite.

It builds a throw-away test database (an in-memory SQLite one, or
``test_<name>_bench`` on PostgreSQL; db.sqlite3 and the configured database
are never touched) holding one public community, its members and three
threads of 20, 100 and 500 posts written through ``forum.services``. For
each thread it then requests the first page as a signed-in member with
Django's test client and reports:

- the median and 95th percentile of the server time (warm-up requests
  first, then ``--requests`` timed ones);
- the number of SQL queries per request, which must not grow with the
  thread's length (the page shows POSTS_PER_PAGE posts at most; a thread
  that fits on one page needs one query less: no COUNT of its posts);
- the HTML size, raw and gzip-compressed (level 6, as GZipMiddleware does).

Then it adds up what a first visit of the 100-post thread downloads: its
HTML plus every stylesheet and script it references (and what those import),
each gzip-compressed. Results are compared with the targets below, printed,
optionally written as JSON (``--json PATH``) and written into
docs/benchmarks.md, in the section of the database measured (``--no-docs``
leaves the file alone).
"""

import argparse
import contextlib
import datetime
import gzip
import json
import math
import os
import platform
import random
import re
import statistics
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
)

THREAD_SIZES = (20, 100, 500)
FIRST_VISIT_THREAD = 100
TARGET_MEDIAN_MS = 50.0
TARGET_FIRST_VISIT_KB = 50.0
KB = 1000  # bytes; the stricter reading of "50 KB"
GZIP_LEVEL = 6
WARMUP = 5
DOCS = ROOT / "docs" / "benchmarks.md"
COMMAND = ".venv/bin/python bench/thread_page.py"

import _sections  # noqa: E402
from _corpus import create_jekafo_cast, post_body  # noqa: E402  (the generator bench/vs_spirit.py shares)


def build_data() -> dict:
    """Create the community, its members and the three threads; return what the runs need."""
    from forum import services
    from forum.models import Post

    rng = random.Random(20251121)  # the same data on every run
    community, authors, member = create_jekafo_cast("bench-password")

    threads = {}
    for size in THREAD_SIZES:
        thread = services.create_thread(
            author=rng.choice(authors),
            community=community,
            title=f"Accompagner les survivantes : retours d'expérience ({size} messages)",
            body=post_body(rng, 600),
            tags=["accompagnement juridique", "prise en charge"],
        )
        posts: list[Post] = []
        for _ in range(size - 1):
            # About a third of the replies answer an earlier reply, which
            # builds a tree of several levels; the rest answer the thread.
            parent = rng.choice(posts) if posts and rng.random() < 0.35 else None
            posts.append(
                services.create_post(
                    author=rng.choice(authors), thread=thread, parent=parent, body=post_body(rng)
                )
            )
        assert Post.objects.filter(thread=thread).count() == size
        threads[size] = thread
    return {"member": member, "threads": threads}


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


def measure_thread(client: Client, url: str, requests: int) -> dict:
    for _ in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings, cpu = [], []
    for _ in range(requests):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    # Counted apart from the timed requests: capturing slows each query down.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    html = response.content
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
        "min_ms": min(timings),
        # CPU time of this process: what a request costs whatever else runs on the machine.
        "cpu_median_ms": statistics.median(cpu),
        "requests": requests,
        "queries": len(queries),
        "posts_on_page": html.count(b'<article id="post-'),
        "html_bytes": len(html),
        "html_gzip_bytes": gzip_size(html),
        "html": html,
    }


class AssetParser(HTMLParser):
    """Collect stylesheet, script and SVG sprite URLs (``<use href>``), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and "stylesheet" in (values.get("rel") or "").lower().split():
            if values.get("href"):
                self.urls.append(values["href"])
        elif tag == "script" and values.get("src"):
            self.urls.append(values["src"])
        elif tag == "use" and (values.get("href") or "#").split("#")[0]:
            self.urls.append(values["href"].split("#")[0])  # the sprite, fetched once


# What a stylesheet or a module script pulls in by itself.
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)""")
JS_IMPORT = re.compile(
    r"""(?:\bimport\s*(?:[\w*{}\s,$]+\s*from\s*)?|\bimport\s*\()\s*["']([^"']+)["']"""
)


def fetch_asset(client: Client, url: str) -> bytes | None:
    """Return a static file's bytes, or None when neither the finders nor the site have it."""
    path = urlsplit(url).path
    if path.startswith(settings.STATIC_URL):
        found = finders.find(path.removeprefix(settings.STATIC_URL))
        if found:
            return Path(found).read_bytes()
    response = client.get(path)
    if response.status_code != 200:
        return None
    return b"".join(response.streaming_content) if response.streaming else response.content


def first_visit(client: Client, page_url: str, html: bytes) -> dict:
    parser = AssetParser()
    parser.feed(html.decode())
    queue = [urljoin(page_url, url) for url in parser.urls]
    seen: set[str] = set()
    assets = []
    missing: list[str] = []
    while queue:
        url = queue.pop(0)
        if url in seen or urlsplit(url).netloc not in ("", "testserver"):
            continue
        seen.add(url)
        data = fetch_asset(client, url)
        path = urlsplit(url).path
        if data is None:
            missing.append(path)
            continue
        assets.append({"url": path, "bytes": len(data), "gzip_bytes": gzip_size(data)})
        pattern = CSS_IMPORT if urlsplit(url).path.endswith(".css") else JS_IMPORT
        queue += [urljoin(url, found) for found in pattern.findall(data.decode(errors="replace"))]
    html_gzip = gzip_size(html)
    total = html_gzip + sum(asset["gzip_bytes"] for asset in assets)
    return {
        "html_gzip_bytes": html_gzip,
        "assets": assets,
        "missing": missing,
        "total_gzip_bytes": total,
    }


def database_description() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]} (in memory)"
    return connection.vendor


def page_machine(database: str, **extra) -> dict:
    """The machine and versions a page benchmark reports (bench/search.py's and
    bench/unread_pages.py's too), then ``extra``."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        **extra,
    }


def run(requests: int) -> dict:
    from forum import limits

    with limits.suspended():  # bulk writes of the benchmark's own data
        data = build_data()
    client = Client()
    client.force_login(data["member"])
    results: dict = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": page_machine(
            database_description(),
            vendor=connection.vendor,
            # Other work on the machine shows in the timings; this says how much there was.
            load_average=round(os.getloadavg()[0], 2),
        ),
        "posts_per_page": settings.JEKAFO["POSTS_PER_PAGE"],
        "threads": {},
    }
    pages = {}
    for size, thread in data["threads"].items():
        url = thread.get_absolute_url()
        measured = measure_thread(client, url, requests)
        pages[size] = (url, measured.pop("html"))
        results["threads"][str(size)] = measured
    url, html = pages[FIRST_VISIT_THREAD]
    results["first_visit"] = first_visit(client, url, html)
    query_counts = {m["queries"] for m in results["threads"].values()}
    # A thread longer than a page costs the same whatever its length; one that fits on its
    # page needs no COUNT of its posts (selectors.paginate_counting_last): never more.
    paged = {
        m["queries"] for size, m in results["threads"].items() if m["posts_on_page"] < int(size)
    }
    single = [
        m["queries"] for size, m in results["threads"].items() if m["posts_on_page"] >= int(size)
    ]
    constant = len(paged) <= 1 and all(count <= min(paged, default=count) for count in single)
    median = results["threads"][str(FIRST_VISIT_THREAD)]["median_ms"]
    total_kb = results["first_visit"]["total_gzip_bytes"] / KB
    results["targets"] = {
        "median_ms": {"target": TARGET_MEDIAN_MS, "value": median,
                      "ratio": median / TARGET_MEDIAN_MS, "met": median <= TARGET_MEDIAN_MS},
        "first_visit_kb": {"target": TARGET_FIRST_VISIT_KB, "value": total_kb,
                           "ratio": total_kb / TARGET_FIRST_VISIT_KB,
                           "met": total_kb <= TARGET_FIRST_VISIT_KB},
        "constant_queries": {"counts": sorted(query_counts), "met": constant},
    }  # fmt: skip
    return results


def kb(size: int) -> str:
    return f"{size / KB:.1f} KB"


def yes_no(met: bool) -> str:
    return "met" if met else "MISSED"


def print_report(results: dict) -> None:
    machine = results["machine"]
    print(f"\nThread page benchmark — {results['date']}")
    print(f"{machine['cpus']} CPUs, Python {machine['python']}, Django {machine['django']}, "
          f"{machine['database']}; load average {machine['load_average']}; "
          f"{results['posts_per_page']} posts per page\n")  # fmt: skip
    header = f"{'posts':>6} {'on page':>8} {'min':>9} {'median':>9} {'p95':>9} {'CPU med':>9} "
    header += f"{'queries':>8} "
    header += f"{'HTML':>10} {'HTML gzip':>10}"
    print(header)
    for size, m in results["threads"].items():
        times = f"{m['min_ms']:>6.1f} ms {m['median_ms']:>6.1f} ms {m['p95_ms']:>6.1f} ms"
        times += f" {m['cpu_median_ms']:>6.1f} ms"
        sizes = f"{kb(m['html_bytes']):>10} {kb(m['html_gzip_bytes']):>10}"
        print(f"{size:>6} {m['posts_on_page']:>8} {times} {m['queries']:>8} {sizes}")
    visit = results["first_visit"]
    print(f"\nFirst visit of the {FIRST_VISIT_THREAD}-post thread (gzip level {GZIP_LEVEL}):")
    print(f"  {'HTML':<40} {kb(visit['html_gzip_bytes']):>10}")
    for asset in visit["assets"]:
        print(f"  {asset['url']:<40} {kb(asset['gzip_bytes']):>10}  ({kb(asset['bytes'])} raw)")
    print(f"  {'total':<40} {kb(visit['total_gzip_bytes']):>10}")
    for path in visit["missing"]:
        print(f"  warning: {path} is referenced but not found")
    targets = results["targets"]
    median, first, queries = (
        targets["median_ms"],
        targets["first_visit_kb"],
        targets["constant_queries"],
    )
    print("\nTargets:")
    print(
        f"  {FIRST_VISIT_THREAD}-post page median ≤ {median['target']:.0f} ms: "
        f"{median['value']:.1f} ms = {median['ratio']:.0%} of target — {yes_no(median['met'])}"
    )
    print(
        f"  first visit ≤ {first['target']:.0f} KB gzip: {first['value']:.1f} KB = "
        f"{first['ratio']:.0%} of target — {yes_no(first['met'])}"
    )
    print(f"  query count not growing at {'/'.join(results['threads'])} posts: "
          f"{queries['counts']} — {yes_no(queries['met'])}")  # fmt: skip


DOCS_INTRO = """\
# Benchmarks

Figures written by the benchmarks in `bench/`; each section is refreshed by
the run that measured it. Targets: the first page of a 100-post thread is
served in at most 50 ms (median), a first visit of it downloads at most 50 KB
gzip-compressed (HTML, stylesheets and scripts; 1 KB = 1000 bytes), and the
number of SQL queries does not grow with the length of a thread.

Server time is measured in-process (Django test client, from request to
response, no network). The machine is a 2-core virtual machine, often shared
with test runs, and the same code has measured up to twice as slow from one
run to the next: the load average at the start is given with each section,
the median is the figure compared with the target, min is the closest to
the cost of a request that had the CPU to itself, and the CPU median (the
process's own CPU time per request) does not depend on the load.
"""


def markdown_section(results: dict) -> str:
    machine = results["machine"]
    vendor = machine["vendor"]
    command = COMMAND if vendor == "sqlite" else f"DATABASE_URL=postgres://… {COMMAND}"
    lines = [
        f"## Thread page — {machine['database'].split(' (')[0]}",
        "",
        f"Measured {results['date']} on {machine['cpus']} CPUs ({machine['platform']}), "
        f"Python {machine['python']}, Django {machine['django']}, {machine['database']}, "
        f"load average {machine['load_average']} at the start. "
        f"First page ({results['posts_per_page']} posts at most) as a signed-in member, "
        f"Django test client, {WARMUP} warm-up requests then "
        f"{next(iter(results['threads'].values()))['requests']} timed.",
        "",
        *(
            [
                f"The load average ({machine['load_average']}) was above the number of CPUs: "
                "the wall times include waiting for a CPU; the CPU median is what a request "
                "cost.",
                "",
            ]
            if machine["load_average"] > machine["cpus"]
            else []
        ),
        "| posts in thread | posts on page | min | median | p95 | CPU median | SQL queries | HTML "
        "| HTML gzip |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, m in results["threads"].items():
        lines.append(
            f"| {size} | {m['posts_on_page']} | {m['min_ms']:.1f} ms | {m['median_ms']:.1f} ms "
            f"| {m['p95_ms']:.1f} ms | {m['cpu_median_ms']:.1f} ms "
            f"| {m['queries']} | {kb(m['html_bytes'])} | {kb(m['html_gzip_bytes'])} |"
        )
    visit = results["first_visit"]
    lines += [
        "",
        f"First visit of the {FIRST_VISIT_THREAD}-post thread, each file gzip level {GZIP_LEVEL}:",
        "",
        "| file | raw | gzip |",
        "| --- | ---: | ---: |",
        f"| HTML | {kb(results['threads'][str(FIRST_VISIT_THREAD)]['html_bytes'])} "
        f"| {kb(visit['html_gzip_bytes'])} |",
    ]
    for asset in visit["assets"]:
        lines.append(f"| `{asset['url']}` | {kb(asset['bytes'])} | {kb(asset['gzip_bytes'])} |")
    lines.append(f"| **total** | | **{kb(visit['total_gzip_bytes'])}** |")
    if visit["missing"]:
        lines += ["", "Referenced but not found: " + ", ".join(f"`{p}`" for p in visit["missing"])]
    targets = results["targets"]
    lines += [
        "",
        "| target | value | of target | |",
        "| --- | ---: | ---: | --- |",
        f"| {FIRST_VISIT_THREAD}-post page median ≤ {TARGET_MEDIAN_MS:.0f} ms "
        f"| {targets['median_ms']['value']:.1f} ms | {targets['median_ms']['ratio']:.0%} "
        f"| {yes_no(targets['median_ms']['met'])} |",
        f"| first visit ≤ {TARGET_FIRST_VISIT_KB:.0f} KB gzip "
        f"| {targets['first_visit_kb']['value']:.1f} KB | {targets['first_visit_kb']['ratio']:.0%} "
        f"| {yes_no(targets['first_visit_kb']['met'])} |",
        f"| query count not growing at {' / '.join(results['threads'])} posts "
        f"| {' / '.join(str(m['queries']) for m in results['threads'].values())} | "
        f"| {yes_no(targets['constant_queries']['met'])} |",
        "",
        "Reproduce from the repository root (`make bench` runs the same on SQLite):",
        "",
        "```sh",
        command,
        "```",
    ]
    return "\n".join(lines)


def write_docs(results: dict) -> None:
    """Replace this database's section of docs/benchmarks.md, keeping the others."""
    vendor = results["machine"]["vendor"]
    start, end = f"<!-- thread_page:{vendor}:start -->", f"<!-- thread_page:{vendor}:end -->"
    replace_section(start, end, markdown_section(results))


def replace_section(start: str, end: str, body: str) -> None:
    """bench/_sections.py's; a docs/benchmarks.md not there yet starts with DOCS_INTRO."""
    _sections.replace_section(start, end, body, intro=DOCS_INTRO)


@contextlib.contextmanager
def bench_database():
    """A fresh test database for a page benchmark (test Client), dropped afterwards.

    bench/unread_pages.py, bench/voice.py and bench/app_shell.py measure in it too."""
    # No setup_test_environment(): it instruments every template render (a
    # signal and a context copy per template), which would inflate the
    # timings by ~25%. The test client only needs its host allowed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False  # as in production: no query log kept per request
    original_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        # A name of its own, so that a test run going on at the same time keeps its database.
        connection.settings_dict["TEST"]["NAME"] = f"test_{original_name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per thread")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write results as JSON")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")

    with bench_database():
        results = run(args.requests)

    print_report(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"\nJSON: {args.json}")
    if not args.no_docs:
        write_docs(results)
        print(f"Updated {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
