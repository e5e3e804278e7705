"""/healthz reports whether the database, the broker, a Celery worker and beat are up: terse
to anonymous probes, with the reasons to a signed-in caller and to the log."""

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hybridplan.celery import app as celery_app
from planner.choices import BackgroundServiceChoices
from planner.models import APIToken, Heartbeat
from tests.test_settings import run_with_settings

pytestmark = pytest.mark.django_db

ALL_OK = {"database": "ok", "broker": "ok", "worker": "ok", "beat": "ok"}
SEEN_TIMEOUT_S = 60


def interval_s(settings, service: BackgroundServiceChoices) -> int:
    if service == BackgroundServiceChoices.WORKER:
        return settings.HEALTHZ_WORKER_HEARTBEAT_S
    return settings.HEALTHZ_BEAT_HEARTBEAT_S


def beat(service: BackgroundServiceChoices, seconds_ago: float = 0) -> None:
    Heartbeat.objects.update_or_create(
        service=service, defaults={"beaten_at": timezone.now() - timedelta(seconds=seconds_ago)}
    )


@pytest.fixture
def services_alive() -> None:
    for service in BackgroundServiceChoices:
        beat(service)


@pytest.fixture
def token_client(client, django_user_model):
    user = django_user_model.objects.create_user("probe", password="not used here")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {APIToken.objects.issue(user)[1]}"
    return client


def test_healthy(client, services_alive):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ALL_OK}


def test_unreachable_broker_is_503_without_details(client, settings, services_alive, caplog):
    # A port nobody listens on: the broker check must fail fast, not hang.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.HEALTHZ_BROKER_TIMEOUT = 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {**ALL_OK, "broker": "failed"}}
    assert "healthz: broker failed" in caplog.text


def test_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_database_without_the_planner_tables_fails(client, services_alive):
    """As a removed SQLite file is recreated: empty. Dropped inside the test's transaction,
    which rolls it back."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {Heartbeat._meta.db_table}")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "failed",
        "broker": "ok",
        "worker": "failed",
        "beat": "failed",
    }


def test_filesystem_broker_without_its_folder_fails(client, settings, services_alive, tmp_path):
    """The embedded default's broker is a folder: gone (or not writable), no task can be sent."""
    broker_dir = tmp_path / "broker"
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "control_folder": str(broker_dir / "control"),
    }
    for folder in ("queue", "control"):
        (broker_dir / folder).mkdir(parents=True)
    assert client.get("/healthz").json()["checks"]["broker"] == "ok"

    (broker_dir / "control").rmdir()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {**ALL_OK, "broker": "failed"}


@pytest.mark.parametrize("service", BackgroundServiceChoices, ids=str)
def test_stale_heartbeat_fails_that_service(client, settings, services_alive, service):
    limit_s = interval_s(settings, service) * settings.HEALTHZ_HEARTBEATS_MISSED
    beat(service, seconds_ago=limit_s - 1)
    assert client.get("/healthz").status_code == 200

    beat(service, seconds_ago=limit_s + 1)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {**ALL_OK, service.value: "failed"},
    }


def test_no_heartbeat_yet_fails(client):
    checks = client.get("/healthz").json()["checks"]
    assert (checks["worker"], checks["beat"]) == ("failed", "failed")


@pytest.mark.parametrize("caller", ["admin_client", "token_client"])
def test_authenticated_caller_is_told_why(request, settings, services_alive, caller):
    beat(BackgroundServiceChoices.WORKER, seconds_ago=3600)
    response = request.getfixturevalue(caller).get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {**ALL_OK, "worker": "failed"}
    assert list(body["reasons"]) == ["worker"]
    assert body["reasons"]["worker"].startswith("last heartbeat 36")  # 3600 s and the setup


def test_anonymous_and_a_refused_token_are_not_told_why(client, services_alive, caplog):
    beat(BackgroundServiceChoices.BEAT, seconds_ago=3600)
    for headers in ({}, {"HTTP_AUTHORIZATION": "Token not-a-token"}):
        response = client.get("/healthz", **headers)
        assert response.status_code == 503
        assert "reasons" not in response.json()
    assert "healthz: beat failed: last heartbeat 36" in caplog.text


def wait_until_ok(client, check: str) -> None:
    deadline = time.monotonic() + SEEN_TIMEOUT_S
    while client.get("/healthz").json()["checks"][check] != "ok":
        assert time.monotonic() < deadline, f"{check} still failed after {SEEN_TIMEOUT_S} s"
        time.sleep(0.5)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_running_worker_passes_the_worker_check(client, celery_worker):
    """The real worker records its heartbeat as it starts and on its timer; the flush after
    each transactional test empties the table, so wait for the next one."""
    Heartbeat.objects.all().delete()
    assert client.get("/healthz").json()["checks"]["worker"] == "failed"
    wait_until_ok(client, "worker")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_task_beat_sends_records_its_heartbeat(client, settings, celery_worker):
    Heartbeat.objects.all().delete()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        celery_app.send_task(entry["task"])  # as beat sends it: by name
    wait_until_ok(client, "beat")


EMBEDDED_PROBE = """
import glob, json, os, shutil, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

def checks():
    # A connection of its own, as each request has under the web server (CONN_MAX_AGE 0);
    # the test client would keep one.
    connection.close()
    return Client(HTTP_HOST="localhost").get("/healthz").json()["checks"]

call_command("migrate", verbosity=0)
seen = [checks()]
shutil.rmtree(settings.BROKER_DIR)
seen.append(checks())
for path in glob.glob(str(settings.DATABASES["default"]["NAME"]) + "*"):  # -wal, -shm too
    os.remove(path)
seen.append(checks())
print(json.dumps(seen))
"""


@pytest.mark.slow
def test_embedded_default_without_its_broker_folder_or_database_file(tmp_path):
    """make run's SQLite and filesystem broker under var/, as a user might lose them: the
    removed database file comes back empty at the next connection."""
    result = run_with_settings(tmp_path, EMBEDDED_PROBE, timeout_s=300)
    assert result.returncode == 0, result.stderr
    no_services = {"worker": "failed", "beat": "failed"}
    assert json.loads(result.stdout.splitlines()[-1]) == [
        {"database": "ok", "broker": "ok", **no_services},
        {"database": "ok", "broker": "failed", **no_services},
        {"database": "failed", "broker": "failed", **no_services},
    ]
