"""Helpers for the tests that run deploy/ for real: nginx, the systemd command line, backups."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"


def require_tool(name: str, *extra_paths: str) -> str:
    """The program's path; fail in CI and skip elsewhere when it is not installed."""
    found = shutil.which(name) or next((p for p in extra_paths if os.access(p, os.X_OK)), None)
    if found:
        return found
    message = f"{name} is not installed."
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} CI must install it (.ci/run).", pytrace=False)
    pytest.skip(message)


def make_certificate(workdir: Path, openssl: str) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1; return (certificate, key)."""
    cert, key = workdir / "tls" / "cert.pem", workdir / "tls" / "key.pem"
    cert.parent.mkdir()
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def substitute(text: str, old: str, new: str, *, regex: bool = False) -> str:
    """Replace, and fail if the site file no longer contains what the test replaces."""
    changed, count = (
        re.subn(old, new, text, flags=re.M) if regex else (text.replace(old, new), text.count(old))
    )
    assert count, f"deploy/nginx/jekafo.conf no longer contains {old!r}"
    return changed


def render_site(
    *,
    server_name: str,
    cert: Path,
    key: Path,
    static_root: Path,
    acme_root: Path,
    http_port: int,
    https_port: int,
    upstream_ports: list[int],
) -> str:
    """deploy/nginx/jekafo.conf as an operator fills it in, on test ports, loopback only."""
    text = (DEPLOY / "nginx" / "jekafo.conf").read_text()
    for placeholder, value in {
        "@SERVER_NAME@": server_name,
        "@TLS_CERTIFICATE@": str(cert),
        "@TLS_CERTIFICATE_KEY@": str(key),
        "@STATIC_ROOT@": str(static_root),
        "@ACME_ROOT@": str(acme_root),
    }.items():
        text = substitute(text, placeholder, value)
    text = substitute(text, r"^\s*listen \[::\]:.*\n", "", regex=True)  # IPv4 loopback only
    text = substitute(text, r"^(\s*listen) 443\b", rf"\1 127.0.0.1:{https_port}", regex=True)
    text = substitute(text, r"^(\s*listen) 80\b", rf"\1 127.0.0.1:{http_port}", regex=True)
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in upstream_ports)
    upstream = r"^    server 127\.0\.0\.1:\d+;\n(?:    server 127\.0\.0\.1:\d+;\n)*"
    text = substitute(text, upstream, servers, regex=True)
    assert "@" not in re.sub(r"#.*", "", text), "a placeholder is left"
    return text


def render_main_config(workdir: Path, site: Path) -> Path:
    """An nginx.conf whose every written path is under ``workdir`` (run with -p workdir)."""
    mime = Path("/etc/nginx/mime.types")
    types = (
        f"include {mime};"
        if mime.is_file()
        else (
            "types { text/html html; text/css css; application/javascript js; image/svg+xml svg; }"
        )
    )
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / 'temp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"} info;
events {{ worker_connections 512; }}
http {{
    {types}
    default_type application/octet-stream;
    access_log {workdir / "nginx-access.log"};
{temp}
    include {site};
}}
"""
    )
    (workdir / "temp").mkdir(exist_ok=True)
    return conf


def unit_command(unit: str, instance: str) -> list[str]:
    """ExecStart of a deploy/systemd unit, for this checkout and this Python."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "systemd" / unit).read_text())
    words = shlex.split(re.search(r"^ExecStart=(.+)$", text, re.MULTILINE)[1])
    assert words[0].endswith("/.venv/bin/python"), words[0]
    return [sys.executable, *(word.replace("%i", instance) for word in words[1:])]
