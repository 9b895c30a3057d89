"""Settings shared by every mode, read from the environment with safe development defaults.

Modes: ``local`` (make demo), ``test`` (pytest) and ``production`` (docker compose).
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Development-only default; production.py requires a real one.
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "jvtracker",
    "milestones",
    "datagov",
    "kpis",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication, so history rows record the acting user.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jvtracker.urls"
WSGI_APPLICATION = "jvtracker.wsgi.application"

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
                "jvtracker.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "jvtracker.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The plain login serves partners, who cannot use the admin's; the admin keeps its own.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

# Japanese first; English available. Fiscal years run April to March
# (jvtracker.common.fiscal).
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch's choice outlives the browser session: a year, as a cookie, so it
# holds on the login page too, before anyone is known.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# Evidence files and signed contracts are private: stored outside any URL space and
# served only through permission-checked views.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "jvtracker.common.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

# Celery: with no broker configured, tasks run eagerly in-process (make demo).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Seconds a broker connection or command may take (a local Redis answers in well under
# a millisecond): bounds how long publishing can keep a web request waiting.
CELERY_BROKER_SOCKET_TIMEOUT = env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=0.25)
# Redis redelivers unacknowledged tasks after the visibility timeout: keep it above the
# hard time limit so a long task is not run twice while still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2,
    # A web request that publishes a task must not wait on a broker that is down: connect
    # fails fast and is tried twice, then the caller's fallback (a sweeper) takes over.
    "socket_connect_timeout": CELERY_BROKER_SOCKET_TIMEOUT,
    # A broker that accepts connections but does not answer (paused, or gone behind a NAT
    # or firewall without closing the connection) would otherwise make a publish wait
    # forever. A publish takes at most about three of these (the reply, a reconnect, the
    # retry). The worker's blocking reads run in its event loop, which this does not limit.
    "socket_timeout": CELERY_BROKER_SOCKET_TIMEOUT,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# WeasyPrint does not hand memory back to the system: recycle a worker child once it has
# grown past this (KiB), after the task it is running.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000)
CELERY_BEAT_SCHEDULE = {
    "milestones-flag-overdue": {
        "task": "milestones.tasks.milestones_flag_overdue_task",
        "schedule": crontab(hour=6, minute=0),
    },
    # Just after midnight Tokyo time, so a contract ending yesterday is expired by morning.
    "datagov-mark-expired-contracts": {
        "task": "datagov.tasks.contracts_mark_expired_task",
        "schedule": crontab(hour=0, minute=5),
    },
    # Computed KPIs also follow their inputs on commit; the daily run catches what no
    # save announces (a contract reaching its expiry date, a new fiscal year).
    "kpis-refresh-computed": {
        "task": "kpis.tasks.computed_kpis_refresh_task",
        "schedule": crontab(hour=0, minute=15),
    },
    # Reports whose publish was lost (broker down at the request) or whose worker died.
    "reports-requeue-stuck": {
        "task": "reports.tasks.reports_requeue_stuck_task",
        "schedule": 60.0,
    },
}

# Reports (rendered by Celery workers with WeasyPrint)
REPORT_TASK_TIME_LIMIT = env.int("REPORT_TASK_TIME_LIMIT", default=10 * 60)
REPORT_TASK_SOFT_TIME_LIMIT = REPORT_TASK_TIME_LIMIT - 30
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= REPORT_TASK_TIME_LIMIT:
    raise ValueError("The broker's visibility timeout must exceed REPORT_TASK_TIME_LIMIT.")
# A queued report older than this has lost its publish; the sweeper sends it again.
REPORT_QUEUED_GRACE_SECONDS = env.int("REPORT_QUEUED_GRACE_SECONDS", default=120)
# Attempts (worker lost, sweeper) before a report is failed rather than tried again.
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# Retries of one attempt after a transient error (the database away), with backoff.
REPORT_TRANSIENT_RETRIES = 3

# KPIs
KPI_INGEST_MAX_ROWS = 10_000  # per API request
# Django's cap on a request body, which the bulk API also applies: 1 KiB a row. The
# longest row (64-character code and subject, a Japanese subject \u-escaped, times with
# microseconds, pretty-printed) takes about 710 bytes, so 10,000 of them fit with room.
DATA_UPLOAD_MAX_MEMORY_SIZE = KPI_INGEST_MAX_ROWS * 1024
KPI_FILE_IMPORT_MAX_ROWS = env.int("KPI_FILE_IMPORT_MAX_ROWS", default=100_000)
# How far ahead of the server's clock a measurement's time may be (clock skew), seconds.
KPI_FUTURE_TOLERANCE_SECONDS = env.int("KPI_FUTURE_TOLERANCE_SECONDS", default=300)
KPI_SERIOUS_INCIDENT_SEVERITY = env.int("KPI_SERIOUS_INCIDENT_SEVERITY", default=4)
# The DCGM exporter to scrape for GPU utilisation; the beat entry exists only when set.
KPI_GPU_EXPORTER_URL = env("KPI_GPU_EXPORTER_URL", default="")
KPI_GPU_CLUSTER = env("KPI_GPU_CLUSTER", default="")
KPI_GPU_SCRAPE_MINUTES = env.int("KPI_GPU_SCRAPE_MINUTES", default=15)
KPI_GPU_SCRAPE_TIMEOUT_SECONDS = env.int("KPI_GPU_SCRAPE_TIMEOUT_SECONDS", default=10)
if KPI_GPU_EXPORTER_URL:
    CELERY_BEAT_SCHEDULE["kpis-scrape-gpu-utilization"] = {
        "task": "kpis.tasks.gpu_utilization_scrape_task",
        "schedule": KPI_GPU_SCRAPE_MINUTES * 60.0,
    }

# The API (/api/v1/). Scripts authenticate with tokens (hashed at rest, revocable, with
# an expiry); the pages and the admin with the session.
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=500)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so a request without credentials is told 401 with WWW-Authenticate: Token.
        "jvtracker.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["jvtracker.common.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "jvtracker.common.api.pagination.PagePagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "jvtracker.common.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "jvtracker.common.api.schema.ProjectAutoSchema",
    "EXCEPTION_HANDLER": "jvtracker.common.api.errors.api_error_response",
    "DEFAULT_THROTTLE_RATES": {
        # Password guessing at POST /api/v1/auth/token/: per client address, and per
        # username whatever the address.
        "login_address": env("API_LOGIN_RATE_PER_ADDRESS", default="20/min"),
        "login_username": env("API_LOGIN_RATE_PER_USERNAME", default="10/min"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "UNICODE_JSON": True,
}
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    # A recognisable prefix lets secret scanners find a token pasted where it should not be.
    "TOKEN_PREFIX": "jvt_",
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKEN_LIMIT_PER_USER", default=20),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jvtracker API",
    "DESCRIPTION": (
        "日本AI基盤モデル開発 programme-governance tracker. Authenticate with "
        "`Authorization: Token …` (POST /api/v1/auth/token/) or the session. Every "
        "refusal answers the same JSON shape: `code`, `message`, `errors`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that several models share get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "DataTierEnum": "datagov.choices.DataTier",
        "DataPurposeEnum": "datagov.choices.DataPurpose",
        "ContractStatusEnum": "datagov.choices.ContractStatus",
        "TemplateStatusEnum": "datagov.choices.TemplateStatus",
        "ArtifactKindEnum": "datagov.choices.ArtifactKind",
        "OrganizationKindEnum": "jvtracker.choices.OrganizationKind",
        "GateKindEnum": "milestones.choices.GateKind",
        "RiskLevelEnum": "milestones.choices.RiskLevel",
        "AxisScoreEnum": "milestones.choices.AxisScore",
        "MilestoneStatusEnum": "milestones.choices.MilestoneStatus",
        "RiskStatusEnum": "milestones.choices.RiskStatus",
        "ReportKindEnum": "reports.choices.ReportKind",
    },
}
# Login throttles count in the cache: shared by every process only with a shared cache
# (docker compose points CACHE_URL at Redis).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Notifications (a contract decided, a report ready): printed to the console unless
# EMAIL_URL names a server, e.g. smtp+tls://user:password@mail.example.jp:587.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="jvtracker <noreply@jvtracker.invalid>")
# Where the links in emails point: the address people reach the tracker at.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Reverting from the history page goes through the same admin save (and so the same
# service) as an edit; the admin requires the change permission for it.
SIMPLE_HISTORY_REVERT_DISABLED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every step of every render at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
