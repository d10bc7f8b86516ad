"""Settings shared by every environment, configured from environment variables."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("RIEP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_filters",
    "django_tables2",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "simple_history",
    "axes",
    "authorities",
    "targets",
    "returns",
    "reports",
    # After "reports": its db_worker command (heartbeat, recovery of dead workers' work)
    # overrides django_tasks_db's, which Django finds only when the app comes later.
    "django_tasks",
    "django_tasks_db",
    "riep",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the header too.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "riep.middleware.NoStoreMiddleware",
    "riep.middleware.DatabaseBusyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged by its backend into the page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "riep.urls"
WSGI_APPLICATION = "riep.wsgi.application"

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
                "riep.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'riep.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, and wait up to 20 s for it: concurrent
    # writers then queue instead of failing with "database is locked" (a deferred transaction
    # that read first cannot wait for the lock: SQLite refuses it at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, its permissions read in one query (authorities/backends.py).
    "authorities.backends.PermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

# Board members read on laptops and tablets between meetings: a working day, not a week.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Permissions-Policy (django-permissions-policy): the site uses none of the browser's powerful
# features, so none is allowed to it or to anything it could be made to embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}

# Everything is served from our own origin: no inline scripts, no third-party assets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Sign-in throttling (django-axes) on every sign-in path (/accounts/login/, /admin/login/; the API
# signs nobody in with a password): 5 failures for one username from one address lock that
# pair out for 30 minutes, or until an administrator deletes the lock in the admin (Axes >
# Access attempts) or runs `manage.py axes_reset_username USERNAME`. Every sign-in, good or
# failed, is recorded with who, when and from where (Axes > Access logs, Access failures).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "riep.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "riep.signin.client_ip"
#: How many reverse proxies in front of Django append to X-Forwarded-For (0: none, use the
#: connection's address). Behind one nginx, 1: the client is the last address it appended.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous call gets 401 with a WWW-Authenticate challenge.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded in size and nesting depth (riep/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["riep.api.parsers.BoundedJSONParser"],
    # drf-spectacular, with every error answer documented (riep/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "riep.api.schema.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "riep.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
}
# The admin shows each object's history (old → new) but reverts nothing from it: a revert would
# save an old record whole, bypassing the rule page and the escalation checks (issue 12).
SIMPLE_HISTORY_REVERT_DISABLED = True
# The OpenAPI document (/api/v1/openapi.json) is served to signed-in users only unless this is on.
API_SCHEMA_PUBLIC = env_bool("DJANGO_API_SCHEMA_PUBLIC", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "East Midlands RIEP targets API",
    "DESCRIPTION": (
        "Authorities, target sets and targets; quarterly returns (read, and write for programme "
        "managers of their own sub-region); ratings and the Board dashboards."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The API's one PATCH (a return's lines) reads its body whole, not as a partial update.
    "COMPONENT_SPLIT_PATCH": False,
}

# Background work (Board paper PDFs, issues, large data exports): django-tasks with its database
# backend; `manage.py db_worker` runs it (reports/management/commands/db_worker.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A worker records a heartbeat at most this often (seconds), while idle and while it works...
TASK_WORKER_HEARTBEAT_SECONDS = 10
# ...and is taken for dead (health check, recovery of its work) when not heard of for this long.
TASK_WORKER_STALE_SECONDS = 60
# A Board data export of more lines than this is prepared by the worker, not in the request
# (about 0.7 ms a line: the region's 1,326 lines take about 1 s, national scale about 7 s).
BOARD_EXPORT_INLINE_MAX_LINES = 2000
# Board members see approved returns only on the dashboards unless they switch; a deployment
# may let them see every return (marked) by default instead (reports.filters.default_basis).
BOARD_SEES_UNAPPROVED = env_bool("RIEP_BOARD_SEES_UNAPPROVED", False)
# Whose partnership the pages name before anyone signs in (signed in: the user's own region;
# every region for a national user). The East Midlands is the product's first partnership.
RIEP_DEFAULT_REGION_NAME = os.environ.get("RIEP_DEFAULT_REGION_NAME", "East Midlands")

# Email: notices about returns and reminders of their deadlines (returns.notices). Each
# environment chooses its backend: `make run` writes them to files under var/mail/ (local.py),
# production sends them through SMTP (production.py), the tests keep them in memory.
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "RIEP targets <targets@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))
# The address people reach the site at, for the links in emails.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000")
# Reminders (`manage.py send_reminders`, daily from cron): one this many days before a return's
# deadline, one the day after it; a reminder missed by cron is still sent for this many days.
RETURN_REMINDER_DAYS_BEFORE = int(os.environ.get("RIEP_REMINDER_DAYS_BEFORE", "7"))
RETURN_REMINDER_GRACE_DAYS = int(os.environ.get("RIEP_REMINDER_GRACE_DAYS", "7"))

# Imports: a file up to this size is checked and applied in the request; a larger one by the
# task worker, its progress on the import's page (about 1 ms a row: 10,000 rows, 10 s).
IMPORT_INLINE_MAX_BYTES = int(os.environ.get("RIEP_IMPORT_INLINE_MAX_BYTES", str(100 * 1024)))
# An uploaded file is kept this long between its preview and its application, then deleted.
IMPORT_UPLOAD_KEEP_MINUTES = int(os.environ.get("RIEP_IMPORT_UPLOAD_KEEP_MINUTES", "60"))

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# Demo users and demo returns are only ever created in a local demo database.
DEMO_DATA_ALLOWED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
