"""The API docs page: for signed-in people only, and all it loads comes from this server
(drf-spectacular-sidecar's Swagger UI, served by WhiteNoise), never from a CDN."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

DOCS_URL = "/api/docs/"
# The address of each script, stylesheet and icon that a page loads.
LOADED_URL = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"")


@pytest.fixture
def browser() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("reader"))
    return client


def docs_page(browser: Client) -> str:
    response = browser.get(DOCS_URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_docs_load_nothing_from_elsewhere(browser):
    html = docs_page(browser)
    urls = LOADED_URL.findall(html)
    assert any(url.endswith("/swagger-ui-bundle.js") for url in urls)
    # No http://, https:// nor protocol-relative //host: every address is on this server.
    assert [url for url in urls if urlsplit(url).scheme or urlsplit(url).netloc] == []
    assert "cdn.jsdelivr" not in html
    assert "unpkg" not in html


def test_what_the_docs_load_is_served(browser, settings):
    # Tests run without collectstatic: WhiteNoise reads the apps' static folders instead of
    # STATIC_ROOT, the folder `make run` and the Docker image collect them into.
    settings.WHITENOISE_USE_FINDERS = True
    for url in LOADED_URL.findall(docs_page(browser)):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content), url
        response.close()


def test_anonymous_browser_is_sent_to_sign_in():
    response = Client().get(DOCS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("planner:login"))
