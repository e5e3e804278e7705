"""Suite-wide pytest set-up: which database and broker the run uses; a real Celery worker."""

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
