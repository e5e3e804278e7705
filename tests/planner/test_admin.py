"""The admin serves every planner model with the demo data, and never shows credentials."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.forms import model_to_dict, modelform_factory
from django.urls import reverse

from planner.models import Cluster, NodeSegment
from planner.services.carving import carve_segment
from tests.planner.factories import make_cluster, make_network, make_segment

pytestmark = pytest.mark.django_db

PLANNER_MODELS = [model for model in admin.site._registry if model._meta.app_label == "planner"]


@pytest.fixture
def demo(admin_client):
    call_command("load_demo")
    return admin_client


def test_every_planner_model_is_registered():
    names = {model.__name__ for model in PLANNER_MODELS}
    assert names == {
        "Site",
        "NodeSegment",
        "Node",
        "AddressPool",
        "Reservation",
        "Cluster",
        "Network",
        "Subnet",
        "ObservedIPInstance",
        "ObservedNetwork",
        "ObservedNode",
        "ObservedSubnet",
        "ObservedSubnetStatus",
        "SyncRun",
        "APIToken",
        "ObjectChange",  # the change log, by django-auditlog's admin
    }


@pytest.mark.parametrize("model", PLANNER_MODELS, ids=lambda model: model.__name__)
def test_changelist_renders_and_searches(demo, model):
    url = reverse(f"admin:planner_{model._meta.model_name}_changelist")
    assert demo.get(url).status_code == 200
    assert demo.get(url, {"q": "192.168"}).status_code == 200


def test_demo_rows_are_listed(demo):
    page = demo.get(reverse("admin:planner_subnet_changelist")).content.decode()
    assert "underlay-subnet1" in page and "192.168.56.100" in page


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("admin:planner_subnet_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_cluster_credentials_are_write_only_in_the_admin(demo):
    cluster = Cluster.objects.get()
    cluster.credentials = "token-that-must-not-show"
    cluster.save()
    url = reverse("admin:planner_cluster_change", args=[cluster.pk])
    assert "token-that-must-not-show" not in demo.get(url).content.decode()
    # Saving the form with the field left empty keeps the stored credentials.
    form = {
        "name": cluster.name,
        "api_server_url": "https://10.0.0.1:6443",
        "credentials": "",
        "default_network_type": "Overlay",
        "sync_interval_seconds": 300,
        "description": "",
    }
    assert demo.post(url, form).status_code == 302
    cluster.refresh_from_db()
    assert cluster.credentials == "token-that-must-not-show"
    assert cluster.api_server_url == "https://10.0.0.1:6443"


@pytest.mark.parametrize("model_name", ["network", "subnet"])
def test_planned_networks_and_subnets_are_shown_not_written(demo, model_name):
    """Their writes pass Hybridnet's review in planner.services; the admin would skip it."""
    row = demo.get(reverse(f"admin:planner_{model_name}_changelist")).context["cl"].result_list[0]
    assert demo.get(reverse(f"admin:planner_{model_name}_add")).status_code == 403
    change = reverse(f"admin:planner_{model_name}_change", args=[row.pk])
    page = demo.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert demo.post(change, {"name": "renamed"}).status_code == 403
    assert demo.get(reverse(f"admin:planner_{model_name}_delete", args=[row.pk])).status_code == 403


def test_an_edit_refused_for_what_is_planned_is_a_field_error_in_a_model_form():
    """The admin's forms validate through full_clean: a conflict shows beside its field."""
    segment = make_segment()
    carve_segment(segment, network=make_network(make_cluster(), net_id=0), name="slice-a", size=10)
    form_class = modelform_factory(NodeSegment, fields=["site", "name", "cidr", "gateway"])
    data = {**model_to_dict(segment, fields=["site", "name", "cidr"]), "gateway": "192.168.56.9"}
    form = form_class(data, instance=segment)
    assert not form.is_valid()
    assert "cannot change while slices use them" in form.errors["gateway"][0]
