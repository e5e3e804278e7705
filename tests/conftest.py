"""Suite-wide pytest set-up: which database and broker the run uses; a fresh cache for each
test; a real Celery worker."""

from uuid import uuid4

import pytest
from django.conf import settings
from django.db import connection

from tests.celery_worker import WorkerProcess


def pytest_report_header(config) -> list[str]:
    database = settings.DATABASES["default"]
    where = database.get("HOST") or "local file"
    return [
        f"hybridplan database: {database['ENGINE'].rsplit('.', 1)[-1]} "
        f"{database['NAME']} at {where}",
        f"hybridplan celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}",
    ]


@pytest.fixture(autouse=True)
def fresh_cache(settings) -> None:
    """A cache key prefix of the test's own, so that no throttle count (POST /api/auth/token/
    from 127.0.0.1) carries over from another test or run. Not cache.clear(): with Redis, that
    would flush the database the broker shares."""
    default = settings.CACHES["default"]
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": uuid4().hex}}


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """One real worker for the session: tests that use it need `transactional_db`, so that
    what they write is committed and visible to the worker's own connection."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.fail(
            "worker tests need PostgreSQL and Redis (DATABASE_URL, REDIS_URL)", pytrace=False
        )
    worker = WorkerProcess(tmp_path_factory.mktemp("celery") / "worker.log").start()
    yield worker
    worker.stop()
