"""Settings, all from the environment (12-factor). See `.env.example` for every variable.

With nothing set the app runs on SQLite with Celery tasks executed eagerly in-process, so
`make run` works on a fresh laptop. `DATABASE_URL` and `CELERY_BROKER_URL` switch to
PostgreSQL and a real worker.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Under pytest (or `manage.py test`) a few production defaults would only get in the way:
# hashed static manifests need collectstatic, HTTPS redirects break the test client.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)


OFFLINE_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate", "collectstatic"}


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if key:
        return key
    if TESTING:
        return "insecure-test-only-key-" + "x" * 40
    if sys.argv[1:2] and sys.argv[1] in OFFLINE_COMMANDS:
        # Commands that sign nothing and serve nobody get a throwaway key, so a maintainer
        # can run `manage.py makemigrations` without production secrets to hand.
        return secrets.token_urlsafe(50)
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string in production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set "
            "DJANGO_DEBUG=1 for local development."
        )
    # Debugging only: a random key kept in a git-ignored file, so sessions survive the
    # development server's autoreload.
    key_file = BASE_DIR / ".dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Our app label is `sites`; django.contrib.sites is deliberately NOT installed (same label).
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "sites",
    "fieldwork",
    "themes",
    "workshops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After CSRF and login, so those refusals come first; before any view stores text.
    "dwr_project.control_characters.RefuseControlCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dwr_project.middleware.ContentSecurityPolicyMiddleware",
    # Only with DEBUG on: the project's error pages rather than Django's technical ones.
    "dwr_project.error_pages.FriendlyErrorPagesMiddleware",
    # Axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]
# With DJANGO_DEBUG=1, show Django's technical 404/500 pages (URL list, traceback) instead of
# the project's own. Off by default, so `make run` shows what users see.
TECHNICAL_ERROR_PAGES = env_bool("DJANGO_TECHNICAL_ERROR_PAGES", False)

ROOT_URLCONF = "dwr_project.urls"
WSGI_APPLICATION = "dwr_project.wsgi.application"

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
                "sites.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy timeout stops "database is locked" when an eager import and a page overlap;
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers queue on that
    # timeout instead of one failing when it upgrades a read lock. WAL lets pages read while
    # an import writes, and synchronous=NORMAL (safe with WAL: a power cut can lose the last
    # commit, never corrupt the file) makes each commit a write, not an fsync: an upload's
    # three commits cost ~15 ms of fsync otherwise.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
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
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# How many reverse proxies of ours stand in front of the app (0: none, the connection address
# is the client's). Only then is X-Forwarded-For read, for login throttling.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "dwr_project.client_ip.client_ip"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Originals of imported files hold real names: a separate storage, never given a URL.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("DJANGO_PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", not DEBUG and not TESTING)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve straight from the source folders when no collected manifest is in use.
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads: one transcript may be up to IMPORT_MAX_BYTES; several may be sent at once.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(25 * 1024 * 1024)))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", str(200 * 1024 * 1024))
)
# A REFI-QDA project (.qdpx) may carry every source's original file as well as its text.
REFI_IMPORT_MAX_BYTES = int(os.environ.get("REFI_IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 50

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with no broker configured, tasks run eagerly in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL) or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "dwr")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A broker that is down must not hold an upload for long: refuse within about a second, keep
# the job queued, and let the sweep below send it once the broker is back (before these,
# the result backend's 20 reconnects held the request for 19 s and then answered 500).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
}

# Import jobs: a worker holds a running job by a lease that a heartbeat renews every third of
# IMPORT_LEASE_SECONDS; the sweep (run by the worker itself every IMPORT_SWEEP_SECONDS, see
# dwr_project/celery.py) takes back a job whose lease ran out, so a job whose worker died is
# on its way again within lease + sweep (90 s by default). IMPORT_MAX_ATTEMPTS interrupted
# runs fail the job with a message instead (a file that kills the worker every time).
IMPORT_LEASE_SECONDS = float(os.environ.get("IMPORT_LEASE_SECONDS", "60"))
IMPORT_SWEEP_SECONDS = float(os.environ.get("IMPORT_SWEEP_SECONDS", "30"))
IMPORT_MAX_ATTEMPTS = int(os.environ.get("IMPORT_MAX_ATTEMPTS", "3"))
# A queued job whose message was sent this long ago and never picked up is sent again (the
# broker may have lost it in a restart); a second message for a job is harmless.
IMPORT_RESEND_AFTER_SECONDS = float(os.environ.get("IMPORT_RESEND_AFTER_SECONDS", "900"))
IMPORT_SOFT_TIME_LIMIT = int(os.environ.get("IMPORT_SOFT_TIME_LIMIT", "600"))
IMPORT_HARD_TIME_LIMIT = int(os.environ.get("IMPORT_HARD_TIME_LIMIT", "660"))
# Tests only: seconds to sleep per turn inside the import's transaction, so the worker test
# can kill a worker mid-import. Always 0 outside that test.
IMPORT_TEST_DELAY_PER_TURN = float(os.environ.get("IMPORT_TEST_DELAY_PER_TURN", "0"))
# Documents made by workers (themes/documents.py): the same lease and sweep as imports. Theme
# exports up to DOCUMENT_IN_REQUEST_MAX_EXCERPTS are made in the request; beyond, as a job.
DOCUMENT_SOFT_TIME_LIMIT = int(os.environ.get("DOCUMENT_SOFT_TIME_LIMIT", "900"))
DOCUMENT_HARD_TIME_LIMIT = int(os.environ.get("DOCUMENT_HARD_TIME_LIMIT", "960"))
DOCUMENT_IN_REQUEST_MAX_EXCERPTS = int(os.environ.get("DOCUMENT_IN_REQUEST_MAX_EXCERPTS", "1000"))
CELERY_BEAT_SCHEDULE = {
    "fieldwork-import-job-sweep": {
        "task": "fieldwork.import_job_sweep",
        "schedule": IMPORT_SWEEP_SECONDS,
        # Sweeps that piled up while no worker ran are dropped: the next one does the work.
        "options": {"expires": IMPORT_SWEEP_SECONDS},
    },
    "themes-document-job-sweep": {
        "task": "themes.document_job_sweep",
        "schedule": IMPORT_SWEEP_SECONDS,
        "options": {"expires": IMPORT_SWEEP_SECONDS},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "celerybeat-schedule")
)

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or TESTING
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "dwr-fieldwork@localhost")

# HTTPS hardening: on by default in production, off for local development and tests.
SECURE = env_bool("DJANGO_SECURE", not DEBUG and not TESTING)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# The demo personas' published password (README); seed_demo refuses to run in production.
DEMO_PASSWORD_DEFAULT = "liw-demo-2004"  # noqa: S105
