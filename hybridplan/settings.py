"""Hybridplan settings: every value comes from the environment, with safe local defaults.

With nothing set, Hybridplan runs on SQLite and an on-disk Celery broker under ./var, so
`make run` needs no server. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ...
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from hybridplan.env import env_bool, env_int, env_list, env_rate, env_str
from hybridplan.local_secrets import local_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HYBRIDPLAN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Unset SECRET_KEY: a random key kept in var/ (never a key shipped in the source).
SECRET_KEY = env_str("SECRET_KEY", "") or local_secret(VAR_DIR / "secret-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The pepper of API token digests (HMAC-SHA256, planner/tokens.py); unset: a random one kept
# in var/. Changing it invalidates every API token.
HYBRIDPLAN_TOKEN_PEPPER = env_str("HYBRIDPLAN_TOKEN_PEPPER", "") or local_secret(
    VAR_DIR / "token-pepper"
)

# Fernet key that encrypts cluster credentials at rest; unset: a random key kept in var/.
HYBRIDPLAN_CREDENTIALS_KEY = env_str("HYBRIDPLAN_CREDENTIALS_KEY", "") or local_secret(
    VAR_DIR / "credentials.key", fernet=True
)

INSTALLED_APPS = [
    "planner.apps.PlannerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Only for migration 0020, which moves DRF's tokens to planner.APIToken.
    "rest_framework.authtoken",
    "guardian",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "auditlog",
    "django_tables2",
    "django_htmx",
    "planner",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "planner.api.middleware.ChunkedBodyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "planner.api.middleware.ChangeRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "hybridplan.urls"
WSGI_APPLICATION = "hybridplan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hybridplan.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# PostgreSQL plans every statement it is sent as text; a prepared one is planned once per
# connection. Prepared after PREPARE_THRESHOLD runs on a connection kept between requests
# (DATABASE_CONN_MAX_AGE), with parameters bound on the server (hybridplan.postgresql keeps
# statements under the limit that sets). Off behind a pooler that cannot keep prepared
# statements (PgBouncer in transaction mode before 1.21).
PREPARE_THRESHOLD = 2
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if (
    DATABASE_PREPARED_STATEMENTS
    and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
):
    DATABASES["default"]["ENGINE"] = "hybridplan.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=PREPARE_THRESHOLD
    )
# SQLite has no row locks, and a DEFERRED transaction (its default) that reads first and
# writes later fails with "database is locked" when another wrote meanwhile. IMMEDIATE
# takes the write lock as the transaction begins, so writers wait their turn (up to the
# timeout) instead; WAL lets readers go on while one writes.
SQLITE_BUSY_TIMEOUT_S = 30
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=SQLITE_BUSY_TIMEOUT_S,
        init_command="PRAGMA journal_mode=WAL",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
# Nothing is translated: English only, and no language looked up for each URL reversed.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# The browser UI's sign-in (frontend/); the admin keeps its own.
LOGIN_URL = "planner:login"
LOGIN_REDIRECT_URL = "planner:dashboard"
LOGOUT_REDIRECT_URL = "planner:login"
# How the browser UI renders its tables (django-tables2).
DJANGO_TABLES2_TEMPLATE = "frontend/table.html"
# Model permissions from Django, per-object ones (an operator limited to some clusters,
# planner/roles.py) from django-guardian, which needs no anonymous user here.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None

# Celery. REDIS_URL is the usual knob; CELERY_BROKER_URL wins when both are set.
# Neither set: kombu's filesystem transport under var/, so no broker server is needed.
REDIS_URL = env_str("REDIS_URL", "")
BROKER_DIR = VAR_DIR / "broker"
# The host is a placeholder (files have none), named so kombu does not warn at each connection.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {}
)
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND", REDIS_URL or f"file://{VAR_DIR / 'celery-results'}"
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Seconds /healthz waits for the broker before calling it unreachable.
HEALTHZ_BROKER_TIMEOUT = env_int("HEALTHZ_BROKER_TIMEOUT", 3)
# Liveness of the background services (planner/heartbeat.py): every Celery worker records a
# heartbeat each HEALTHZ_WORKER_HEARTBEAT_S seconds; beat sends one each
# HEALTHZ_BEAT_HEARTBEAT_S for a worker to record. /healthz fails a service whose newest
# heartbeat is older than HEALTHZ_HEARTBEATS_MISSED of its intervals (a busy moment is not
# death). Beat's is sent less often: each one is a task, and a line in the worker's log.
HEALTHZ_WORKER_HEARTBEAT_S = 10
HEALTHZ_BEAT_HEARTBEAT_S = 60
HEALTHZ_HEARTBEATS_MISSED = 3
# Cluster sync: an apply whose cluster does not answer is retried SYNC_APPLY_RETRIES times,
# waiting about SYNC_RETRY_BACKOFF_S, then twice as long each time (with jitter, at most
# SYNC_RETRY_BACKOFF_MAX_S). A run still "running" whose heartbeat is older than
# SYNC_RUN_STALE_S lost its worker: beat's reaper, every SYNC_REAPER_INTERVAL_S, fails it.
SYNC_APPLY_RETRIES = env_int("SYNC_APPLY_RETRIES", 3)
SYNC_RETRY_BACKOFF_S = env_int("SYNC_RETRY_BACKOFF_S", 2)
SYNC_RETRY_BACKOFF_MAX_S = env_int("SYNC_RETRY_BACKOFF_MAX_S", 60)
SYNC_RUN_STALE_S = env_int("SYNC_RUN_STALE_S", 300)
SYNC_REAPER_INTERVAL_S = 60
# How often beat looks for clusters whose scheduled sync is due (Cluster.sync_interval_seconds
# is at least this).
SYNC_SCHEDULE_TICK_S = 30
CHANGELOG_PRUNE_INTERVAL_S = 24 * 60 * 60
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {
        "task": "planner.tasks.record_beat_heartbeat",
        "schedule": HEALTHZ_BEAT_HEARTBEAT_S,
        # One not run within its interval is stale already: never a backlog of them.
        "options": {"expire_seconds": HEALTHZ_BEAT_HEARTBEAT_S},
    },
    "reap-stale-sync-runs": {
        "task": "planner.tasks.reap_stale_sync_runs",
        "schedule": SYNC_REAPER_INTERVAL_S,
        "options": {"expire_seconds": SYNC_REAPER_INTERVAL_S},
    },
    "queue-due-syncs": {
        "task": "planner.tasks.queue_due_syncs",
        "schedule": SYNC_SCHEDULE_TICK_S,
        "options": {"expire_seconds": SYNC_SCHEDULE_TICK_S},
    },
    # The change log's retention: entries older than CHANGELOG_RETENTION_DAYS go daily.
    "prune-changes": {
        "task": "planner.tasks.prune_changes",
        "schedule": CHANGELOG_PRUNE_INTERVAL_S,
        "options": {"expire_seconds": CHANGELOG_PRUNE_INTERVAL_S},
    },
}

# The change log (django-auditlog, on the model planner.ObjectChange; planner.changelog
# registers the planned models and names the fields it leaves out, credentials among them).
AUDITLOG_LOGENTRY_MODEL = "planner.ObjectChange"
# auditlog's own migrations would create its default table, unused once swapped (and left out
# of test flushes): the app runs unmigrated, its only model being swapped for ours.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_STORE_JSON_CHANGES = True
# Each entry's correlation id is the request id of planner.changelog's context.
AUDITLOG_CID_GETTER = "planner.changelog.current_request_id"
CHANGELOG_RETENTION_DAYS = env_int("CHANGELOG_RETENTION_DAYS", 90)
if CHANGELOG_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("CHANGELOG_RETENTION_DAYS must be at least 1")

# The default cache holds the API's throttle counts. With REDIS_URL, every gunicorn worker
# shares them in Redis; without, each process counts on its own (2 workers: twice the rate).
# The key prefix keeps them apart from the Celery keys in the same Redis database.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hybridplan",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_on_one_line": {"()": "hybridplan.log_filters.ClientErrorsOnOneLine"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client_errors_on_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# REST API (planner/api/): signed-in users only, Django model permissions for reads and
# writes, limit/offset pages of 50 (at most 1,000), JSON in and out.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous client is told 401 with `WWW-Authenticate: Token`.
        "planner.api.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "planner.api.permissions.TokenWritePermission",
        "planner.api.permissions.PlannerModelPermissions",
    ],
    "DEFAULT_PARSER_CLASSES": ["planner.api.parsers.PlannerJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "planner.api.pagination.PlannerPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "planner.api.filtersets.AddressOrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "planner.api.schema.PlannerAutoSchema",
    "EXCEPTION_HANDLER": "planner.api.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Sign-in attempts per client address, at POST /api/auth/token/ and the admin sign-in
    # alike (planner/throttling.py).
    "DEFAULT_THROTTLE_RATES": {"token": env_rate("HYBRIDPLAN_TOKEN_RATE", "10/minute")},
    # Proxies in front of the app whose X-Forwarded-For is trusted to name the client; with
    # none, a client could send a new X-Forwarded-For with each guess to escape the limit.
    "NUM_PROXIES": env_int("HYBRIDPLAN_NUM_PROXIES", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Hybridplan API",
    "DESCRIPTION": "Address planning for Kubernetes clusters running Hybridnet: sites, node "
    "segments, pools, clusters and their planned Networks and Subnets, carving, manifests, "
    "and the offline admission review.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Relations are ids in requests and brief objects in responses: separate components.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
