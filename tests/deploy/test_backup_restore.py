"""
deploy/backup.sh and deploy/restore.sh on a real PostgreSQL.

A database seeded through the services (a private CoP's thread with a reply, a
webinar document uploaded into MEDIA_ROOT, a signed-in session) is backed up by
the script; the backup is restored into a NEW, EMPTY database and an empty
media directory; Daphne started on the restored database serves the same thread
page and the same file to the same signed-in member. Retention and the refusal
to restore over data are checked on the way.

Runs on the PostgreSQL server of DATABASE_URL, or of POSTGRES_SERVER_URL when the
suite runs on SQLite (.ci/run sets it, so both passes run it); without either it
skips, and fails in CI. pg_dump, pg_restore and psql must be installed: missing
ones fail in CI.
"""

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.realtime._daphne import (
    ClusterDatabase,
    DaphneProcess,
    cluster_env,
    make_workdir,
    run_python,
)

from ._tools import DEPLOY, require_tool

pytestmark = pytest.mark.postgres


def postgres_url() -> str:
    """A PostgreSQL server to make the test's own databases on: the suite's, or POSTGRES_SERVER_URL.

    .ci/run sets POSTGRES_SERVER_URL for both passes, so the SQLite pass runs this test too.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = os.environ.get("POSTGRES_SERVER_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        message = "backup/restore needs PostgreSQL: set DATABASE_URL or POSTGRES_SERVER_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    for tool in ("pg_dump", "pg_restore", "psql"):
        require_tool(tool)
    return url


def run_script(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(DEPLOY / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def get(url: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_backup_restores_into_an_empty_database_and_the_site_serves_the_same_thread(
    collected_static,
):
    base_url = postgres_url()
    workdir = make_workdir()
    source = ClusterDatabase(base_url, workdir)
    source.name = f"jekafo_backup_{os.getpid()}"
    source.url = source.url.rsplit("/", 1)[0] + f"/{source.name}"
    target = ClusterDatabase(base_url, workdir)
    target.name = f"jekafo_restore_{os.getpid()}"
    target.url = target.url.rsplit("/", 1)[0] + f"/{target.name}"
    media, restored_media = workdir / "media", workdir / "media-restored"
    backups = workdir / "backups"
    env = cluster_env(source.url, "")
    env.update(
        MEDIA_ROOT=str(media),
        STATIC_ROOT=str(collected_static),
        BACKUP_DIR=str(backups),
        BACKUP_KEEP="2",
    )
    process = None
    try:
        source.drop()
        target.drop()
        source.create(env)
        seeded = json.loads(
            run_python(["-m", "tests.deploy._seed"], env, timeout=60).strip().splitlines()[-1]
        )
        assert (media / seeded["file_name"]).is_file()

        # Three backups with BACKUP_KEEP=2: the oldest goes.
        made = []
        for _ in range(3):
            result = run_script("backup.sh", env)
            assert result.returncode == 0, result.stderr
            made.append(Path(result.stdout.split("backup: ", 1)[1].split(" (", 1)[0]))
            if len(made) < 3:
                subprocess.run(["sleep", "1.1"], check=True)  # names are per second
        kept = sorted(p.name for p in backups.iterdir())
        assert kept == sorted(p.name for p in made[1:]), kept
        backup = made[-1]
        assert {p.name for p in backup.iterdir()} == {"database.dump", "media.tar.gz", "SHA256SUMS"}
        assert "removed" in result.stdout

        # Restore into a new, empty database and an empty media directory.
        target._admin(f'CREATE DATABASE "{target.name}"')
        restored_env = {**env, "DATABASE_URL": target.url, "MEDIA_ROOT": str(restored_media)}
        result = run_script("restore.sh", restored_env, str(backup))
        assert result.returncode == 0, result.stderr + result.stdout
        assert (restored_media / seeded["file_name"]).read_text() == seeded["file_content"]

        # A second restore would write over data: refused, nothing changed.
        again = run_script("restore.sh", restored_env, str(backup))
        assert again.returncode == 1 and "not empty" in again.stderr

        # The restored site serves the same private thread and file to the same member.
        run_python(["manage.py", "migrate", "--check", "-v0"], restored_env, timeout=120)
        process = DaphneProcess("restored", restored_env, workdir)
        process.wait_ready()
        site = f"http://127.0.0.1:{process.port}"
        status, page = get(site + seeded["thread_url"], seeded["cookie"])
        assert status == 200, page[:2000]
        text = page.decode()
        assert seeded["title"].replace("'", "&#x27;") in text
        assert seeded["reply"] in text
        status, body = get(
            f"{site}/webinaires/documents/{seeded['document_id']}/", seeded["cookie"]
        )
        assert status == 200 and body.decode() == seeded["file_content"]
        # Still private after the restore: without the session, it does not exist.
        assert get(site + seeded["thread_url"], "")[0] == 404
    finally:
        if process is not None:
            process.stop()
            print(process.log_tail())
        source.drop()
        target.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_restore_refuses_a_backup_whose_checksum_does_not_match(tmp_path):
    postgres_url()
    backup = tmp_path / "jekafo-20260101T000000Z"
    backup.mkdir()
    (backup / "database.dump").write_bytes(b"not a dump")
    (backup / "media.tar.gz").write_bytes(b"")
    (backup / "SHA256SUMS").write_text(
        "0" * 64 + "  database.dump\n" + "0" * 64 + "  media.tar.gz\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/never",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = run_script("restore.sh", env, str(backup))
    assert result.returncode != 0
    assert "FAILED" in result.stderr + result.stdout
    assert not (tmp_path / "media").exists()
