"""
Fixtures for the browser tests: a real Daphne process and Debian's Chromium.

pytest-django's live_server speaks WSGI and has no WebSockets, so the site is
served by ``daphne config.asgi:application`` as in production (DEBUG=0,
ALLOWED_HOSTS, static files collected and served by WhiteNoise) on a database
of its own that the test process never touches (tests/realtime/_daphne.py).
The channel layer is the in-memory one: a single process, on purpose — what
crosses processes through Redis is proven by tests/realtime/test_daphne_cluster.py.

The browsers are Playwright driving /usr/bin/chromium, one browser with a
fresh profile per user. Without Playwright or Chromium the tests are skipped
on a developer's machine and fail in CI (CI=true), as ``require_service`` does.
"""

import contextlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.realtime._daphne import (
    ClusterDatabase,
    DaphneProcess,
    cluster_env,
    make_workdir,
    run_python,
)

CHROMIUM = Path("/usr/bin/chromium")
# Exactly these: no GPU, no network of Chromium's own, no profile left behind.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
PHONE = {"width": 360, "height": 740}


def require_browser() -> None:
    """Fail in CI and skip elsewhere when Playwright or Chromium is missing."""
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the Python package playwright (pip install -e '.[dev]')")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if missing:
        message = f"Browser tests need {' and '.join(missing)}."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} CI must provide them.", pytrace=False)
        pytest.skip(message)


class Site:
    """The running server and what the seed created."""

    def __init__(self, process: DaphneProcess, seeded: dict, env: dict[str, str]) -> None:
        self.process = process
        self.seeded = seeded
        # The server's environment, for a management command run beside it (a timer's).
        self.env = env
        self.base_url = f"http://127.0.0.1:{process.port}"

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="module")
def site():
    """Daphne on a free port, DEBUG off, on a migrated and seeded database of its own."""
    require_browser()
    workdir = make_workdir()
    database = ClusterDatabase(os.environ.get("DATABASE_URL", ""), workdir)
    # No REDIS_URL: the in-memory channel layer of the single process.
    env = cluster_env(database.url, "")
    # Production's cookie flags stay (Secure too: Chromium keeps them for http://127.0.0.1).
    # Uploaded files (webinar documents, post files) stay in the work directory.
    env.update(STATIC_ROOT=str(workdir / "static"), MEDIA_ROOT=str(workdir / "media"))
    process = None
    try:
        database.create(env)
        # DEBUG off: the manifest storage and WhiteNoise serve only collected files,
        # and WhiteNoise lists them when the process starts.
        run_python(["manage.py", "collectstatic", "--no-input", "-v0"], env, timeout=120)
        process = DaphneProcess("e2e", env, workdir)
        output = run_python(["-m", "tests.e2e._seed"], env, timeout=60)
        seeded = json.loads(output.strip().splitlines()[-1])
        process.wait_ready()
        running = Site(process, seeded, env)
        running.database = database  # the server's own rows, read directly
        yield running
    finally:
        if process is not None:
            process.stop()
            print(f"--- daphne log\n{process.log_tail()}")  # shown when a test failed
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


# Django 6.1's ASGI handler, when the browser drops a request before its response exists
# (a navigation that replaces a loading page), sends request_finished through an executor
# that the cancelled request already shut: a traceback in the log, for a client that is
# gone (seen once in CI, on a sign-in page the test had navigated away from). Nothing was
# answered to anyone, so that one traceback is not counted as the server's error.
ABORTED_REQUEST_TRACEBACK = re.compile(
    r"Exception inside application: CurrentThreadExecutor already quit or is broken\n"
    r"Traceback \(most recent call last\):\n(?:  .*\n)*?"
    r"(?=.*request_finished\.asend)(?:  .*\n)*"
    r"RuntimeError: CurrentThreadExecutor already quit or is broken\n"
)


@pytest.fixture(autouse=True)
def no_server_errors(site):
    """Fail a test during which the server logged an exception or answered 500."""
    start = site.process.log_path.stat().st_size
    yield
    site.process.log_tail()  # flushes the log
    with site.process.log_path.open("rb") as log:
        log.seek(start)
        written = log.read().decode(errors="replace")
    written = ABORTED_REQUEST_TRACEBACK.sub("", written)
    if "Traceback" in written or '" 500 ' in written:
        pytest.fail(f"the server logged errors during the test:\n{written[-6000:]}", pytrace=False)


@pytest.fixture(scope="module")
def playwright_driver(site):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def sign_in(site, playwright_driver):
    """``sign_in("a")``, ``sign_in("b")`` or ``sign_in("m")`` (the moderator): a page in a
    browser of its own, signed in through the login form; ``phone=True`` gives it the
    360×740 screen of a small Android phone, ``microphone=True`` Chromium's fake one.
    Every browser is closed after the test."""
    from playwright.sync_api import expect

    opened = []

    def open_browser(who: str, *, phone: bool = False, microphone: bool = False):
        profile = tempfile.mkdtemp(prefix="jekafo-chromium-")
        # Chromium's fake microphone (a beep) and no permission prompt, for recording tests.
        fake_media = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
        context = playwright_driver.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS + (fake_media if microphone else []),
            headless=True,
            locale="fr-FR",
            viewport=PHONE if phone else {"width": 1100, "height": 900},
            is_mobile=phone,
            has_touch=phone,
        )
        opened.append((context, profile))
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.pages[0] if context.pages else context.new_page()
        person = site.seeded[who]
        page.goto(site.url("/compte/connexion/"))
        page.locator("#id_username").fill(person["username"])
        page.locator("#id_password").fill(site.seeded["password"])
        page.get_by_role("button", name="Se connecter").click()
        expect(page.locator(".site-header")).to_contain_text(person["name"])
        return page

    yield open_browser
    for context, profile in opened:
        with contextlib.suppress(Exception):
            context.close()
        shutil.rmtree(profile, ignore_errors=True)
