"""Every page: signed-in users only; a read-only user sees everything and changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from frontend.links import list_url, object_url
from planner.models import NodeSegment, Site
from planner.throttling import TOKEN_THROTTLE_SCOPE
from tests.frontend.conftest import PASSWORD

pytestmark = pytest.mark.django_db

EDIT_PAGES = ("edit", "delete")
FREE_PAGES = ("planner:dashboard", "planner:search", "planner:carve")


def planned_objects(plan: dict) -> list:
    return [
        plan["segment"].site,
        plan["segment"],
        plan["pool"],
        plan["node"],
        plan["reservation"],
        *plan["clusters"],
        *plan["networks"],
        *plan["slices"],
        plan["block"],
    ]


def every_page(plan: dict) -> list[str]:
    objects = planned_objects(plan)
    pages = [reverse(name) for name in FREE_PAGES]
    pages += sorted({list_url(type(instance)) for instance in objects})
    pages += [object_url(instance) for instance in objects]
    pages += [object_url(instance, page) for instance in objects for page in EDIT_PAGES]
    return pages


def test_every_page_sends_anonymous_browsers_to_sign_in(client, plan):
    sign_in = reverse("planner:login")
    for url in every_page(plan):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{sign_in}?next="), url


def test_a_planner_opens_every_page(planner_client, plan):
    for url in every_page(plan):
        assert planner_client.get(url).status_code == 200, url


def test_a_reader_sees_every_object_without_edit_buttons(reader_client, plan):
    objects = planned_objects(plan)
    for instance in objects:
        page = reader_client.get(object_url(instance)).content.decode()
        assert str(instance) in page
        assert object_url(instance, "edit") not in page
        assert object_url(instance, "delete") not in page
    for model in {type(instance) for instance in objects}:
        page = reader_client.get(list_url(model)).content.decode()
        assert f"{list_url(model)}add/" not in page
    segment_page = reader_client.get(object_url(plan["segment"])).content.decode()
    assert reverse("planner:carve") + "?" not in segment_page


def test_the_server_refuses_a_reader_every_write(reader_client, plan):
    for instance in planned_objects(plan):
        for page in EDIT_PAGES:
            url = object_url(instance, page)
            assert reader_client.get(url).status_code == 403, url
            assert reader_client.post(url, {"name": "changed"}).status_code == 403, url
    assert reader_client.post(list_url(Site) + "add/", {"name": "new"}).status_code == 403
    assert reader_client.get(reverse("planner:carve")).status_code == 403
    assert not Site.objects.filter(name="new").exists()
    assert NodeSegment.objects.filter(pk=plan["segment"].pk).exists()


def test_forms_refuse_a_post_without_the_csrf_token(planner_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(planner_user)
    response = browser.post(list_url(Site) + "add/", {"name": "forged"})
    assert response.status_code == 403
    assert not Site.objects.filter(name="forged").exists()


def test_sign_in_and_out(client, planner_user):
    response = client.post(reverse("planner:login"), {"username": "planner", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, reverse("planner:dashboard"))
    assert client.get(reverse("planner:dashboard")).status_code == 200
    client.post(reverse("planner:logout"))
    assert client.get(reverse("planner:dashboard")).status_code == 302


def test_a_wrong_password_is_refused_on_the_form(client, planner_user):
    response = client.post(reverse("planner:login"), {"username": "planner", "password": "no"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert client.get(reverse("planner:dashboard")).status_code == 302


def test_sign_in_attempts_count_against_the_sign_in_limit(client, planner_user, monkeypatch):
    # As tests/api/test_auth.py does: the throttle holds the rates bound at import.
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, TOKEN_THROTTLE_SCOPE, "2/minute")
    for _ in range(2):
        client.post(reverse("planner:login"), {"username": "planner", "password": "no"})
    response = client.post(reverse("planner:login"), {"username": "planner", "password": "no"})
    assert response.status_code == 429
    assert "Retry-After" in response
