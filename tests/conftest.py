"""Suite-wide pytest set-up: which database and broker the run uses; a fresh cache for each
test; a real Celery worker, a real web server; real kube-apiservers for the tests marked
`kube` (here, not in tests/kube/, so that the browser tests reach them too): two start once
per session (a few seconds, in parallel) and are reset before each `kube` test, which is
much cheaper than a fresh cluster."""

from collections.abc import Iterator
from uuid import uuid4

import pytest
from django.conf import settings
from django.db import connection

from planner.kube.localcluster import (
    HarnessError,
    LocalCluster,
    apiserver_binary,
    etcd_binary,
    start_many,
)
from tests.celery_worker import WorkerProcess
from tests.web_server import WebServerProcess


def pytest_report_header(config) -> list[str]:
    database = settings.DATABASES["default"]
    where = database.get("HOST") or "local file"
    return [
        f"hybridplan database: {database['ENGINE'].rsplit('.', 1)[-1]} "
        f"{database['NAME']} at {where}",
        f"hybridplan celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}",
    ]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory) -> None:
    """On SQLite, the test database is a file, as `make run`'s is: the live server's threads
    then write through connections of their own and contend for the write lock as real
    clients do (pytest-django hands them the test's one connection to an in-memory one)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test_file = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_file)


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


@pytest.fixture(scope="session")
def web_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn with several worker processes on the test database, as `make run` serves:
    tests that use it need `transactional_db`, so that what they write is visible to it."""
    server = WebServerProcess(tmp_path_factory.mktemp("gunicorn") / "server.log").start()
    yield server
    server.stop()


SESSION_CLUSTERS = 2


@pytest.fixture(scope="session")
def kube_clusters() -> Iterator[list[LocalCluster]]:
    try:
        apiserver_binary()
        etcd_binary()
    except HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    clusters = start_many(SESSION_CLUSTERS, prefix="pytest")
    yield clusters
    for cluster in clusters:
        cluster.stop()


@pytest.fixture
def kube_cluster(kube_clusters: list[LocalCluster]) -> LocalCluster:
    return kube_clusters[0]


@pytest.fixture(autouse=True)
def _reset_kube_clusters(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("kube") is None:
        return
    for cluster in request.getfixturevalue("kube_clusters"):
        cluster.reset()
