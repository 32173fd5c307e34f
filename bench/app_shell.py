"""
Benchmark the offline-first site: service worker, app shell, and what visits cost.

Run it with ``make bench-app-shell`` (or ``.venv/bin/python bench/app_shell.py``).

It builds a throw-away in-memory test database holding one public community
and a thread of 20 posts written through ``forum.services``, then, as a
signed-in member, with Django's test client:

- the service worker (``/sw.js``, with the addresses the server writes above
  it) and every file of the app shell it stores at install, raw and gzip
  (level 6, as GZipMiddleware does; PNG icons are counted as they are);
- a first visit of the thread: its HTML, the stylesheets and scripts it names,
  the manifest, and what installing the worker downloads on top (the shell
  files the page did not already load, the worker itself);
- a second visit with the worker installed: the HTML only (network first);
  the worker answers the shell from its cache, and its update check is a 304;
- the same second visit offline: nothing crosses the network.

Results are printed and written into docs/benchmarks.md between the
``app_shell`` markers (``--no-docs`` leaves the file alone).
"""

import argparse
import datetime
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# isort: off
from thread_page import (  # noqa: E402  (sets Django up: first)
    DOCS,
    KB,
    bench_database,
    first_visit,
    gzip_size,
    kb,
    post_body,
    replace_section,
)

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.test import Client  # noqa: E402

# isort: on

THREAD_POSTS = 20
COMMAND = ".venv/bin/python bench/app_shell.py"
# The worker and the shell: a few KB, so that installing it is no burden on 2G.
TARGET_SHELL_KB = 40.0
START, END = "<!-- app_shell:start -->", "<!-- app_shell:end -->"


def build_thread(client: Client) -> str:
    import random

    from forum import limits, services
    from forum.models import Community, Membership, User

    rng = random.Random(20261206)
    community = Community.objects.create(
        name="Violences basées sur le genre", slug="vbg", visibility=Community.Visibility.PUBLIC
    )
    authors = []
    for index in range(4):
        user = User.objects.create_user(
            username=f"auteur{index}", password="bench-password", display_name=f"Autrice {index}"
        )
        Membership.objects.create(community=community, user=user)
        authors.append(user)
    with limits.suspended():
        thread = services.create_thread(
            author=authors[0], community=community, title="Retours d'expérience", body="Début."
        )
        for _ in range(THREAD_POSTS - 1):
            services.create_post(
                author=rng.choice(authors), thread=thread, parent=None, body=post_body(rng)
            )
    client.force_login(authors[1])
    return thread.get_absolute_url()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def file_or_page(client: Client, url: str) -> bytes:
    if url.startswith(settings.STATIC_URL):
        found = finders.find(url.removeprefix(settings.STATIC_URL))
        if found:
            return Path(found).read_bytes()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return body_of(response)


def entry(url: str, data: bytes) -> dict:
    return {"url": url, "bytes": len(data), "gzip_bytes": gzip_size(data)}


def run() -> dict:
    client = Client()
    thread_url = build_thread(client)
    worker_response = client.get("/sw.js")
    worker = body_of(worker_response)
    shell_urls = json.loads(re.search(rb"const SHELL = (\[.*?\]);", worker).group(1))
    outbox_url = json.loads(re.search(rb"const OUTBOX_JS = (\".*?\");", worker).group(1))
    shell = [entry(url, file_or_page(client, url)) for url in shell_urls]
    html = body_of(client.get(thread_url))
    page = first_visit(client, thread_url, html)
    manifest = entry("/manifest.webmanifest", body_of(client.get("/manifest.webmanifest")))
    page_urls = {asset["url"] for asset in page["assets"]}
    # Installing the worker: the worker, the file it imports, the shell files not loaded yet.
    install = [entry("/sw.js", worker)] + [
        item for item in shell if item["url"] not in page_urls and item["url"] != outbox_url
    ]
    icons = {item["url"] for item in shell if item["url"].endswith(".png")}
    first_total = page["total_gzip_bytes"] + manifest["gzip_bytes"]
    first_total += sum(
        item["bytes"] if item["url"] in icons else item["gzip_bytes"] for item in install
    )
    not_modified = client.get("/sw.js", headers={"If-None-Match": worker_response["ETag"]})
    js = [item for item in shell if item["url"].endswith(".js")]
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "worker": entry("/sw.js", worker),
        "shell": shell,
        "shell_bytes": sum(item["bytes"] for item in shell) + len(worker),
        "shell_gzip_bytes": sum(
            item["bytes"] if item["url"] in icons else item["gzip_bytes"] for item in shell
        )
        + gzip_size(worker),
        "own_js": {
            "outbox.js": next(i for i in js if "outbox" in i["url"]),
            "sw.js": entry("sw.js", Path(finders.find("js/sw.js")).read_bytes()),
        },
        "thread": {"posts": THREAD_POSTS, "html_gzip_bytes": page["html_gzip_bytes"]},
        "first_visit": {
            "page_bytes": page["total_gzip_bytes"],
            "manifest_bytes": manifest["gzip_bytes"],
            "install_bytes": first_total - page["total_gzip_bytes"] - manifest["gzip_bytes"],
            "total_bytes": first_total,
        },
        "second_visit": {
            "html_bytes": page["html_gzip_bytes"],
            "worker_check_status": not_modified.status_code,
            "total_bytes": page["html_gzip_bytes"],
        },
        "offline_visit_bytes": 0,
    }


def markdown_section(r: dict) -> str:
    lines = [
        "## Service worker and app shell",
        "",
        f"Measured {r['date']}, Django test client, as a signed-in member; sizes gzip "
        "level 6 (PNG icons as they are); 1 KB = 1000 bytes.",
        "",
        "| file | raw | gzip |",
        "| --- | ---: | ---: |",
        f"| `/sw.js` (as served, with its addresses) | {kb(r['worker']['bytes'])} "
        f"| {kb(r['worker']['gzip_bytes'])} |",
    ]
    for item in r["shell"]:
        lines.append(f"| `{item['url']}` | {kb(item['bytes'])} | {kb(item['gzip_bytes'])} |")
    met = r["shell_gzip_bytes"] / KB <= TARGET_SHELL_KB
    lines += [
        f"| **worker + shell** | {kb(r['shell_bytes'])} | **{kb(r['shell_gzip_bytes'])}** |",
        "",
        f"Hand-written scripts of this part: `outbox.js` "
        f"{kb(r['own_js']['outbox.js']['bytes'])} ({kb(r['own_js']['outbox.js']['gzip_bytes'])} "
        f"gzip), `sw.js` {kb(r['own_js']['sw.js']['bytes'])} "
        f"({kb(r['own_js']['sw.js']['gzip_bytes'])} gzip).",
        "",
        f"A thread of {r['thread']['posts']} posts:",
        "",
        "| visit | bytes (gzip) |",
        "| --- | ---: |",
        f"| first: page (HTML, CSS, scripts) | {kb(r['first_visit']['page_bytes'])} |",
        f"| first: manifest | {kb(r['first_visit']['manifest_bytes'])} |",
        f"| first: installing the worker (worker, shell files not loaded yet) "
        f"| {kb(r['first_visit']['install_bytes'])} |",
        f"| **first visit, total** | **{kb(r['first_visit']['total_bytes'])}** |",
        f"| second visit, worker installed: HTML only (worker check: "
        f"{r['second_visit']['worker_check_status']}) | {kb(r['second_visit']['total_bytes'])} |",
        f"| second visit, offline (the kept copy) | {kb(r['offline_visit_bytes'])} |",
        "",
        f"Target: worker + shell ≤ {TARGET_SHELL_KB:.0f} KB gzip — "
        f"{r['shell_gzip_bytes'] / KB:.1f} KB, {'met' if met else 'MISSED'}. "
        "Static files have hashed names and a year of HTTP caching, so without the worker a "
        "second visit online costs about the same HTML; the worker's gain is the offline "
        "visit and the outbox, and its price is the install row above, paid once.",
        "",
        "Reproduce from the repository root (`make bench-app-shell`):",
        "",
        "```sh",
        COMMAND,
        "```",
    ]
    return "\n".join(lines)


def write_docs(results: dict) -> None:
    replace_section(START, END, markdown_section(results))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    with bench_database():
        results = run()
    section = markdown_section(results)
    print(section)
    if not args.no_docs:
        write_docs(results)
        print(f"\nUpdated {DOCS.relative_to(DOCS.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
