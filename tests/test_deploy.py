"""
Production settings and the deploy/ folder, without starting any service.

``check --deploy`` runs in a subprocess with a production environment, since
settings are read once from the environment. The real nginx, the Daphne
processes behind it and the backup scripts are exercised in tests/deploy/.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve, reverse

from config import body_limit

BASE_DIR = Path(__file__).resolve().parents[1]
DEPLOY = BASE_DIR / "deploy"
NGINX_SITE = DEPLOY / "nginx" / "jekafo.conf"
SYSTEMD = DEPLOY / "systemd"


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of deploy/systemd/jekafo.env.example, with test values."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "SECURE_", "SMTP_", "EMAIL_"))
        and key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "BEHIND_PROXY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="jekafo.example.org",
        CSRF_TRUSTED_ORIGINS="https://jekafo.example.org",
        SITE_URL="https://jekafo.example.org",
        BEHIND_PROXY="1",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SMTP_HOST="smtp.example.org",
        PYTHONPATH=str(BASE_DIR),
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# The settings module alone (no app loading): quick, and what every process imports first.
SHOW_SETTINGS = """
import json
import config.settings as s
print(json.dumps({
    "debug": s.DEBUG, "ssl_redirect": s.SECURE_SSL_REDIRECT, "hsts": s.SECURE_HSTS_SECONDS,
    "proxy": s.SECURE_PROXY_SSL_HEADER, "backend": s.MAILERS["default"]["BACKEND"],
    "options": s.MAILERS["default"].get("OPTIONS"),
}))
"""


def show_settings(env: dict[str, str]) -> dict:
    result = run(["-c", SHOW_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# check --deploy -----------------------------------------------------------------------


def test_check_deploy_reports_nothing_under_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout
    for marker in ("WARNINGS", "ERRORS", "(security.", "(mail."):
        assert marker not in result.stdout + result.stderr


def test_production_settings_redirect_to_https_and_send_hsts_behind_the_proxy():
    shown = show_settings(production_env())
    assert shown["ssl_redirect"] is True
    assert shown["hsts"] >= 180 * 24 * 3600
    assert shown["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert shown["options"]["host"] == "smtp.example.org"
    assert shown["options"]["use_tls"] is True and shown["options"]["use_ssl"] is False


def test_smtp_ssl_uses_implicit_tls_on_port_465():
    shown = show_settings(production_env(SMTP_SSL="1"))
    assert shown["options"]["use_ssl"] is True and shown["options"]["use_tls"] is False
    assert shown["options"]["port"] == 465


def test_production_refuses_to_start_without_an_email_backend():
    result = run(["-c", "import config.settings"], production_env(EMAIL_BACKEND=None))
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "RuntimeError: EMAIL_BACKEND must be set when DEBUG is off" in message
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "docs/deployment.md"):
        assert name in message


def test_production_refuses_smtp_without_a_host():
    result = run(["-c", "import config.settings"], production_env(SMTP_HOST=None))
    assert result.returncode != 0
    assert "SMTP_HOST must be set" in result.stderr.strip().splitlines()[-1]


def test_check_deploy_reports_a_console_backend_and_hsts_turned_off():
    env = production_env(
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend", SECURE_HSTS_SECONDS="0"
    )
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "mail.E001" in result.stderr and "security.W004" in result.stderr


def test_embedded_defaults_stay_on_plain_http_with_debug_on():
    """`make run` sets none of the production variables: http://127.0.0.1:8000 must work."""
    env = {
        key: value
        for key, value in production_env().items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "BEHIND_PROXY",
            "EMAIL_BACKEND",
            "SMTP_HOST",
            "CSRF_TRUSTED_ORIGINS",
            "SITE_URL",
        }
    }
    shown = show_settings(env)
    assert shown["debug"] is True
    assert shown["ssl_redirect"] is False
    assert shown["hsts"] == 0
    assert shown["proxy"] is None
    assert shown["backend"] == "django.core.mail.backends.console.EmailBackend"


# Content-Security-Policy --------------------------------------------------------------

TEMPLATE_FILES = sorted((BASE_DIR / "templates").rglob("*.html")) + sorted(
    (BASE_DIR / "templates").rglob("*.txt")
)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*?\s(on[a-z]+)\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_templates_carry_no_inline_style_or_script():
    assert TEMPLATE_FILES
    found = []
    for path in TEMPLATE_FILES:
        text = path.read_text()
        name = path.relative_to(BASE_DIR)
        if re.search(r"\bstyle\s*=", text, re.IGNORECASE):
            found.append(f"{name}: style attribute")
        if re.search(r"<style\b", text, re.IGNORECASE):
            found.append(f"{name}: <style> element")
        if handler := INLINE_HANDLER.search(text):
            found.append(f"{name}: inline event handler ({handler[1]})")
        if "javascript:" in text.lower():
            found.append(f"{name}: javascript: URL")
        for attributes in SCRIPT_TAG.findall(text):
            if "src=" not in attributes and 'type="application/json"' not in attributes:
                found.append(f"{name}: inline <script{attributes}>")
    assert not found, "\n".join(found)


def test_scripts_set_no_style_attribute_nor_inline_handler():
    """Markup a script builds goes through the same CSP as the page's."""
    found = []
    for path in sorted((BASE_DIR / "static").rglob("*.js")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"setAttribute\(\s*['\"](style|on[a-z]+)['\"]", line) or re.search(
                r"style\s*=\s*\\?['\"]", line
            ):
                found.append(f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_csp_setting_allows_no_inline_code():
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in settings.SECURE_CSP[directive]
        assert "'unsafe-eval'" not in settings.SECURE_CSP.get(directive, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["home", "login", "signup", "webinars", "password_reset", "quick_exit"]
)
def test_pages_are_served_with_a_csp_without_unsafe_inline(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert "'self'" in directives["script-src"] and "'self'" in directives["style-src"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == ["'none'"]


# deploy/nginx -------------------------------------------------------------------------


def nginx_site() -> str:
    return NGINX_SITE.read_text()


def directive_values(text: str, name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, re.MULTILINE)


def size_in_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value.strip()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_nginx_site_never_serves_media_root():
    text = nginx_site()
    locations = re.findall(r"^\s*location\s+([^{]+)\{", text, re.MULTILINE)
    assert locations
    assert not [where for where in locations if "media" in where.lower()]
    roots = directive_values(text, "alias") + directive_values(text, "root")
    assert roots and not [root for root in roots if "MEDIA" in root or "media" in root]


def upload_locations(text: str) -> dict[str, int]:
    """Each regex location that raises the body limit, and its limit in bytes."""
    found = re.findall(r"location ~ (\S+) \{\s*client_max_body_size (\S+);", text)
    return {pattern: size_in_bytes(size) for pattern, size in found}


# Every view that takes a file, the arguments of one of its addresses, and its file limit.
UPLOAD_ROUTES = {
    "webinar_document_add": ([42], "UPLOAD_MAX_BYTES"),
    "webinar_recording_upload": ([42], "RECORDING_MAX_BYTES"),
    "thread_create": (["droits-fonciers"], "UPLOAD_MAX_BYTES"),
    "thread_reply": ([42], "UPLOAD_MAX_BYTES"),
    "post_reply": ([42], "UPLOAD_MAX_BYTES"),
    "post_edit": ([42], "UPLOAD_MAX_BYTES"),
    # A voice note in a live room: a recording up to the upload limit (forum/media.py).
    "room_voice": ([42], "UPLOAD_MAX_BYTES"),
}


def test_nginx_site_body_limits_match_the_app():
    text = nginx_site()
    general = size_in_bytes(re.search(r"^    client_max_body_size (\S+);", text, re.M)[1])
    # A post at its longest, each character 4 bytes of UTF-8, each byte %XX in a form.
    longest_post = settings.JEKAFO["BODY_MAX_LENGTH"] * 4 * 3 + 64 * 1024
    assert longest_post <= general <= 2 * 1024**2
    uploads = upload_locations(text)
    assert len(uploads) == len(directive_values(text, "client_max_body_size")) - 1
    for name, (args, setting) in UPLOAD_ROUTES.items():
        file_limit = getattr(settings, setting)
        upload_path = reverse(name, args=args)
        [(pattern, limit)] = [(p, v) for p, v in uploads.items() if re.fullmatch(p, upload_path)]
        assert resolve(upload_path).url_name == name
        # Room for the form around the file, not much more.
        assert file_limit < limit <= file_limit + 2 * 1024**2, name
        # nginx lets nothing through that Daphne's own limit for that path would refuse.
        assert limit <= body_limit.limit(upload_path.encode()), name
    # Every raised location serves one of the upload views, and nothing else.
    for pattern in uploads:
        assert any(
            re.fullmatch(pattern, reverse(name, args=args))
            for name, (args, _) in UPLOAD_ROUTES.items()
        ), pattern
    others = [
        reverse("home"),
        reverse("webinars"),
        "/webinaires/42/",
        reverse("post_hide", args=[42]),
        reverse("post_file", args=[42, 7]),
        reverse("thread", args=[42, "titre"]),
        "/communautes/a/b/nouvelle-discussion/",
        reverse("room_action", args=[42]),
        reverse("room_voice_file", args=[42, 7]),
    ]
    for other in others:
        assert not any(re.fullmatch(pattern, other) for pattern in uploads), other
    assert settings.UPLOAD_MAX_BYTES + 1024**2 <= settings.REQUEST_BODY_MAX_BYTES
    # Daphne takes the recording's size on that route only.
    assert body_limit.limit(b"/webinaires/42/documents/") == settings.REQUEST_BODY_MAX_BYTES
    assert body_limit.limit(b"/webinaires/42/enregistrement/") > settings.RECORDING_MAX_BYTES


def test_nginx_site_tells_daphne_the_scheme_and_upgrades_websockets():
    text = nginx_site()
    proxied = len(directive_values(text, "proxy_pass"))
    assert proxied >= 3
    assert len(re.findall(r"proxy_set_header X-Forwarded-Proto \$scheme;", text)) == proxied
    assert len(re.findall(r"proxy_http_version 1\.1;", text)) == proxied
    websocket = re.search(r"location /ws/ \{(.*?)\n    \}", text, re.DOTALL)[1]
    assert "proxy_set_header Upgrade $http_upgrade;" in websocket
    timeout = re.search(r"proxy_read_timeout (\d+)([smh]);", websocket).groups()
    seconds = int(timeout[0]) * {"s": 1, "m": 60, "h": 3600}[timeout[1]]
    assert seconds > 60  # Daphne pings every 20 s and gives up after 60 s


def test_nginx_site_leaves_security_headers_to_django():
    text = re.sub(r"#.*", "", nginx_site())
    for header in ("Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options"):
        assert header not in text


# deploy/systemd -----------------------------------------------------------------------


def unit_lines(name: str) -> str:
    text = (SYSTEMD / name).read_text()
    return re.sub(r"\\\n\s*", " ", text)  # join continued lines


def test_daphne_unit_runs_the_server_as_make_run_does():
    unit = unit_lines("jekafo@.service")
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.MULTILINE)[1].split()
    make_run = re.search(r"-m config\.serve (.+)$", (BASE_DIR / "Makefile").read_text(), re.M)
    assert exec_start[1:3] == ["-m", "config.serve"]
    # The same Daphne options as `make run`, bound to the instance's port.
    for option in re.findall(r"(--[a-z-]+ \S+)", make_run[1]):
        assert option in " ".join(exec_start)
    assert "-p %i" in " ".join(exec_start) and "--proxy-headers" in exec_start
    assert exec_start[-1] == "config.asgi:application"
    assert "EnvironmentFile=/etc/jekafo/jekafo.env" in unit
    assert re.search(r"^LimitNOFILE=\d{5,}$", unit, re.MULTILINE)


def test_every_scheduled_command_has_a_timer():
    """Each management command of the apps (the demo's aside) runs from a systemd timer."""
    ours = {
        name
        for name, app in get_commands().items()
        if app in {"forum", "rooms", "webinars", "realtime"}
    }
    assert {"send_webinar_reminders", "generate_webinar_sessions", "convert_recordings"} <= ours
    scheduled = {}
    for service in SYSTEMD.glob("jekafo-*.service"):
        unit = unit_lines(service.name)
        command = re.search(r"^ExecStart=.*?(?:manage\.py (\S+)|$)", unit, re.MULTILINE)
        assert "Type=oneshot" in unit, service.name
        assert (SYSTEMD / service.name.replace(".service", ".timer")).is_file(), service.name
        if command[1]:
            scheduled[command[1]] = service.name
    missing = (ours | {"clearsessions"}) - set(scheduled)
    assert not missing, f"commands without a timer in deploy/systemd/: {sorted(missing)}"
    for timer in SYSTEMD.glob("*.timer"):
        assert re.search(r"^OnCalendar=\S", timer.read_text(), re.MULTILINE), timer.name


def test_environment_example_covers_what_production_requires():
    example = (SYSTEMD / "jekafo.env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    required = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "BEHIND_PROXY", "DATABASE_URL"}
    required |= {"REDIS_URL", "EMAIL_BACKEND", "SMTP_HOST", "STATIC_ROOT", "MEDIA_ROOT"}
    assert required <= names


def test_environment_example_reads_the_same_in_sh_and_systemd():
    """backup.sh and the guide read the file with sh; systemd strips the same quotes."""
    example = SYSTEMD / "jekafo.env.example"
    result = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; printf %s "$DEFAULT_FROM_EMAIL"', "sh", str(example)],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    assert result.stdout == "Jɛkafɔ <ne-pas-repondre@example.org>"


def test_readme_points_to_the_deployment_guide():
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    assert "docs/deployment.md" in section
    guide = (BASE_DIR / "docs" / "deployment.md").read_text()
    for path in ("deploy/nginx/jekafo.conf", "deploy/systemd/", "deploy/backup.sh"):
        assert path in guide
