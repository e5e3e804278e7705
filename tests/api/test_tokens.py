"""API tokens: several per user, listed and revoked by their owner, refused with a clear
401/403 when expired, revoked, read-only on a write or used outside their networks; never
stored in clear; last used noted at most once a minute; refusals logged without the key."""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from planner.api.constants import API_NAMESPACE
from planner.models import APIToken, Site
from planner.models.tokens import LAST_USED_RESOLUTION

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TOKENS_URL = reverse(f"{API_NAMESPACE}:apitoken-list")
SITES_URL = "/api/sites/"


@pytest.fixture
def user() -> User:
    user = User.objects.create_user("automation", password=PASSWORD)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_site", "add_site"]))
    return user


def client_with(key: str, scheme: str = "Token", **defaults) -> APIClient:
    client = APIClient(**defaults)
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


def signed_in(user: User) -> APIClient:
    return client_with(APIToken.objects.issue(user)[1])


def test_a_token_created_through_the_api_shows_its_key_once_and_works(user):
    response = signed_in(user).post(
        TOKENS_URL, {"description": "CI", "write_enabled": False}, format="json"
    )
    assert response.status_code == 201, response.data
    key = response.data["key"]
    assert response.data["key_id"] == key[: len(response.data["key_id"])]
    assert response.data["description"] == "CI" and response.data["write_enabled"] is False
    new_client = client_with(key)
    assert new_client.get(SITES_URL).status_code == 200
    listed = new_client.get(TOKENS_URL).data["results"]
    assert {row["id"] for row in listed} == set(user.api_tokens.values_list("pk", flat=True))
    assert all("key" not in row for row in listed)
    assert "key" not in new_client.get(response.data["url"]).data


def test_no_token_secret_is_stored_in_clear(user):
    _, key = APIToken.objects.issue(user)
    secret = key[len(APIToken.objects.get().key_id) :]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {APIToken._meta.db_table}")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored and secret not in stored


def test_each_user_sees_and_revokes_only_their_own_tokens(user):
    other = User.objects.create_user("other")
    others_token, others_key = APIToken.objects.issue(other)
    client = signed_in(user)
    assert others_token.pk not in {row["id"] for row in client.get(TOKENS_URL).data["results"]}
    detail = reverse(f"{API_NAMESPACE}:apitoken-detail", args=[others_token.pk])
    assert client.delete(detail).status_code == 404
    assert client_with(others_key).get("/api/").status_code == 200


def test_a_revoked_token_is_refused(user):
    token, key = APIToken.objects.issue(user)
    client = client_with(key)
    detail = reverse(f"{API_NAMESPACE}:apitoken-detail", args=[token.pk])
    assert client.delete(detail).status_code == 204
    response = client.get(SITES_URL)
    assert response.status_code == 401
    assert response.data["detail"] == "Invalid token."
    assert not APIToken.objects.filter(pk=token.pk).exists()


def test_an_expired_token_is_refused(user):
    _, key = APIToken.objects.issue(user, expires=timezone.now() - timedelta(seconds=1))
    response = client_with(key).get(SITES_URL)
    assert response.status_code == 401
    assert response.data["detail"] == "Token expired."
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_works_until_it_expires(user):
    _, key = APIToken.objects.issue(user, expires=timezone.now() + timedelta(hours=1))
    assert client_with(key).get(SITES_URL).status_code == 200


def test_a_read_only_token_reads_but_cannot_write(user):
    _, key = APIToken.objects.issue(user, write_enabled=False)
    client = client_with(key)
    assert client.get(SITES_URL).status_code == 200
    response = client.post(SITES_URL, {"name": "new-site"}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.data["detail"]
    assert not Site.objects.exists()
    # Nor can it make itself a writing token.
    assert client.post(TOKENS_URL, {}, format="json").status_code == 403
    assert APIToken.objects.count() == 1


@pytest.mark.parametrize(
    ("networks", "address", "allowed"),
    [
        (["192.0.2.0/24"], "192.0.2.7", True),
        (["192.0.2.0/24"], "198.51.100.7", False),
        (["192.0.2.0/24", "2001:db8::/32"], "2001:db8::5", True),
        (["2001:db8::/32"], "2001:db9::5", False),
        # A dual-stack listener reports an IPv4 client as IPv4-mapped IPv6.
        (["192.0.2.0/24"], "::ffff:192.0.2.7", True),
        (["2001:db8::/32"], "192.0.2.7", False),
    ],
)
def test_a_token_is_refused_outside_its_client_networks(user, networks, address, allowed):
    _, key = APIToken.objects.issue(user, allowed_ips=networks)
    response = client_with(key, REMOTE_ADDR=address).get(SITES_URL)
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 401
        assert response.data["detail"] == f"Token not allowed from {address}."


def test_the_bearer_form_of_the_header_works_too(user):
    _, key = APIToken.objects.issue(user)
    assert client_with(key, scheme="Bearer").get(SITES_URL).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"allowed_ips": ["10.0.0.1/8"]}, "allowed_ips"),
        ({"allowed_ips": ["not-a-network"]}, "allowed_ips"),
        ({"allowed_ips": "10.0.0.0/8"}, "allowed_ips"),
        ({"expires": "2000-01-01T00:00:00Z"}, "expires"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_a_bad_token_request_names_the_field(user, payload, field):
    client = signed_in(user)
    response = client.post(TOKENS_URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert APIToken.objects.count() == 1


def test_client_networks_are_stored_canonical(user):
    response = signed_in(user).post(
        TOKENS_URL, {"allowed_ips": ["2001:DB8:0::/32", "10.0.0.0/8"]}, format="json"
    )
    assert response.status_code == 201
    assert response.data["allowed_ips"] == ["2001:db8::/32", "10.0.0.0/8"]


def last_used_updates(queries: CaptureQueriesContext) -> int:
    return sum(
        query["sql"].startswith("UPDATE") and "last_used" in query["sql"]
        for query in queries.captured_queries
    )


def test_last_used_is_written_at_most_once_a_minute(user):
    token, key = APIToken.objects.issue(user)
    client = client_with(key)
    assert token.last_used is None
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get(SITES_URL).status_code == 200
    assert last_used_updates(queries) == 1
    token.refresh_from_db()
    first = token.last_used
    assert timezone.now() - first < LAST_USED_RESOLUTION
    # A minute later, the next use is noted again.
    earlier = first - LAST_USED_RESOLUTION
    APIToken.objects.filter(pk=token.pk).update(last_used=earlier)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(SITES_URL).status_code == 200
    assert last_used_updates(queries) == 1
    token.refresh_from_db()
    assert token.last_used > first


def test_the_token_endpoint_creates_a_new_api_token_each_time(user):
    keys = {
        APIClient()
        .post(
            reverse(f"{API_NAMESPACE}:token"),
            {"username": "automation", "password": PASSWORD},
            format="json",
        )
        .data["token"]
        for _ in range(2)
    }
    assert len(keys) == 2
    assert APIToken.objects.filter(user=user, write_enabled=True, expires=None).count() == 2
    for key in keys:
        assert client_with(key).post(SITES_URL, {"name": key[:8]}, format="json").status_code == 201


def test_token_refusals_are_logged_with_the_address_never_the_key(user, caplog):
    expired, key = APIToken.objects.issue(user, expires=timezone.now() - timedelta(seconds=1))
    read_only, read_only_key = APIToken.objects.issue(user, write_enabled=False)
    with caplog.at_level(logging.WARNING, logger="planner.access_log"):
        client_with(key, REMOTE_ADDR="192.0.2.9").get(SITES_URL)
        client_with(key + "x", REMOTE_ADDR="2001:db8::9").get(SITES_URL)
        client_with(read_only_key, REMOTE_ADDR="192.0.2.10").post(SITES_URL, {"name": "x"})
    lines = [
        record.getMessage() for record in caplog.records if record.name == "planner.access_log"
    ]
    assert lines == [
        f"API token refused (Token expired.) from 192.0.2.9, token id {expired.key_id}",
        "API token refused (Invalid token.) from 2001:db8::9, token id -",
        "API token refused (This API token is read-only: it cannot be used to write.) "
        f"from 192.0.2.10, token id {read_only.key_id}",
    ]
    secrets = [secret[len(expired.key_id) :] for secret in (key, read_only_key)]
    assert not any(secret in line for secret in secrets for line in lines)


def test_failed_sign_ins_are_logged_with_the_address_never_the_password(user, caplog):
    User.objects.filter(pk=user.pk).update(is_staff=True)
    wrong = "wrong-password-1234"
    with caplog.at_level(logging.WARNING, logger="planner.access_log"):
        APIClient(REMOTE_ADDR="192.0.2.10").post(
            reverse(f"{API_NAMESPACE}:token"),
            {"username": "automation", "password": wrong},
            format="json",
        )
        Client(REMOTE_ADDR="2001:db8::10").post(
            reverse("admin:login"), {"username": "automation", "password": wrong}
        )
    lines = [
        record.getMessage() for record in caplog.records if record.name == "planner.access_log"
    ]
    assert lines == [
        "sign-in failed for username 'automation' from 192.0.2.10",
        "sign-in failed for username 'automation' from 2001:db8::10",
    ]
    assert not any(wrong in record.getMessage() for record in caplog.records)


def test_the_stored_digest_is_keyed_by_the_pepper(user, settings):
    _, key = APIToken.objects.issue(user)
    assert client_with(key).get(SITES_URL).status_code == 200
    settings.HYBRIDPLAN_TOKEN_PEPPER = "another pepper"
    response = client_with(key).get(SITES_URL)
    assert response.status_code == 401
    assert response.data["detail"] == "Invalid token."
