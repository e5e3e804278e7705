"""/healthz reports whether the database and the broker are reachable."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_unreachable_broker_is_503_without_details(client, settings):
    # A port nobody listens on: the broker check must fail fast, not hang.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.HEALTHZ_BROKER_TIMEOUT = 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unreachable"},
    }


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
