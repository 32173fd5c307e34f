"""
Benchmark search: 100,000 posts of French text, queried as a member of several CoPs.

Run it with ``make bench-search`` (or ``.venv/bin/python bench/search.py``) on SQLite;
set DATABASE_URL to measure on PostgreSQL instead. ``--posts`` makes the corpus
smaller for a quick look.

It builds a throw-away test database (a file in a temporary directory for SQLite, so
that its size can be read; ``test_<name>_bench_search`` on PostgreSQL; the configured
database is never touched) holding 8 CoPs (3 of them private), 60 members and their
organisations, and threads of 20 posts each up to ``--posts`` posts. The text is drawn
word by word from the demo content's own words (``demo/content.py``: its threads,
replies, organisations and CoPs), in proportion to how often each occurs there, so the
vocabulary and word frequencies are the forum's, but no sentence repeats.

The rows are written in bulk (not through ``forum.services``, which would take an hour
for 100,000 posts); then ``forum.search.rebuild_index()`` builds the index from them,
timed, and the database's growth is the index's size.

Then 20 typical queries (single words, two or three words, accents left out, plurals,
a prefix typed halfway, a name, with and without a CoP or date filter) are run through
``forum.search.search`` as a member of 4 CoPs (2 private) — visibility filtering and
snippets included, the whole first page of results — in ``--rounds`` rounds, the
queries interleaved in each round, all timings pooled. The p50/p95 are printed with
the load average, compared with the target (p95 ≤ 30 ms), and written into
docs/benchmarks.md in the section of the database measured.
"""

import argparse
import collections
import datetime
import itertools
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.html import escape  # noqa: E402
from thread_page import page_machine, replace_section  # noqa: E402

TARGET_P95_MS = 30.0
POSTS_PER_THREAD = 20
COMMAND = ".venv/bin/python bench/search.py"

COMMUNITIES = [
    # slug, name, private
    ("mariage-d-enfants", "Mariage d'enfants", False),
    ("participation-politique", "Participation politique des femmes", False),
    ("loi-052", "Application de la loi 052", False),
    ("vbg", "Violences basées sur le genre", False),
    ("education-des-filles", "Éducation des filles", False),
    ("defenseures-en-securite", "Défenseures en sécurité", True),
    ("juristes-segou-kayes", "Juristes Ségou–Kayes", True),
    ("coordination-bamako", "Coordination de Bamako", True),
]
# The member measuring: two public CoPs and two private ones (of three).
MEMBER_OF = ["mariage-d-enfants", "loi-052", "defenseures-en-securite", "juristes-segou-kayes"]

# What members type: (query, filter). Filters: None, a CoP slug, or "recent" (last 90 days).
QUERIES = [
    ("mariage", None),
    ("mariages précoces", None),
    ("eleve", None),  # accents left out: élève, élèves
    ("loi 052", None),
    ("quota femmes listes", None),
    ("violences", None),
    ("certificat medical", None),
    ("accompagnement juridique", None),
    ("radio communautaire", None),
    ("plaidoyer", "loi-052"),
    ("candidates", None),
    ("mari", None),  # typed halfway: mariage, mari, mariée
    ("Ségou", None),
    ("formation des élues", None),
    ("prise en charge psychosociale", None),
    ("financement", "recent"),
    ("tribunal", "mariage-d-enfants"),
    ("chefs de village", None),
    ("caravane radio", None),
    ("sécurité numérique", "defenseures-en-securite"),
]


# Corpus ---------------------------------------------------------------------------------


def demo_texts() -> tuple[list[str], list[str]]:
    """Every piece of French text of the demo content: (bodies, titles)."""
    from demo import content

    bodies: list[str] = []
    titles: list[str] = []

    def walk(value, key: str = "") -> None:
        if isinstance(value, str):
            if key == "title":
                titles.append(value)
            elif len(value) > 40 and " " in value:
                bodies.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v, key)

    for name in ("ORGANISATIONS", "USERS", "COMMUNITIES", "THREADS", "CARAVAN_STOPS", "SALONS"):
        walk(getattr(content, name, []))
    return bodies, titles


WORD = re.compile(r"[\w'’-]+|[.,;:!?]", re.UNICODE)


class Vocabulary:
    """Words drawn in proportion to their frequency in the demo, with the next word
    drawn from those that follow the current one there (a first-order chain), so the
    text reads like the forum's without repeating its sentences."""

    def __init__(self, texts: list[str]) -> None:
        self.follow: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        counts: collections.Counter = collections.Counter()
        for text in texts:
            words = WORD.findall(re.sub(r"[*#>\[\]()_`]", " ", text))
            counts.update(w for w in words if w not in ".,;:!?")
            for a, b in zip(words, words[1:], strict=False):
                self.follow[a][b] += 1
        self.words = list(counts)
        self.cumulative = list(itertools.accumulate(counts[w] for w in self.words))
        self.chains = {
            a: (list(c), list(itertools.accumulate(c.values()))) for a, c in self.follow.items()
        }

    def sentence(self, rng: random.Random, low: int = 8, high: int = 22) -> str:
        length = rng.randint(low, high)
        word = rng.choices(self.words, cum_weights=self.cumulative)[0]
        out = [word]
        while len(out) < length:
            nxt = self.chains.get(word)
            if not nxt or rng.random() < 0.15:
                word = rng.choices(self.words, cum_weights=self.cumulative)[0]
            else:
                word = rng.choices(nxt[0], cum_weights=nxt[1])[0]
            if word in ".,;:!?":
                if len(out) > 4 and word != ".":
                    out[-1] += word
                continue
            out.append(word)
        text = " ".join(out)
        return text[:1].upper() + text[1:] + "."

    def body(self, rng: random.Random) -> str:
        # Forum replies are mostly short, a few are long.
        sentences = rng.choice((1, 2, 2, 3, 3, 4, 5, 8))
        return " ".join(self.sentence(rng) for _ in range(sentences))


# Data -----------------------------------------------------------------------------------


def build_data(total_posts: int) -> dict:
    from forum.models import Community, Membership, Organisation, Post, Region, Thread, User
    from forum.models.tags import Tag, TaggedThread
    from forum.models.threads import PATH_STEP

    rng = random.Random(20261206)  # the same corpus on every run
    bodies, titles = demo_texts()
    vocabulary = Vocabulary(bodies + titles)
    regions = list(Region.objects.all()) or [
        Region.objects.create(slug=slug, name=name)
        for slug, name in [("bamako", "Bamako"), ("segou", "Ségou"), ("kayes", "Kayes"),
                           ("koulikoro", "Koulikoro"), ("sikasso", "Sikasso")]
    ]  # fmt: skip
    communities = {}
    for slug, name, private in COMMUNITIES:
        community = Community.objects.create(
            name=name,
            slug=slug,
            summary=vocabulary.sentence(rng, 6, 12)[:200],
            visibility=Community.Visibility.PRIVATE if private else Community.Visibility.PUBLIC,
        )
        community.regions.set(rng.sample(regions, 2))
        communities[slug] = community
    organisations = [
        Organisation.objects.create(
            name=f"{name} ({index})", acronym=f"O{index}", slug=f"org-{index}",
            kind=Organisation.Kind.ASSOCIATION, description=vocabulary.body(rng),
        )
        for index, name in enumerate(["Association des juristes maliennes",
                                      "Réseau des femmes de Ségou", "Collectif de Kati",
                                      "Radio des femmes de Kayes", "Jigiya Sikasso",
                                      "Plateforme des élues de Koulikoro"])
    ]  # fmt: skip
    first = ["Awa", "Fatoumata", "Mariam", "Aminata", "Kadiatou", "Oumou", "Binta", "Djénéba",
             "Salif", "Seydou", "Hawa", "Rokia"]  # fmt: skip
    last = ["Traoré", "Coulibaly", "Diarra", "Keïta", "Sangaré", "Diallo", "Touré", "Konaté"]
    authors = []
    for index in range(60):
        user = User.objects.create_user(
            username=f"auteur{index}",
            password="bench-password",
            display_name=f"{first[index % len(first)]} {last[index % len(last)]} {index}",
            organisation=organisations[index % len(organisations)],
            region=regions[index % len(regions)],
        )
        authors.append(user)
    memberships = [
        Membership(community=community, user=user)
        for user in authors
        for community in rng.sample(list(communities.values()), 3)
    ]
    member = User.objects.create_user(
        username="lectrice", password="bench-password", display_name="Lectrice du banc"
    )
    memberships += [Membership(community=communities[slug], user=member) for slug in MEMBER_OF]
    Membership.objects.bulk_create(memberships, ignore_conflicts=True)
    tags = [Tag.objects.create(name=name, slug=f"t{index}") for index, name in enumerate(
        ["mariage d'enfants", "loi 052", "plaidoyer", "accompagnement juridique", "radio",
         "prise en charge", "élections", "école", "sécurité", "financement"])]  # fmt: skip

    now = timezone.now()
    thread_count = max(1, total_posts // POSTS_PER_THREAD)
    slugs = list(communities)
    thread_rows = []
    for index in range(thread_count):
        created = now - datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 730))
        base = rng.choice(titles) if titles and rng.random() < 0.5 else None
        title = base or vocabulary.sentence(rng, 5, 11).rstrip(".")
        thread_rows.append(
            Thread(
                community=communities[slugs[index % len(slugs)]],
                title=title[:190],
                author=rng.choice(authors),
                created_at=created,
                last_activity_at=created,
                reply_count=POSTS_PER_THREAD - 1,
                last_seq=POSTS_PER_THREAD,
            )
        )
    Thread.objects.bulk_create(thread_rows, batch_size=2000)
    threads = list(Thread.objects.order_by("pk"))
    TaggedThread.objects.bulk_create(
        [TaggedThread(content_object=t, tag=tag) for t in threads
         for tag in rng.sample(tags, rng.randint(0, 2))],
        batch_size=5000,
    )  # fmt: skip

    def post(thread, seq: int, parent) -> Post:
        body = vocabulary.body(rng)
        root_path = f"{1:0{PATH_STEP}d}"
        return Post(
            thread=thread,
            parent=parent,
            author=rng.choice(authors),
            seq=seq,
            path=root_path if seq == 1 else root_path + f"{seq:0{PATH_STEP}d}",
            depth=0 if seq == 1 else 1,
            body=body,
            body_html=f"<p>{escape(body)}</p>",
            created_at=thread.created_at + datetime.timedelta(minutes=seq),
        )

    # Opening posts first (their ids are the replies' parent), then the replies.
    roots = Post.objects.bulk_create([post(thread, 1, None) for thread in threads], batch_size=2000)
    written = len(roots)
    batch: list[Post] = []
    for thread, root in zip(threads, roots, strict=True):
        for seq in range(2, POSTS_PER_THREAD + 1):
            batch.append(post(thread, seq, root))
            written += 1
        if len(batch) >= 5000:
            Post.objects.bulk_create(batch)
            batch = []
    Post.objects.bulk_create(batch)
    return {"member": member, "communities": communities, "posts": written,
            "threads": len(threads)}  # fmt: skip


# Measuring ------------------------------------------------------------------------------


def database_size() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return pages * cursor.fetchone()[0]


def database_description() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (file)"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(total_posts: int, rounds: int) -> dict:
    from forum import limits
    from forum.search import SearchFilters, rebuild_index, search

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with limits.suspended():
        data = build_data(total_posts)
    data_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    size_before = database_size()
    started = time.perf_counter()
    entries = rebuild_index()
    index_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    index_bytes = database_size() - size_before

    member = data["member"]
    since = (timezone.now() - datetime.timedelta(days=90)).date()

    def filters_for(kind):
        if kind is None:
            return None
        if kind == "recent":
            return SearchFilters(date_from=since)
        return SearchFilters(community=data["communities"][kind])

    prepared = [(q, filters_for(f)) for q, f in QUERIES]
    for q, f in prepared:  # warm-up: caches, prepared plans
        search(member, q, filters=f, page=1, per_page=20)
    samples: dict[str, list[float]] = {q: [] for q, _ in QUERIES}
    hits: dict[str, int] = {}
    for round_index in range(rounds):
        order = list(prepared)
        random.Random(round_index).shuffle(order)  # interleaved, a new order each round
        for q, f in order:
            t0 = time.perf_counter()
            results = search(member, q, filters=f, page=1, per_page=20)
            shown = [(h.title, h.url, list(h.snippet)) for h in results.hits]  # snippets made
            samples[q].append((time.perf_counter() - t0) * 1000)
            hits[q] = len(shown)
    pooled = [s for values in samples.values() for s in values]
    p95 = percentile(pooled, 0.95)
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": page_machine(
            database_description(),
            vendor=connection.vendor,
            load_average=[round(load_before, 2), round(os.getloadavg()[0], 2)],
        ),
        "posts": data["posts"],
        "threads": data["threads"],
        "entries": entries,
        "data_seconds": data_seconds,
        "index_seconds": index_seconds,
        "index_bytes": index_bytes,
        "rounds": rounds,
        "per_query": {
            q: {
                "p50": statistics.median(v),
                "p95": percentile(v, 0.95),
                "hits": hits[q],
                "filter": f or "",
            }
            for (q, f), v in zip(QUERIES, samples.values(), strict=True)
        },  # fmt: skip
        "p50": statistics.median(pooled),
        "p95": p95,
        "met": p95 <= TARGET_P95_MS,
    }


def report(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"{results['date']} — {m['database']}, {m['cpus']} CPUs, Python {m['python']}, "
        f"Django {m['django']}; load average {m['load_average'][0]} at the start, "
        f"{m['load_average'][1]} at the end.",
        "",
        f"- corpus: **{results['posts']:,} posts** in {results['threads']:,} threads "
        f"(8 CoPs, 3 private), written in bulk in {results['data_seconds']:.0f} s",
        f"- index: {results['entries']:,} entries built by `rebuild_index()` in "
        f"**{results['index_seconds']:.1f} s**; the database grew by "
        f"**{results['index_bytes'] / 1e6:.0f} MB**",
        f"- 20 queries × {results['rounds']} rounds (interleaved, pooled), as a member of 4 "
        f"CoPs (2 private), first page of 20 results with snippets: "
        f"**p50 {results['p50']:.1f} ms, p95 {results['p95']:.1f} ms** — target p95 ≤ "
        f"{TARGET_P95_MS:.0f} ms: {results['p95'] / TARGET_P95_MS:.0%} of it, "
        f"{'met' if results['met'] else 'MISSED'}",
        "",
        "| query | filter | results on page 1 | p50 | p95 |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for q, v in results["per_query"].items():
        lines.append(
            f"| `{q}` | {v['filter'] or '—'} | {v['hits']} | {v['p50']:.1f} ms | "
            f"{v['p95']:.1f} ms |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if args.posts < POSTS_PER_THREAD or args.rounds < 1:
        parser.error("--posts must be at least 20 and --rounds at least 1")

    from django.conf import settings

    settings.DEBUG = False
    original_name = connection.settings_dict["NAME"]
    workdir = None
    if connection.vendor == "sqlite":
        # A file rather than memory, so that the index's size can be read and the page
        # cache behaves as in production.
        workdir = tempfile.TemporaryDirectory(prefix="jekafo-bench-search-")
        connection.settings_dict["TEST"]["NAME"] = os.path.join(workdir.name, "search.sqlite3")
    else:
        connection.settings_dict["TEST"]["NAME"] = f"test_{original_name}_bench_search"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        results = run(args.posts, args.rounds)
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        if workdir:
            workdir.cleanup()

    text = report(results)
    print("\nSearch benchmark\n\n" + text)
    if not args.no_docs and args.posts == 100_000:
        vendor = results["machine"]["vendor"]
        name = "search-postgresql" if vendor == "postgresql" else "search-sqlite"
        title = "PostgreSQL" if vendor == "postgresql" else "SQLite"
        body = (f"## Search — {title} (`make bench-search`"
                f"{' with DATABASE_URL' if vendor == 'postgresql' else ''})\n\n{text}")  # fmt: skip
        replace_section(f"<!-- {name}:start -->", f"<!-- {name}:end -->", body)
        print("\nUpdated docs/benchmarks.md")
    return 0 if results["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
