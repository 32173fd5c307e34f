"""
One side of bench/vs_spirit.py: Jɛkafɔ or the Spirit peer, in its own interpreter.

``python bench/_page_side.py SIDE DB load``   migrate a fresh SQLite file DB,
    write the shared corpus (bench/_corpus.py) as one thread of POSTS posts
    through the forum's own write path, sign a member in, and print a JSON
    line: the thread's URL and the member's session cookie.
``python bench/_page_side.py SIDE DB worker`` serve measurement requests on
    stdin, one per line: ``visitor N`` or ``member N``; answer a JSON line with
    the CPU time (time.process_time) and wall time of each of N GETs of the
    thread page through Django's test Client, in this process.

SIDE is ``jekafo`` (run with .venv's Python, Django 6.1) or ``spirit`` (run
with bench/.spirit-venv's Python, django-spirit 0.14.3 on Django 5.2). Both
sides read the same settings as their server does for the HTTP round
(``server_env``), so in-process and HTTP figures are of the same set-up.
"""

import json
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
POSTS = 100
MEMBER = "lectrice"
PASSWORD = "bench-password"  # noqa: S105  (a throw-away local benchmark)


def server_env(side: str, db: str, scratch: str) -> dict[str, str]:
    """The environment both the worker and the HTTP server of ``side`` run with."""
    env = {"PYTHONPATH": f"{ROOT}:{BENCH}", "PYTHONHASHSEED": "0"}
    if side == "jekafo":
        env.update(
            DJANGO_SETTINGS_MODULE="jekafo_peer_settings",
            DEBUG="0",
            SECRET_KEY="bench-spirit-peer-only",
            DATABASE_URL=f"sqlite:///{db}",
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            SECURE_SSL_REDIRECT="0",
            SECURE_COOKIES="0",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            MEDIA_ROOT=os.path.join(scratch, "media"),
        )
    else:
        env.update(
            DJANGO_SETTINGS_MODULE="spirit_peer.settings",
            SPIRIT_DB=db,
            SPIRIT_SCRATCH=scratch,
        )
    return env


def setup() -> None:
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import django

    django.setup()


def load_jekafo() -> str:
    from _corpus import THREAD_TITLE, create_jekafo_cast, thread_corpus

    from forum import limits, services

    community, authors, _member = create_jekafo_cast(PASSWORD, MEMBER)
    opening, replies = thread_corpus(POSTS)
    with limits.suspended():
        thread = services.create_thread(
            author=authors[0], community=community, title=THREAD_TITLE, body=opening
        )
        for author, body in replies:
            services.create_post(author=authors[author], thread=thread, parent=None, body=body)
    return thread.get_absolute_url()


def load_spirit() -> str:
    from _corpus import AUTHOR_NAMES, THREAD_TITLE, thread_corpus
    from django.contrib.auth import get_user_model
    from spirit.admin.forms import BasicConfigForm
    from spirit.category.models import Category
    from spirit.comment.forms import CommentForm
    from spirit.comment.utils import comment_posted
    from spirit.topic.models import Topic

    User = get_user_model()
    # One page of POSTS comments (Spirit's own setting, at most 100).
    config = BasicConfigForm(data={"site_name": "Spirit", "comments_per_page": POSTS,
                                   "topics_per_page": 20})  # fmt: skip
    assert config.is_valid(), config.errors
    config.save()
    authors = []
    for index, name in enumerate(AUTHOR_NAMES):
        user = User.objects.create_user(
            username=f"auteur{index}", password=PASSWORD, email=f"a{index}@example.org"
        )
        user.first_name = name
        user.save()
        authors.append(user)
    User.objects.create_user(username=MEMBER, password=PASSWORD, email="l@example.org")
    category = Category.objects.create(title="Violences basées sur le genre")
    topic = Topic.objects.create(user=authors[0], category=category, title=THREAD_TITLE)
    opening, replies = thread_corpus(POSTS)
    for author, body in [(0, opening), *replies]:
        # Spirit's own write path (comment/views.py publish): Markdown to HTML once.
        form = CommentForm(user=authors[author], topic=topic, data={"comment": body})
        assert form.is_valid(), form.errors
        comment = form.save()
        comment_posted(comment=comment, mentions=form.mentions)
    topic.refresh_from_db()
    return topic.get_absolute_url()


def load(side: str) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    url = load_jekafo() if side == "jekafo" else load_spirit()
    client = Client()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=MEMBER))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"url": url, "cookie": [settings.SESSION_COOKIE_NAME, cookie]}


def count_posts(side: str, html: str) -> int:
    if side == "jekafo":
        return html.count('<article id="post-')
    marker = 'class="comments_list__comment js-comment"'
    return html.count(marker)


def is_signed_in(side: str, html: str) -> bool:
    return ('data-user-id="' if side == "jekafo" else "/user/logout/") in html


def worker(side: str, url: str, cookie: list[str]) -> None:
    from django.test import Client

    clients = {"visitor": Client(), "member": Client()}
    clients["member"].cookies[cookie[0]] = cookie[1]
    for audience, client in clients.items():  # check what is measured, once
        response = client.get(url)
        html = response.content.decode()
        shown = count_posts(side, html)
        signed_in = is_signed_in(side, html)
        if response.status_code != 200 or shown != POSTS or signed_in != (audience == "member"):
            sys.exit(f"{side} {audience}: HTTP {response.status_code}, {shown} posts, {signed_in=}")
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        audience, count = line.split()
        client = clients[audience]
        cpu, wall = [], []
        for _ in range(int(count)):
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            assert response.status_code == 200
        print(json.dumps({"cpu": cpu, "wall": wall}), flush=True)


def main() -> None:
    side, db, command = sys.argv[1:4]
    scratch = str(Path(db).parent)
    os.environ.update(server_env(side, db, scratch))
    setup()
    if command == "load":
        print(json.dumps(load(side)), flush=True)
    else:
        worker(side, sys.argv[4], json.loads(sys.argv[5]))


if __name__ == "__main__":
    main()
