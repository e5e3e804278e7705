"""Authentication: tokens for automation, sessions for the browser, nothing for anonymous."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from planner.api.constants import API_NAMESPACE
from planner.models import APIToken
from planner.throttling import TOKEN_THROTTLE_SCOPE

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
# A rate small enough to reach in a test; tests/conftest.py gives each test a fresh cache.
TINY_RATE = 2


@pytest.fixture
def user() -> User:
    return User.objects.create_user("automation", password=PASSWORD)


def attempt(password: str, **client_kwargs) -> Response:
    return APIClient(**client_kwargs).post(
        reverse(f"{API_NAMESPACE}:token"),
        {"username": "automation", "password": password},
        format="json",
    )


def test_token_for_username_and_password(user):
    response = attempt(PASSWORD)
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    # Signed in but without the view permission: refused for lack of permission, not identity.
    assert client.get("/api/sites/").status_code == 403
    assert client.get("/api/").status_code == 200


def test_no_token_for_a_wrong_password(user):
    response = attempt("guess")
    assert response.status_code == 400
    assert response.data["non_field_errors"] == ["Unable to log in with provided credentials."]


def test_a_bad_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get("/api/sites/")
    assert response.status_code == 401
    assert response.data["detail"] == "Invalid token."


def test_each_token_signs_in_its_own_user_while_active(user):
    other = User.objects.create_user("other", password=PASSWORD)
    tokens = {account: APIToken.objects.issue(account)[1] for account in (user, other)}
    for account, key in tokens.items():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.get("/api/")
        assert response.status_code == 200
        assert response.wsgi_request.user == account
    other.is_active = False
    other.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[other]}")
    response = client.get("/api/")
    assert response.status_code == 401
    assert response.data["detail"] == "User inactive or deleted."


def test_session_sign_in_works_for_the_browser(user):
    client = APIClient()
    assert client.login(username="automation", password=PASSWORD)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize("path", ["/api/", "/api/schema/", "/api/sites/", "/api/subnets/1/"])
def test_anonymous_is_refused_with_401(path):
    response = APIClient().get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.fixture
def tiny_token_rate(monkeypatch) -> None:
    # The throttle class binds the rates when DRF is imported, so override_settings would
    # not reach it: patch the rates it holds.
    monkeypatch.setitem(
        ScopedRateThrottle.THROTTLE_RATES, TOKEN_THROTTLE_SCOPE, f"{TINY_RATE}/minute"
    )


def test_token_attempts_beyond_the_rate_are_refused(user, tiny_token_rate):
    assert [attempt("guess").status_code for _ in range(TINY_RATE)] == [400] * TINY_RATE
    refused = attempt("guess")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(refused["Retry-After"]) <= 60
    # Every attempt counts, so the right password is refused as well until the minute is up.
    assert attempt(PASSWORD).status_code == 429


def test_the_token_rate_is_per_client_address(user, tiny_token_rate):
    for _ in range(TINY_RATE):
        attempt("guess")
    assert attempt(PASSWORD).status_code == 429
    assert attempt(PASSWORD, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_a_forged_forwarded_for_does_not_escape_the_token_rate(user, tiny_token_rate):
    # No proxy is trusted by default (HYBRIDPLAN_NUM_PROXIES=0): X-Forwarded-For is ignored.
    for n in range(TINY_RATE):
        attempt("guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert attempt(PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def admin_sign_in(password: str, **client_kwargs):
    return Client(**client_kwargs).post(
        reverse("admin:login"), {"username": "automation", "password": password}
    )


def test_admin_sign_in_attempts_beyond_the_rate_are_refused(user, tiny_token_rate):
    User.objects.filter(pk=user.pk).update(is_staff=True)
    # A wrong password is the form again (200); the page itself is not an attempt.
    assert Client().get(reverse("admin:login")).status_code == 200
    assert [admin_sign_in("guess").status_code for _ in range(TINY_RATE)] == [200] * TINY_RATE
    refused = admin_sign_in(PASSWORD)
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 60
    assert admin_sign_in(PASSWORD, REMOTE_ADDR="192.0.2.7").status_code == 302


def test_admin_and_token_attempts_count_together(user, tiny_token_rate):
    for _ in range(TINY_RATE):
        attempt("guess")
    assert admin_sign_in(PASSWORD).status_code == 429


def test_the_schema_documents_the_token_rate():
    operation = SchemaGenerator().get_schema(public=True)["paths"]["/api/auth/token/"]["post"]
    assert set(operation["responses"]) == {"200", "400", "429", "503"}
    assert "Retry-After" in operation["responses"]["429"]["headers"]


# Nothing listens on port 1 of the loopback: the cache's connection is refused at once.
UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_no_attempt_passes_uncounted_when_the_counter_is_down(user, settings):
    settings.CACHES = UNREACHABLE_CACHE
    refused = attempt(PASSWORD)
    assert refused.status_code == 503
    assert "cannot be counted" in refused.json()["detail"]


def test_no_admin_sign_in_passes_uncounted_when_the_counter_is_down(user, settings):
    settings.CACHES = UNREACHABLE_CACHE
    refused = admin_sign_in(PASSWORD)
    assert refused.status_code == 503
    assert "cannot be counted" in refused.content.decode()
