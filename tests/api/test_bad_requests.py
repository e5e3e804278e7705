"""Requests the API cannot take answer JSON with a 4xx (or 503 with Retry-After when the
database is busy), never a 500 or Django's HTML page (issue 15, items 5, 6, 8, 9)."""

import json

import psycopg
import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from ipam.constants import MAX_SUBNET_CAPACITY
from planner.choices import NetworkTypeChoices
from planner.models import APIToken, Subnet
from planner.services.errors import PlanConflictError
from planner.services.networks import delete_network
from planner.services.subnets import save_new_subnets
from tests.planner.factories import make_cluster, make_network, make_pool, make_site

DEEP_NESTING = 100_000
JSON_ENDPOINTS = ["/api/sites/", "/api/subnets/", "/api/hybridnet/review/", "/api/pools/1/carve/"]
# A lock the request waits for no longer than this, in PostgreSQL's words.
LOCK_TIMEOUT = "200ms"


@pytest.fixture
def user():
    return get_user_model().objects.create_superuser("admin", password="unused-password")


@pytest.fixture
def api(user) -> Client:
    _, key = APIToken.objects.issue(user)
    # Answers as a client sees them, not the exception behind a 500.
    return Client(HTTP_AUTHORIZATION=f"Token {key}", raise_request_exception=False)


def assert_json(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_json_nested_too_deeply_is_a_parse_error(api, path):
    make_pool("10.0.0.0/16")
    body = assert_json(api.post(path, "[" * DEEP_NESTING, content_type="application/json"), 400)
    assert body == {"detail": "JSON parse error - nested too deeply"}


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_413(api):
    too_big = json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    body = assert_json(api.post("/api/sites/", too_big, content_type="application/json"), 413)
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in body["detail"]


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_is_411_not_an_empty_one(web_server, user):
    _, token = APIToken.objects.issue(user)

    def chunks():
        yield b'{"name": "chunked-site"}'

    response = requests.post(
        f"{web_server.url}/api/sites/",
        data=chunks(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]


@pytest.mark.django_db
def test_excluded_ips_past_what_a_subnet_holds_are_refused(api):
    network = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    too_many = [
        f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in range(MAX_SUBNET_CAPACITY + 1)
    ]
    payload = {"network": network.pk, "name": "s", "cidr": "10.0.0.0/8", "exclude_ips": too_many}
    body = assert_json(api.post("/api/subnets/", payload, content_type="application/json"), 400)
    assert list(body) == ["exclude_ips"]
    assert not Subnet.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/subnets/?ordering=bogus", "ordering"),
        ("/api/subnets/?ordering=name,-nmae", "ordering"),
        ("/api/clusters/?sync_enabled=maybe", "sync_enabled"),
        ("/api/nodes/?cluster__isnull=yes", "cluster__isnull"),
        ("/api/ip-instances/?reserved=2", "reserved"),
    ],
)
def test_a_filter_or_ordering_typo_is_an_error_not_everything(api, query, field):
    body = assert_json(api.get(query), 400)
    assert list(body) == [field]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?ordering=-name", "?ordering=cidr,id", "?family=4"])
def test_valid_orderings_and_filters_still_answer(api, query):
    assert_json(api.get(f"/api/subnets/{query}"), 200)
    assert_json(api.get("/api/clusters/?sync_enabled=true"), 200)


@pytest.mark.django_db
def test_a_blocked_network_delete_names_ten_subnets_and_counts_the_rest():
    pool = make_pool("10.0.0.0/16")
    network = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    blocks = [
        Subnet(network=network, pool=pool, name=f"s{n:02}", cidr=f"10.0.{n}.0/24")
        for n in range(25)
    ]
    save_new_subnets(blocks)
    with pytest.raises(PlanConflictError) as error:
        delete_network(network)
    assert error.value.message == (
        "network init still has subnets: s00, s01, s02, s03, s04, s05, s06, s07, s08, s09 "
        "and 15 more; delete them first"
    )


@pytest.fixture
def locked_table():
    """Another client holds `table` locked; this test's connection waits LOCK_TIMEOUT for it."""
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or None,
        password=settings_dict["PASSWORD"] or None,
    )

    def lock(table: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        other.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

    yield lock
    other.rollback()
    other.close()
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a lock timeout of PostgreSQL's")
def test_a_busy_database_is_503_with_retry_after(api, locked_table):
    locked_table("planner_site")
    response = api.get("/api/sites/")
    body = assert_json(response, 503)
    assert response["Retry-After"] == "5"
    assert "try again" in body["detail"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a lock timeout of PostgreSQL's")
def test_a_busy_database_outside_the_api_views_is_json_too(user, locked_table):
    """The API docs page signs its user in before any API view runs: the session table is
    read by Django, outside DRF's error handling."""
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    locked_table("django_session")
    response = browser.get("/api/docs/")
    assert_json(response, 503)
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "cidr"), [("pools", "::/0"), ("pools", "0.0.0.0/1"), ("segments", "10.0.0.0/7")]
)
def test_a_space_wider_than_a_slash_8_is_refused(api, kind, cidr):
    payload = {"name": "huge", "cidr": cidr, "purpose": "overlay", "site": make_site().pk}
    body = assert_json(api.post(f"/api/{kind}/", payload, content_type="application/json"), 400)
    assert body["cidr"] == [f"{cidr} is wider than a /8: plan it as several spaces"]


@pytest.mark.django_db
def test_a_slash_8_space_is_taken(api):
    for cidr in ("10.0.0.0/8", "fd00::/8"):
        payload = {"name": f"p{cidr[:2]}", "cidr": cidr, "purpose": "overlay"}
        assert_json(api.post("/api/pools/", payload, content_type="application/json"), 201)
