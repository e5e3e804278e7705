"""/healthz: can the app serve, and does its background work run?

- database: a query on a planner table, so that an empty database fails (SQLite recreates a
  removed file empty, and the API then answers 500);
- broker: Redis (or any network broker) answers a connection; the embedded default's
  filesystem broker has its folders, and they take a new file;
- worker, beat: their newest heartbeats (planner/heartbeat.py) are recent.

Open to anonymous probes (load balancers): to them it says which checks failed and no more,
and the reasons go to the log. A signed-in user or an API token is also told why.
"""

import logging
import tempfile
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from hybridplan.celery import app as celery_app
from planner.choices import BackgroundServiceChoices
from planner.models import Heartbeat

logger = logging.getLogger(__name__)

HTTP_OK = 200
HTTP_SERVICE_UNAVAILABLE = 503
CHECK_OK = "ok"
CHECK_FAILED = "failed"
FILESYSTEM_BROKER_SCHEME = "filesystem://"


def _describe(error: Exception) -> str:
    return str(error) or error.__class__.__name__


def _read_heartbeats() -> tuple[str | None, dict[str, datetime]]:
    """The database check, which reads the heartbeats as its query on a planner table."""
    try:
        return None, dict(Heartbeat.objects.values_list("service", "beaten_at"))
    except DatabaseError as error:
        return _describe(error), {}


def _check_broker_folders() -> str | None:
    """kombu's filesystem transport connects to nothing: the broker is its folders, and a task
    can be sent only while they exist and take a new file (an unnamed one: O_TMPFILE)."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for folder in sorted({value for value in options.values() if isinstance(value, str)}):
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            return f"cannot write in {folder}: {error.strerror}"
    return None


def _check_broker() -> str | None:
    if settings.CELERY_BROKER_URL.startswith(FILESYSTEM_BROKER_SCHEME):
        return _check_broker_folders()
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as broker:
            broker.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_BROKER_TIMEOUT)
    except Exception as error:  # kombu raises transport-specific errors
        return _describe(error)
    return None


def _check_heartbeat(beaten_at: datetime | None, interval_s: int) -> str | None:
    if beaten_at is None:
        return "no heartbeat recorded"
    age_s = (timezone.now() - beaten_at).total_seconds()
    if age_s > interval_s * settings.HEALTHZ_HEARTBEATS_MISSED:
        return f"last heartbeat {age_s:.0f} s ago (one is due every {interval_s} s)"
    return None


def _run_checks() -> dict[str, str | None]:
    """Each check's reason for failing, or None where it passed."""
    database_error, heartbeats = _read_heartbeats()
    checks = {"database": database_error, "broker": _check_broker()}
    intervals_s = {
        BackgroundServiceChoices.WORKER: settings.HEALTHZ_WORKER_HEARTBEAT_S,
        BackgroundServiceChoices.BEAT: settings.HEALTHZ_BEAT_HEARTBEAT_S,
    }
    for service, interval_s in intervals_s.items():
        checks[service.value] = (
            "not known: the database check failed"
            if database_error
            else _check_heartbeat(heartbeats.get(service.value), interval_s)
        )
    return checks


def _caller_is_authenticated(request) -> bool:
    """Signed in, or with an API token: as the API authenticates. A token it refuses, or a
    database that cannot tell, leaves the caller anonymous (the checks say what is down)."""
    authenticators = [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    try:
        return Request(request, authenticators=authenticators).user.is_authenticated
    except (APIException, DatabaseError):
        return False


@require_GET
def healthz(request):
    # First: after a failed query in a transaction (ATOMIC_REQUESTS, a test), PostgreSQL
    # refuses every other one.
    authenticated = _caller_is_authenticated(request)
    checks = _run_checks()
    failures = {name: reason for name, reason in checks.items() if reason is not None}
    if failures:
        logger.error(
            "healthz: %s",
            "; ".join(f"{name} failed: {reason}" for name, reason in failures.items()),
        )
    body = {
        "status": "unavailable" if failures else "ok",
        "checks": {name: CHECK_FAILED if name in failures else CHECK_OK for name in checks},
    }
    if authenticated and failures:
        body["reasons"] = failures
    return JsonResponse(body, status=HTTP_SERVICE_UNAVAILABLE if failures else HTTP_OK)
