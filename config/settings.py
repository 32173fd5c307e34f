"""
Settings for Jɛkafɔ, read from the environment.

Defaults give the embedded set-up (SQLite, in-memory channel layer, DEBUG on
for 127.0.0.1); production sets DATABASE_URL, REDIS_URL, SECRET_KEY,
DEBUG=0 and ALLOWED_HOSTS. Nothing exists only in production.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from config.cache import build_caches
from config.runtime import parse_switch_interval
from config.runtime import parse_thresholds as parse_gc_thresholds
from config.warm_threads import parse_warm_threads

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-dev-key-only-for-local-use"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Widget templates come from the project's templates (forum.forms.VoiceInput draws the
    # recorder's translated labels), so Django's own form templates must be found there too.
    "django.forms",
    "channels",
    "taggit",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "forum",
    "rooms",
    "webinars",
    "demo",
    "realtime",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "forum.middleware.LanguageMiddleware",
    "forum.middleware.FormCharsetMiddleware",
    "forum.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "forum.security_middleware.SessionSeenMiddleware",
    # Last, so that its lockout page is drawn in the reader's language, with the CSP nonce.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL means "not set", as for the other variables.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; the busy timeout makes a
    # writer wait for another instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    if "CONN_MAX_AGE" not in os.environ:
        # Keep the connection of Daphne's one sync thread instead of opening a
        # file, setting it up and closing it for every query batch (a large
        # share of a busy process's time in the fan-out benchmark).
        DATABASES["default"]["CONN_MAX_AGE"] = 600
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", True):
    # A psycopg pool per process instead of a new connection per request
    # (Django's advice for ASGI servers, where CONN_MAX_AGE does not apply well).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "forum.User"
AUTHENTICATION_BACKENDS = [
    # Refuses sign-ins while an account+address or an address is locked (forum/login_throttle.py).
    "forum.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes, see forum/login_throttle.py): failed sign-ins are counted
# per account+address and per address; reaching either limit locks for the cool-off.
# Many members share a mobile operator's address (carrier-grade NAT): the per-address
# limit is kept well above the per-account one.
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
AXES_HANDLER = "forum.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = max(LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_ADDRESS)
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_CLIENT_IP_CALLABLE = "forum.login_throttle.client_address"
AXES_LOCKOUT_CALLABLE = "forum.login_throttle.lockout_response"
AXES_USERNAME_CALLABLE = "forum.login_throttle.username_of"
# A failure during a lock neither extends it nor is stored (a flood costs no writes).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Successful sign-ins are not logged with their address: members' whereabouts stay unrecorded.
AXES_DISABLE_ACCESS_LOG = True
# What a failed attempt's stored form data and log lines mask (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken", "next"]
AXES_VERBOSE = False

# A link sent by e-mail to choose a new password works once, for this long (seconds).
PASSWORD_RESET_TIMEOUT = 24 * 3600
# Where "Sortie rapide" leads: by default a neutral search-like page of this site with
# nothing of Jɛkafɔ on it (it loads at once, even offline from the cache, on 2G);
# set e.g. "https://www.google.com/" to leave the site entirely.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "").strip()
# Authenticator applications show this name beside the code.
OTP_TOTP_ISSUER = "Jɛkafɔ"

# Garbage collector of the ASGI server process: see config/runtime.py.
GC_THRESHOLDS = parse_gc_thresholds(os.environ.get("GC_THRESHOLDS"))
# Interpreter lock switch interval of that process, in seconds (SWITCH_INTERVAL_MS).
SWITCH_INTERVAL = parse_switch_interval(os.environ.get("SWITCH_INTERVAL_MS"))
# Long-lived threads that run HTTP requests' sync code (config/warm_threads.py); 0: off.
HTTP_WARM_THREADS = parse_warm_threads(os.environ.get("HTTP_WARM_THREADS"))
# A room push framed once per process and written to each Daphne socket
# directly (realtime/wire.py); WIRE_FAST_PATH=0 sends it the usual way, for comparison.
WIRE_FAST_PATH = env_bool("WIRE_FAST_PATH", True)

REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache holds the abuse limits' counters (forum/limits.py). With several
# Daphne processes they must share one count, hence Redis when there is one;
# the embedded set-up runs one process, where per-process memory is exact.
# A Redis that stops answering costs a request at most one short timeout, and
# a process one per CACHE_RETRY_AFTER seconds (config/cache.py).
CACHES = build_caches(REDIS_URL)
# CHANNEL_LAYER picks the Redis layer: "pubsub" (default, chosen by the fan-out
# benchmark, see docs/benchmarks.md) or "core". Both need REDIS_URL.
CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub")
if REDIS_URL and CHANNEL_LAYER == "core":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                # Per-channel queue; the default (100) drops messages to a slow
                # client during a burst without telling anyone.
                "capacity": int(os.environ.get("CHANNEL_CAPACITY", "1000")),
                "expiry": 60,
            },
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "fr"
# Each language is named in itself, whatever the page language.


def gettext_noop(message: str) -> str:
    """Mark a string for makemessages without importing Django's translation here."""
    return message


LANGUAGES = [("fr", gettext_noop("Français")), ("en", gettext_noop("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Bamako"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Uploaded webinar documents. Never served as static files: each download goes
# through a view that checks the reader may see the session (MEDIA_URL unused).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Size limits, from the largest to the smallest (docs/architecture.md, "Limits"):
# - a request body: refused with 413 by Daphne before it is buffered
#   (config/body_limit.py); nginx's client_max_body_size says the same;
# - an uploaded file (a webinar document), checked by its form;
# - the fields of a form or a JSON body other than files (Django's own check, a 400);
#   an upload above FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to disk, not kept in memory.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
REQUEST_BODY_MAX_BYTES = int(
    os.environ.get("REQUEST_BODY_MAX_BYTES", UPLOAD_MAX_BYTES + 1024 * 1024)
)
# - a session's recording (webinars: an hour or two of a phone's recorder) is the one
#   larger upload, accepted only on its own route (config/body_limit.py LARGE_BODIES,
#   deploy/nginx's location for it); it waits in RECORDING_SPOOL_DIR (private, never
#   served) until `manage.py convert_recordings` turns it into small Opus.
RECORDING_MAX_BYTES = int(os.environ.get("RECORDING_MAX_BYTES", 200 * 1024 * 1024))
RECORDING_SPOOL_DIR = Path(os.environ.get("RECORDING_SPOOL_DIR", MEDIA_ROOT / "spool"))
DATA_UPLOAD_MAX_MEMORY_SIZE = min(2_621_440, REQUEST_BODY_MAX_BYTES)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The site's public address, for links in e-mails, calendar feeds and the demo's printout;
# `make run` sets it from HOST and PORT unless SITE_URL is already set.
SITE_URL = (os.environ.get("SITE_URL", "").strip() or "http://127.0.0.1:8000").rstrip("/")
# Video hosts whose pages may be shown inside a session page (frame-src).
WEBINAR_EMBED_HOSTS = [
    host.strip()
    for host in os.environ.get("WEBINAR_EMBED_HOSTS", "meet.jit.si").split(",")
    if host.strip()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_ENGINE = "forum.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# nginx terminates TLS and tells Daphne the scheme and the client's address
# (deploy/nginx/jekafo.conf sets X-Forwarded-Proto and X-Forwarded-For): trust them only
# when a proxy that sets them is in front, never when clients reach Daphne directly.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Production is HTTPS only. nginx already sends port 80 to 443; Django's redirect is the
# second line for a request that reaches Daphne over plain HTTP some other way.
# SECURE_SSL_REDIRECT=0 for a DEBUG=0 server on plain http://127.0.0.1 (tests).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Browsers remember "HTTPS only" for this long (sent on HTTPS responses only). A year,
# the usual value; lower it while trying HTTPS out, 0 turns it off.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# "preload" asks browsers to ship the domain as HTTPS-only; it is a commitment for the
# whole registrable domain that only its owner can make (https://hstspreload.org), so it
# is off unless asked for, and Django's reminder (security.W021) is silenced then.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Everything is served from this origin: no CDN, no font service, no inline script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The nonce is for Django admin's one inline <style> (change list); the site's own
    # templates carry no inline style or script at all (tests/test_deploy.py).
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    # blob: plays back a voice note recorded in the page before it is sent (voice.js),
    # or one still waiting in a room's outbox (room.js), without a byte of data.
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# E-mail: reminders, password resets. The console backend (the default with DEBUG on)
# prints them; production must name a real backend, usually SMTP (docs/deployment.md).
email_backend = os.environ.get("EMAIL_BACKEND", "").strip()
smtp_backend = "django.core.mail.backends.smtp.EmailBackend"
if not email_backend:
    if not DEBUG:
        raise RuntimeError(
            "EMAIL_BACKEND must be set when DEBUG is off: EMAIL_BACKEND="
            f"{smtp_backend} with SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD and "
            "SMTP_TLS (or SMTP_SSL); see docs/deployment.md."
        )
    email_backend = "django.core.mail.backends.console.EmailBackend"
MAILERS = {"default": {"BACKEND": email_backend}}
if email_backend == smtp_backend:
    # The SMTP server, for reminder e-mails (see docs/reminders.md).
    if not DEBUG and not os.environ.get("SMTP_HOST", "").strip():
        raise RuntimeError(
            "SMTP_HOST must be set when EMAIL_BACKEND is the SMTP backend and DEBUG is off"
            " (SMTP_HOST=localhost for a mail server on this machine); see docs/deployment.md."
        )
    smtp_ssl = env_bool("SMTP_SSL", False)  # TLS from the first byte, usually port 465
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("SMTP_HOST", "localhost").strip(),
        "port": int(os.environ.get("SMTP_PORT", "465" if smtp_ssl else "587")),
        "username": os.environ.get("SMTP_USER", ""),
        "password": os.environ.get("SMTP_PASSWORD", ""),
        "use_ssl": smtp_ssl,
        "use_tls": not smtp_ssl and env_bool("SMTP_TLS", True),  # STARTTLS
        "timeout": 30,
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Jɛkafɔ <ne-pas-repondre@jekafo.invalid>")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; failures and locks (WARNING) are enough.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Forum limits; services enforce them for every door (forms, sockets, scripts).
JEKAFO = {
    "TITLE_MAX_LENGTH": 200,
    "BODY_MAX_LENGTH": 50_000,
    "POSTS_PER_PAGE": 50,
    "THREADS_PER_PAGE": 25,
    "MAX_VISIBLE_DEPTH": 4,
    "TAG_MAX_LENGTH": 50,
    "MAX_TAGS_PER_THREAD": 8,
    # Chat rooms
    "CHAT_MAX_LENGTH": 2000,
    "CHAT_EDIT_WINDOW": 15 * 60,  # seconds during which one may edit one's message
    "CHAT_RATE": (5, 10),  # at most 5 messages per 10 seconds, per user
    "CHAT_HISTORY": 50,  # messages sent on join and per page of older history
    # Live connections
    "HEARTBEAT": 25,  # seconds between the client's pings
    # Admission (realtime/admission.py): handshakes reading the database at once per
    # process, how many more may wait for a turn (accepted, so Daphne's connect timeout
    # does not run) and for how long (below live.js's 20 s wait for hello); others are
    # closed with 4503 and told to retry once the queue should have drained, at least
    # HANDSHAKE_RETRY seconds. See docs/deployment.md.
    "HANDSHAKES_IN_FLIGHT": int(os.environ.get("HANDSHAKES_IN_FLIGHT", "16")),
    "HANDSHAKE_QUEUE": int(os.environ.get("HANDSHAKE_QUEUE", "200")),
    "HANDSHAKE_WAIT": float(os.environ.get("HANDSHAKE_WAIT", "3")),
    "HANDSHAKE_RETRY": float(os.environ.get("HANDSHAKE_RETRY", "1")),
    # Changes (room) or posts (thread) a resuming socket gets per page of its
    # backlog; the client asks for the next page ("more"), so a socket holds
    # one page at most, however far behind it is.
    "RESUME_PAGE": int(os.environ.get("RESUME_PAGE", "200")),
}
