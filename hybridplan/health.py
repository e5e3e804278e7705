"""/healthz: is the database reachable, is the Celery broker reachable."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from hybridplan.celery import app as celery_app

logger = logging.getLogger(__name__)

HTTP_OK = 200
HTTP_SERVICE_UNAVAILABLE = 503


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means "not reachable"
        return str(error) or error.__class__.__name__
    return None


def _check_broker() -> str | None:
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as broker:
            broker.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_BROKER_TIMEOUT)
    except Exception as error:  # kombu raises transport-specific errors
        return str(error) or error.__class__.__name__
    return None


@require_GET
def healthz(request):
    """Open to anonymous probes (load balancers), so it says up or down and no more;
    the reason for a failure goes to the log."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    for name, error in checks.items():
        if error is not None:
            logger.error("healthz: %s unreachable: %s", name, error)
    healthy = not any(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {
            name: "ok" if error is None else "unreachable" for name, error in checks.items()
        },
    }
    return JsonResponse(body, status=HTTP_OK if healthy else HTTP_SERVICE_UNAVAILABLE)
