"""Raison settings: everything comes from environment variables (see .env.example).

No variables at all gives the embedded default: SQLite next to the code, Celery
tasks run in-process right after each commit, DEBUG off but local hosts allowed.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from raison.envsettings import (
    env_bool,
    env_cache,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_seconds,
    env_str,
    redis_neighbour,
)

BASE_DIR = Path(__file__).resolve().parent.parent

RAISON_ENV = env_choice("RAISON_ENV", "embedded", ("embedded", "production"))
PRODUCTION = RAISON_ENV == "production"
DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        if PRODUCTION and (len(key) < 50 or key.startswith("django-insecure") or key == "change-me"):
            raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters in production.")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY is required when RAISON_ENV=production.")
    # The embedded default keeps a per-checkout key on disk so sessions survive restarts
    # without anyone having to invent a secret.
    key_file = BASE_DIR / ".secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(64)
        key_file.write_text(key)
        return key


SECRET_KEY = _secret_key()
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when RAISON_ENV=production: it shows settings and code to visitors.")
if PRODUCTION and not env_str("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when RAISON_ENV=production (e.g. raison.example.org).")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "raison",
    "org",
    "objectives",
    "practices",
    "alignment",
    "api",
    "interop",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

# The benchmarks ship with the source, not with the production image (.dockerignore
# leaves them out): where the package is there, `manage.py bench_engine` works.
if find_spec("benchmarks") is not None:
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that queries: the session, the user and the views run under the limit.
    "raison.statement_timeout.StatementTimeoutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication, so it sees the person before any view signs them out.
    "raison.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so a locked-out login never reaches the view.
    "axes.middleware.AxesMiddleware",
]

# manage.py bench_pages sets this for the gunicorn it measures: each response then says
# how many queries it ran and how long the server took (headers X-Raison-Queries/-Server-Ms).
if env_bool("RAISON_BENCH_HEADERS", False) and find_spec("benchmarks") is not None:
    MIDDLEWARE.insert(0, "benchmarks.middleware.QueryCountMiddleware")

ROOT_URLCONF = "raison.urls"
WSGI_APPLICATION = "raison.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", str(BASE_DIR / "db.sqlite3"))}
# PostgreSQL cancels a web request's statement after this long (0: never), so a slow
# page ends with a clear 503 instead of piling queries up. Below gunicorn's 30 s worker
# timeout, which would kill the worker first. Web requests only: see raison.statement_timeout.
WEB_STATEMENT_TIMEOUT_MS = round(1000 * env_seconds("WEB_STATEMENT_TIMEOUT", 5, minimum=0, maximum=25))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lock on the (username, address) pair: locking by username alone would let anyone
# lock a colleague out by mistyping their name on purpose.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The sign-in forms refuse over-long names; this keeps whatever axes records within
# its varchar(255) column (and free of NUL) on every other path too.
AXES_USERNAME_CALLABLE = "raison.auth.axes_username"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0)

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# The embedded default serves static files straight from static/ (no collectstatic);
# production serves the hashed, compressed copies collected into STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix pins the cookies to this exact host over HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# /healthz is polled by orchestrators over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- REST API (/api/) ------------------------------------------------------------
REST_FRAMEWORK = {
    # Integrations send a bearer token; the browser (Swagger UI) uses its session, with CSRF.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsActiveMember"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PersonThrottle", "api.throttling.AnonymousThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.handle",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}


def _rate(name: str, default: str) -> str:
    value = env_str(name, default)
    count, _sep, period = value.partition("/")
    if not count.isascii() or not count.isdigit() or period not in ("second", "minute", "hour", "day"):
        raise ImproperlyConfigured(f"{name} must look like 600/minute (per second, minute, hour or day): {value!r}.")
    return value


# Requests per person (token or session) and per address for anonymous calls.
RAISON_API_THROTTLE_RATES = {
    "user": _rate("API_THROTTLE_USER", "1200/minute"),
    "anon": _rate("API_THROTTLE_ANON", "60/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Raison API",
    "DESCRIPTION": (
        "Objectives, means, practices, the links between them with their rationale, the flags of the "
        "alignment engine and the trace of why a practice or means exists. Same rights as the pages."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # One named enum per set of choices, so generated clients get readable type names.
    "ENUM_NAME_OVERRIDES": {
        "ObjectiveStatusEnum": "objectives.models.ObjectiveStatus",
        "NewObjectiveStatusEnum": ["draft", "active"],
        "MeansStatusEnum": "practices.models.MeansStatus",
        "MeansKindEnum": "practices.models.MeansKind",
        "PracticeStatusEnum": "practices.models.PracticeStatus",
        "PracticeStatusChangeEnum": ["active", "retired"],
        "FlagKindEnum": "alignment.models.FlagKind",
        "FlagStateEnum": ["open", "acknowledged", "resolved"],
    },
}

# --- E-mail: only when a server is configured ----------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "raison@localhost")
RAISON_EMAIL_ENABLED = bool(EMAIL_HOST)

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
RAISON_EMBEDDED_TASKS = not CELERY_BROKER_URL
if RAISON_EMBEDDED_TASKS:
    # Kombu's in-process transport: without it, Celery falls back to an AMQP broker on
    # localhost and logs "No hostname was supplied" although nothing is ever sent there.
    CELERY_BROKER_URL = "memory://localhost//"
# Without a broker the tasks run inside the web process right after commit.
CELERY_TASK_ALWAYS_EAGER = RAISON_EMBEDDED_TASKS
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# acks_late alone still acknowledges a task whose process was killed.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged task to another worker only after the visibility
# timeout. A task whose pool process dies is rejected and redelivered at once; but when
# the whole worker dies (SIGKILL, the host or container gone) nothing is left to reject
# it, and the task waits out the timeout: with Redis' default hour a killed sweep left
# thousands of flags missing for an hour. Five minutes bounds that wait; beat's sweep is
# the safety net for anything lost altogether.
#
# Every task must finish, and every retry delay elapse, well inside the timeout, or Redis
# would hand out a task still running (or still waiting for its retry) a second time:
# the time limit plus the longest retry delay stays below it, and a setting that breaks
# this refuses to start. A full sweep takes about 22 s at a million practices
# (docs/performance.md): the default limit of 180 s leaves it eight times that.
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 300, minimum=10, maximum=24 * 3600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=5)
# The soft limit raises inside the task first, so it stops between two rules and logs.
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30 if CELERY_TASK_TIME_LIMIT > 60 else CELERY_TASK_TIME_LIMIT
if CELERY_TASK_TIME_LIMIT >= CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT} s) must be below CELERY_VISIBILITY_TIMEOUT"
        f" ({CELERY_BROKER_VISIBILITY_TIMEOUT} s): Redis would hand a task still running to another worker."
    )
# The longest delay before a task's automatic retry (alignment/tasks.py): a minute, or
# less when the gap between the time limit and the visibility timeout is narrower.
RAISON_TASK_RETRY_BACKOFF_MAX = min(60, (CELERY_BROKER_VISIBILITY_TIMEOUT - CELERY_TASK_TIME_LIMIT) // 2)
if RAISON_TASK_RETRY_BACKOFF_MAX < 1:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT by at least 2 seconds, to leave room for"
        " a retry's delay."
    )
# A broker that accepts connections but never answers would hang .delay() forever.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # A running worker looks for tasks whose timeout has passed every 10 s (at most a
    # tenth of the timeout). kombu's default scans only every tenth look, i.e. every
    # 100 s, which added up to 100 s to every recovery; a scan is one small Redis query.
    "unacked_restore_interval": max(1, min(10, CELERY_BROKER_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
ALIGNMENT_SWEEP_MINUTES = env_int("ALIGNMENT_SWEEP_MINUTES", 15, minimum=1, maximum=24 * 60)
# A new or re-activated objective is not flagged unresourced or unpractised for this long.
ALIGNMENT_GRACE_DAYS = env_int("ALIGNMENT_GRACE_DAYS", 7, minimum=0, maximum=365)
# A key result of an active objective with no check-in for this long is flagged stalled.
KEY_RESULT_STALL_DAYS = env_int("KEY_RESULT_STALL_DAYS", 30, minimum=1, maximum=3650)
# A question nobody in its unit answers for this long goes up to the parent unit.
QUESTION_ESCALATION_DAYS = env_int("QUESTION_ESCALATION_DAYS", 5, minimum=1, maximum=365)
# An open flag nobody in its unit resolves or acknowledges for this long goes up a unit.
FLAG_ESCALATION_DAYS = env_int("FLAG_ESCALATION_DAYS", 14, minimum=1, maximum=365)
CELERY_BEAT_SCHEDULE = {
    "alignment-sweep": {
        "task": "alignment.tasks.sweep_task",
        "schedule": ALIGNMENT_SWEEP_MINUTES * 60.0,
        "options": {"expires": ALIGNMENT_SWEEP_MINUTES * 60.0},
    },
    # Hourly is fine-grained enough for a delay counted in days.
    "questions-escalation": {
        "task": "alignment.tasks.escalate_questions_task",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
}

# --- Cache: the pages' shared regions, and the sessions ----------------------------
# Redis when CACHE_URL says so; by default the broker's Redis server, in the database
# after the broker's (flushing the cache must never lose a queued task). Without Redis,
# this process's memory.
CACHES = {"default": env_cache("CACHE_URL", redis_neighbour(CELERY_BROKER_URL))}
RAISON_SHARED_CACHE = CACHES["default"]["BACKEND"].endswith("RedisCache")
# How long a region kept for every reader lives at most (raison/pagecache.py). A write
# to the organisation's records ends it at once; the lifetime bounds what no write
# announces: relative times ("3 minutes ago") and people's display names. 0 turns the
# page cache off. It needs a cache every process shares, or the one-process default.
PAGE_CACHE_SECONDS = env_int(
    "PAGE_CACHE_SECONDS", 60 if RAISON_SHARED_CACHE or RAISON_EMBEDDED_TASKS else 0, minimum=0, maximum=3600
)
if PAGE_CACHE_SECONDS and not (RAISON_SHARED_CACHE or RAISON_EMBEDDED_TASKS):
    raise ImproperlyConfigured(
        "PAGE_CACHE_SECONDS needs a cache every process shares: set CACHE_URL=redis://… or PAGE_CACHE_SECONDS=0."
    )
# The apps whose tables the kept regions read: a write to any of them starts a new generation.
PAGE_CACHE_APPS = ["org", "objectives", "practices", "alignment"]
# Written often and read per person: a generation of their own, so that reading one's
# notifications does not drop everyone's regions.
PAGE_CACHE_NOTIFICATION_TABLES = ["alignment_notification"]
if RAISON_SHARED_CACHE:
    # The session is read on every request: from Redis, with the database behind it.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused action is one line in the log, not a traceback (see raison/logs.py).
    "filters": {"one_line_forbidden": {"()": "raison.logs.OneLineForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["one_line_forbidden"]},
    },
}
