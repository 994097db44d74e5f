"""Settings, all from the environment (one file).

DATABASE_URL unset -> SQLite file in the project (demo only; tests and production: PostgreSQL).
SECRET_KEY is required unless DEBUG is on. CELERY_BROKER_URL unset -> tasks run eagerly.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """Strict boolean: anything but the known spellings is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set (only the DEBUG demo has a default)")
    SECRET_KEY = "demo-only-insecure-secret-key-change-me-0123456789abcdefghijkl"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_tables2",
    "django_filters",
    "crispy_forms",
    "crispy_forms_gds",
    "simple_history",
    "axes",
    "csp",
    "schools",
    "pupils",
    "clusters",
    "funding",
    "funding.panel",
    "funding.returns",
    "funding.reports",
    "funding.spend",
    "funding.payments",
    "funding.scenarios",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.middleware.SessionTimeoutMiddleware",
    "config.middleware.NoStoreForSignedInMiddleware",
    "config.middleware.ClampPerPageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "schools.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'demo.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite cannot make a unique constraint that counts NULLs as equal (a payment
    # line's, models.W047); PostgreSQL, the only database for production and tests, makes it.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False

# Forms and tables the GOV.UK way.
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
DJANGO_TABLES2_TEMPLATE = "tables/govuk_table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "govuk-table"}

# Security. Production values (DEBUG off) pass `manage.py check --deploy`.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions end 8 hours after sign-in however busy (absolute), or after SESSION_IDLE_TIMEOUT seconds
# without a request (idle; 0 switches it off): config.middleware.SessionTimeoutMiddleware.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
# History is for reading: no past version is saved over the current row (schools.admin_history).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Content Security Policy: no inline script anywhere (django-csp 4).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Login throttling (django-axes): lock an account+address after 5 failures for 15 minutes.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Email (Django 6.1 MAILERS): console in the demo, SMTP from the environment in production.
_EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
_SMTP_OPTIONS = {
    "host": os.environ.get("EMAIL_HOST", "localhost"),
    "port": env_int("EMAIL_PORT", 25),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
}
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": _SMTP_OPTIONS if _EMAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sen-funding@localhost")

# Imports (schools/importing.py): the largest file, data rows and columns one import reads, and
# how far an XLSX may inflate when opened (a zip bomb is refused before it is read).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 40 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200)
IMPORT_MAX_XLSX_UNCOMPRESSED = env_int("IMPORT_MAX_XLSX_UNCOMPRESSED", 256 * 1024 * 1024)
# A pupil file larger than this (about 2,500 rows) is imported in the background, with progress.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 512 * 1024)

# Celery: Redis broker from CELERY_BROKER_URL; unset -> tasks run eagerly in-process.
_BROKER = os.environ.get("CELERY_BROKER_URL", "")
# Eager mode still needs a broker name: the in-memory transport, so nothing looks for a host.
CELERY_BROKER_URL = _BROKER or "memory://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", _BROKER or None)
CELERY_TASK_ALWAYS_EAGER = not _BROKER
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Workers reuse their database connection for this many tasks (Celery's Django fixup otherwise
# closes it around every task, and each task pays for a new PostgreSQL connection).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 200)
# Monthly returns for the coming month: day of month and time are configurable (default 1st, 06:00).
RETURNS_GENERATION_DAY = env_int("RETURNS_GENERATION_DAY", 1)
RETURNS_GENERATION_HOUR = env_int("RETURNS_GENERATION_HOUR", 6)
# School days after issue before a return counts as overdue.
RETURNS_OVERDUE_SCHOOL_DAYS = env_int("RETURNS_OVERDUE_SCHOOL_DAYS", 10)
# An unfinished generation is resumed once its last attempt is this old, at most this often.
RETURNS_GENERATION_STALE_MINUTES = env_int("RETURNS_GENERATION_STALE_MINUTES", 30)
RETURNS_GENERATION_MAX_ATTEMPTS = env_int("RETURNS_GENERATION_MAX_ATTEMPTS", 3)
# Schools per generation task (returns and payments): bulk reads, one engine, one write each.
RETURNS_GENERATION_BATCH = env_int("RETURNS_GENERATION_BATCH", 100)
PAYMENTS_GENERATION_BATCH = env_int("PAYMENTS_GENERATION_BATCH", 20)
CELERY_BEAT_SCHEDULE = {
    "generate-monthly-returns": {
        "task": "funding.returns.tasks.generate_returns_for_coming_month",
        "schedule": crontab(
            minute=0, hour=RETURNS_GENERATION_HOUR, day_of_month=RETURNS_GENERATION_DAY
        ),
    },
    # A generation cut short (a worker killed mid-run) is sent out again once it is stale.
    "resume-unfinished-return-generations": {
        "task": "funding.returns.tasks.resume_unfinished_return_generations",
        "schedule": crontab(minute="*/15"),
    },
    # R20: remind schools whose return is overdue (RETURNS_OVERDUE_SCHOOL_DAYS), each weekday.
    "overdue-return-reminders": {
        "task": "funding.returns.tasks.send_overdue_return_reminders",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon-fri"),
    },
    # R22: keep the high-needs budget position; daily, so each month's snapshot is its latest.
    "budget-snapshot": {
        "task": "funding.reports.tasks.take_budget_snapshot",
        "schedule": crontab(minute=30, hour=5),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
