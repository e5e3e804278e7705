"""Authentication: tokens for automation, sessions for the browser, nothing for anonymous."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from planner.api.constants import API_NAMESPACE

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def user() -> User:
    return User.objects.create_user("automation", password=PASSWORD)


def test_token_for_username_and_password(user):
    url = reverse(f"{API_NAMESPACE}:token")
    response = APIClient().post(
        url, {"username": "automation", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    # Signed in but without the view permission: refused for lack of permission, not identity.
    assert client.get("/api/sites/").status_code == 403
    assert client.get("/api/").status_code == 200


def test_no_token_for_a_wrong_password(user):
    url = reverse(f"{API_NAMESPACE}:token")
    response = APIClient().post(url, {"username": "automation", "password": "guess"}, format="json")
    assert response.status_code == 400
    assert response.data["non_field_errors"] == ["Unable to log in with provided credentials."]


def test_a_bad_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get("/api/sites/")
    assert response.status_code == 401
    assert response.data["detail"] == "Invalid token."


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


def test_anonymous_browser_is_sent_to_sign_in_for_the_docs():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
