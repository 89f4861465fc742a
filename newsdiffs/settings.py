"""newsdiffs settings: one module, driven by environment variables with safe defaults.

Nothing set at all gives a working local install: SQLite and a filesystem message broker under var/,
DEBUG on, a secret key generated once into var/. Production sets DEBUG=0, SECRET_KEY, DATABASE_URL and
REDIS_URL (see README.md for the table).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# Django's generic classes (ModelAdmin, ModelForm, Feed) take type arguments, as their stubs say they do.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("NEWSDIFFS_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", True)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (production).")
    # A local install keeps one random key across restarts so logins survive; it never enters the repo.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (production).")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "articles",
    "newsroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files (an SVG is a document too) carry the policy as well.
    "newsdiffs.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before any view: a NUL in the query string never reaches a database filter (Postgres refuses it).
    "articles.middleware.NulInQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETags from the response body, and 304s for them, on every page and feed.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.middleware.GoneMiddleware",
    "articles.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a login refused for too many failures into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsdiffs.urls"
WSGI_APPLICATION = "newsdiffs.wsgi.application"
# One path segment or more, ending in "/" as Django's routes do: "office" and "/office/" both mean /office/.
# Empty means the default, never the site's root, where the admin would take over /login/ and the like.
ADMIN_PATH = (os.environ.get("ADMIN_PATH") or "admin").strip("/") + "/"
if ADMIN_PATH == "/":
    raise ImproperlyConfigured("ADMIN_PATH must name a path, like office/, not the site's root.")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (Postgres in production).
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'newsdiffs.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL lets readers run beside the one writer, IMMEDIATE takes the
    # write lock at BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so a Celery worker thread in the tests sees the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    # Postgres's JIT compiles the plans of large queries: 6-73 ms added to the pages' biggest queries at
    # 1.28 M articles (bench/scale.py) for work that takes a few milliseconds without it.
    DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    # Pages, feeds and the API keep working while Redis is down (newsdiffs/cache.py): short timeouts so an
    # unreachable Redis costs a page milliseconds, not seconds.
    CACHES = {
        "default": {
            "BACKEND": "newsdiffs.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Login throttling (django-axes, see newsdiffs/logins.py) -----------------------------------------------
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused (429),
# right password included, for LOGIN_COOLOFF_SECONDS; each failure meanwhile starts the cool-off again.
# Counted in the cache above: Redis, shared by every web process, when REDIS_URL is set.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: it refuses a locked-out login before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = envbool("LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(seconds=envint("LOGIN_COOLOFF_SECONDS", 15 * 60))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True  # a successful login clears its user's failures from that address
AXES_HANDLER = "newsdiffs.logins.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "articles.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "newsdiffs.logins.locked_out"
# The counts are in the cache, not in axes' tables: its admin pages would only ever be empty.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "staticfiles")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one before collectstatic
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
# The feeds' XSLT stylesheet (static/feeds/feed.xsl) labelled as the XML it is: whitenoise knows no .xsl
# and says application/octet-stream, which Chromium applies anyway but no browser has to.
WHITENOISE_MIMETYPES = {".xsl": "application/xslt+xml"}

# Production hardening; every value can be relaxed by its variable when TLS ends at a proxy.
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if envbool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Security headers (every response; see README.md "Security") -----------------------------------------
# Pages use this site's stylesheet and images only: no inline style or script, nothing from another
# origin, no plugins, no <base>, forms submit here only, no framing anywhere. data: images are
# the admin's and the API docs' small icons inlined in their stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        # One script of the site's own, from /static/: times in the reader's zone (static/js/local-times.js).
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}
# What the policy gains under these path prefixes (newsdiffs/security.py), and nowhere else. Every script,
# the site's, the admin's (Django's) and the API docs' (Swagger UI's), comes from /static/, none inline (the
# docs use drf-spectacular's split view for that); the docs fetch the schema and let the reader try
# requests, hence connect-src.
CSP_PATH_UPDATES = {
    "/api/v1/docs/": {"script-src": [SELF], "connect-src": [SELF]},
}
# Django's defaults, stated so that a test pins them: no MIME sniffing (JSON is never run as a script),
# the full URL of a page is never sent to another site, and no other site's window can script ours.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Login and CSRF cookies: no script reads them (the admin and the API docs take the CSRF token from the
# page), and another site's requests carry them only as top-level GETs, which change nothing here.
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "console_warnings": {"class": "logging.StreamHandler", "formatter": "plain", "level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO; a worker's log should show outcomes, not traffic.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        # Apprise says why a send failed only at DEBUG ("Socket Exception: …"): its records are made at
        # DEBUG so that a notification captures them for the delivery log, and reach the console from
        # WARNING only.
        "apprise": {"level": "DEBUG", "handlers": ["console_warnings"], "propagate": False},
    },
}

# --- API ----------------------------------------------------------------------------------------------
# Anyone reads anonymously; staff scripts write (track articles) with a token. Tokens only, never the
# session cookie, so no CSRF is in play. Anonymous clients are throttled by address, token holders by user.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["articles.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/minute"),
        # Per token holder (an anonymous client is also counted here by address, well under this).
        "user": os.environ.get("API_USER_RATE", "600/minute"),
    },
    "EXCEPTION_HANDLER": "articles.api.exception_handler",
    "NUM_PROXIES": envint("NUM_PROXIES", 0),
}
# Diffs one client may have computed a minute (not served from the cache), diff pages and API together; past
# it, 429 (articles/throttling.py).
DIFF_RENDERS_PER_MINUTE = envint("DIFF_RENDERS_PER_MINUTE", 30)
SPECTACULAR_SETTINGS = {
    "TITLE": "newsdiffs API",
    "DESCRIPTION": (
        "Tracked news articles, their versions, and the diffs between them; staff can also track articles."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "VersionKindEnum": "articles.models.Version.Kind",
        "SegmentKindEnum": ["equal", "delete", "insert"],
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Deep links put a link inside each operation's button, which screen readers cannot reach (axe-core:
    # nested-interactive); the rest as drf-spectacular sets it.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "persistAuthorization": False, "displayOperationId": False},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "articles.api.add_error_responses",
        "articles.api.add_webhook_headers",
    ],
    # Webhooks are OpenAPI 3.1's: what newsdiffs POSTs to a notification rule's webhook URL.
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": ["articles.api.VERSION_STORED_WEBHOOK", "articles.api.PING_WEBHOOK"],
}

# --- Tracking -----------------------------------------------------------------------------------------
# How often an article is checked depends on how long ago it last changed (see articles/scheduling.py):
# (changed less than this many seconds ago, check every this many seconds), first match wins; older
# articles use the last interval until TRACK_STOP_AFTER_DAYS without a change stops them.
TRACK_SCHEDULE = (
    (3 * 3600, envint("TRACK_INTERVAL_NEW", 15 * 60)),  # new or just changed
    (24 * 3600, envint("TRACK_INTERVAL_DAY", 3600)),  # changed less than a day ago
    (7 * 24 * 3600, envint("TRACK_INTERVAL_WEEK", 3 * 3600)),  # less than a week
    (30 * 24 * 3600, envint("TRACK_INTERVAL_MONTH", 24 * 3600)),  # less than a month
)
TRACK_INTERVAL_OLD = envint("TRACK_INTERVAL_OLD", 24 * 3600)
TRACK_STOP_AFTER_DAYS = envint("TRACK_STOP_AFTER_DAYS", 40)
# Every interval is spread by ± this share so that articles tracked together are not checked together.
TRACK_JITTER = float(os.environ.get("TRACK_JITTER", "0.1"))
TRACK_SWEEP_INTERVAL = envint("TRACK_SWEEP_INTERVAL", 10)
# Most articles one sweep claims; the rest wait for the next sweep, most overdue first.
# 2,000 per 10 s sweep is 200 dispatches a second, well above the ~15 checks a second the schedule asks
# for a million NewsEdits-like articles; a claim reads only the due rows it takes (bench/scheduler.py).
TRACK_SWEEP_BATCH = envint("TRACK_SWEEP_BATCH", 2000)
# Checks per task: a task's own cost is shared by the batch; a batch takes at most TRACK_BATCH_SECONDS and
# hands what is left to a new task (well within the task time limit and the claim lease).
TRACK_CHECK_BATCH = envint("TRACK_CHECK_BATCH", 10)
TRACK_BATCH_SECONDS = envint("TRACK_BATCH_SECONDS", 60)
# A claimed article is not swept again for this long; if its task is lost it comes back after it.
TRACK_CLAIM_SECONDS = envint("TRACK_CLAIM_SECONDS", 10 * 60)
# How long `manage.py track` and the Track page wait for a new article's first check to say how it went
# (0: do not wait). A worker takes a second or two when it is idle.
TRACK_WAIT_SECONDS = envint("TRACK_WAIT_SECONDS", 5)
# Errors back off exponentially from TRACK_BACKOFF_MIN up to this cap.
TRACK_BACKOFF_MIN = envint("TRACK_BACKOFF_MIN", 15 * 60)
TRACK_BACKOFF_MAX = envint("TRACK_BACKOFF_MAX", 24 * 3600)
# Transient errors (timeouts, 5xx, refused connections) in a row before an article is marked failing.
TRACK_MAX_FAILURES = envint("TRACK_MAX_FAILURES", 10)
# 404/410 answers in a row before an article is marked gone.
TRACK_GONE_AFTER = envint("TRACK_GONE_AFTER", 3)
# Permanent errors (not HTML, refused address, disallowed by robots.txt) in a row before failing.
TRACK_FAILING_AFTER = envint("TRACK_FAILING_AFTER", 2)
# An earlier version's text seen again within this many versions is an A/B or CDN variant, not an edit.
TRACK_VARIANT_WINDOW = envint("TRACK_VARIANT_WINDOW", 6)
# A page that changes on almost every load (a counter, a random quote, a feed of comments in the text):
# TRACK_VOLATILE_VERSIONS versions within TRACK_VOLATILE_WINDOW seconds flag the article as volatile. Its
# checks then come at most every TRACK_VOLATILE_INTERVAL seconds, whatever the schedule says, until a check
# finds its text unchanged after it has been flagged for a whole window. Every version stays stored.
TRACK_VOLATILE_VERSIONS = envint("TRACK_VOLATILE_VERSIONS", 24)
TRACK_VOLATILE_WINDOW = envint("TRACK_VOLATILE_WINDOW", 24 * 3600)
TRACK_VOLATILE_INTERVAL = envint("TRACK_VOLATILE_INTERVAL", 6 * 3600)

# Keep, with every stored version, the response it was read from (final URL, status, headers, body), packed
# with zstd against an earlier page of the same article (articles/archiving.py): for WARC export and for
# re-reading pages with a newer extractor. Costs a few per cent of the pages' raw HTML (README, Performance).
ARCHIVE_SERVED_PAGES = envbool("ARCHIVE_SERVED_PAGES", True)

# Days a change's feed entry (its diff as HTML, ~470 bytes packed) is kept once its version is stored
# (articles/entries.py): feeds of recent changes read them instead of diffing two texts each. Older ones
# are made again when a feed asks (and cached). 0: none kept. Kept for every version, they would add ~10 %
# of the texts' raw size to the database (README, Performance).
FEED_ENTRY_DAYS = envint("FEED_ENTRY_DAYS", 7)

# --- Politeness (shared by all workers through Redis; per process on the embedded default) ------------
# At most this many requests to one host at a time, and at least this many seconds between their starts.
POLITE_HOST_CONCURRENCY = envint("POLITE_HOST_CONCURRENCY", 2)
POLITE_HOST_DELAY = float(os.environ.get("POLITE_HOST_DELAY", "1.0"))
# A worker sleeps up to this long for a busy host's slot; past that it puts the check back on the schedule.
POLITE_MAX_WAIT = float(os.environ.get("POLITE_MAX_WAIT", "5"))

# --- Discovery ----------------------------------------------------------------------------------------
# How often beat looks at the sources' feeds and section pages for new article URLs.
DISCOVERY_INTERVAL = envint("DISCOVERY_INTERVAL", 10 * 60)
# Most new articles one source may add per discovery run.
DISCOVERY_MAX_NEW = envint("DISCOVERY_MAX_NEW", 200)

# --- Fetching -----------------------------------------------------------------------------------------
FETCH_USER_AGENT = os.environ.get("FETCH_USER_AGENT", "newsdiffs/0.1 (records edits to news articles)")
FETCH_CONNECT_TIMEOUT = float(os.environ.get("FETCH_CONNECT_TIMEOUT", "10"))
FETCH_READ_TIMEOUT = float(os.environ.get("FETCH_READ_TIMEOUT", "20"))
FETCH_TOTAL_TIMEOUT = float(os.environ.get("FETCH_TOTAL_TIMEOUT", "60"))
FETCH_MAX_BYTES = envint("FETCH_MAX_BYTES", 5 * 1024 * 1024)
FETCH_MAX_REDIRECTS = envint("FETCH_MAX_REDIRECTS", 5)
# Loopback, private and link-local addresses are refused unless listed here. A local install allows
# loopback so a page served on 127.0.0.1 can be tracked; production allows nothing by default.
FETCH_ALLOWED_NETWORKS = envlist("FETCH_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128" if DEBUG else "")
# robots.txt is honoured unless this is off; a site's rules are cached this many seconds.
FETCH_ROBOTS = envbool("FETCH_ROBOTS", True)
FETCH_ROBOTS_CACHE_SECONDS = envint("FETCH_ROBOTS_CACHE_SECONDS", 24 * 3600)
# Proxies come from HTTP_PROXY / HTTPS_PROXY / NO_PROXY in the environment, as for other HTTP tools.

# --- Celery -------------------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # kombu's Redis transport with a fix that keeps workers alive through a Redis outage
    # (newsdiffs/broker.py).
    CELERY_BROKER_TRANSPORT = "newsdiffs.broker:Transport"
    # With acks_late an unacknowledged task comes back after this; longer than any task may run.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 15 * 60}
else:
    # kombu's filesystem transport carries tasks between processes on one machine with no server.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-due-articles": {
        "task": "articles.tasks.sweep_due_articles",
        "schedule": TRACK_SWEEP_INTERVAL,
        # A sweep that could not run in time is superseded by the next one.
        "options": {"expires": TRACK_SWEEP_INTERVAL},
    },
    # Each source is due every DISCOVERY_INTERVAL (its next_discovery_at); this only looks for due ones.
    "discover-sources": {
        "task": "articles.tasks.discover_sources",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Notifications whose worker died mid-send, or whose task was lost (see NOTIFY_* below).
    "sweep-deliveries": {
        "task": "articles.tasks.sweep_deliveries",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Wayback Machine saves that are due, or whose task was lost (WAYBACK_* below); nothing while it is off.
    "sweep-wayback-saves": {
        "task": "articles.tasks.sweep_wayback_saves",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Feed entries past FEED_ENTRY_DAYS, a bounded batch at a time.
    "prune-feed-entries": {
        "task": "articles.tasks.prune_feed_entries",
        "schedule": 600,
        "options": {"expires": 600},
    },
}

# --- Notifications (articles/notifying/, the NotificationRule and Delivery models) ------------------------
# This site's address as the people notified reach it: notifications link to its diff pages.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Seconds one send to one target (an Apprise service, the webhook) may take.
NOTIFY_TIMEOUT = float(os.environ.get("NOTIFY_TIMEOUT", "10"))
# Attempts of a delivery before it is failed; the waits between them double from NOTIFY_RETRY_DELAY up to
# NOTIFY_RETRY_MAX_DELAY seconds (60, 120, 240, 480: a receiver down for a quarter of an hour still gets it).
NOTIFY_MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_RETRY_DELAY = envint("NOTIFY_RETRY_DELAY", 60)
NOTIFY_RETRY_MAX_DELAY = envint("NOTIFY_RETRY_MAX_DELAY", 3600)
# A delivery claimed for sending longer ago than this had its worker die mid-send: marked interrupted, never
# sent again by itself. Past the task's hard time limit, no send can still be under way.
NOTIFY_SEND_LEASE = envint("NOTIFY_SEND_LEASE", CELERY_TASK_TIME_LIMIT + 30)
# A delivery still waiting this many seconds after its time had its task lost: the sweep sends it again.
NOTIFY_SWEEP_GRACE = envint("NOTIFY_SWEEP_GRACE", 120)

# --- The Wayback Machine (articles/wayback.py, Version.wayback_*) --------------------------------------
# Off by default: with it on, every new edit (and every first version) asks the Internet Archive's Save Page
# Now (SPN2) to capture the article's URL, and the article page links the snapshot it made.
WAYBACK_SAVE = envbool("WAYBACK_SAVE", False)
# SPN's base: POST {base}/save, GET {base}/save/status/<job>, snapshots at {base}/web/<timestamp>/<url>.
WAYBACK_URL = (os.environ.get("WAYBACK_URL") or "https://web.archive.org").rstrip("/")
# An archive.org account's S3-like keys (https://archive.org/account/s3.php): sent as "LOW key:secret",
# which SPN2 allows more captures for. Without them saves are anonymous.
WAYBACK_ACCESS_KEY = os.environ.get("WAYBACK_ACCESS_KEY", "")
WAYBACK_SECRET_KEY = os.environ.get("WAYBACK_SECRET_KEY", "")
# Captures asked for per minute by all workers together (through Redis): SPN refuses more than a few a minute
# from one client (429), and its daily quota is per account.
WAYBACK_SAVES_PER_MINUTE = float(os.environ.get("WAYBACK_SAVES_PER_MINUTE", "4"))
# Captures asked for a version before it is failed; the waits between them double from WAYBACK_RETRY_DELAY
# up to WAYBACK_RETRY_MAX_DELAY seconds.
WAYBACK_MAX_ATTEMPTS = envint("WAYBACK_MAX_ATTEMPTS", 4)
WAYBACK_RETRY_DELAY = envint("WAYBACK_RETRY_DELAY", 300)
WAYBACK_RETRY_MAX_DELAY = envint("WAYBACK_RETRY_MAX_DELAY", 6 * 3600)
# Seconds between looks at a capture under way, and how long one may take before it counts as failed.
WAYBACK_POLL_INTERVAL = envint("WAYBACK_POLL_INTERVAL", 20)
WAYBACK_POLL_TIMEOUT = envint("WAYBACK_POLL_TIMEOUT", 15 * 60)
# Seconds one request to SPN may take.
WAYBACK_TIMEOUT = float(os.environ.get("WAYBACK_TIMEOUT", "30"))
# Beat's sweep queues, every minute, at most WAYBACK_SWEEP_BATCH saves that are due (their turn come, a
# retry's wait over, a task lost), the longest due first; and a look at a capture under way whose own
# countdown is late by WAYBACK_SWEEP_GRACE seconds (lost with the broker or a dead worker).
WAYBACK_SWEEP_GRACE = envint("WAYBACK_SWEEP_GRACE", 120)
WAYBACK_SWEEP_BATCH = envint("WAYBACK_SWEEP_BATCH", 20)
