"""The carve wizard: a preview of the exact Subnet CR that stores nothing, then the carve;
errors on the field they concern."""

import pytest
import yaml
from django.urls import reverse

from frontend.links import object_url
from planner.models import Subnet
from planner.services.manifests import subnet_manifest
from tests.planner.factories import make_node

pytestmark = pytest.mark.django_db

CARVE_URL = reverse("planner:carve")


def slice_request(plan: dict, **values) -> dict:
    cluster = plan["clusters"][0]
    underlay = plan["networks"][0]
    return {
        "segment": plan["segment"].pk,
        "cluster": cluster.pk,
        "network": underlay.pk,
        "name": "slice-c",
        "size": 10,
        "action": "preview",
        **values,
    }


def block_request(plan: dict, **values) -> dict:
    overlay = plan["networks"][2]
    return {
        "pool": plan["pool"].pk,
        "cluster": overlay.cluster_id,
        "network": overlay.pk,
        "name": "init-b",
        "action": "preview",
        **values,
    }


def test_the_preview_shows_the_exact_cr_and_stores_nothing(planner_client, plan):
    # A node inside the window asked for: it must appear in excludeIPs.
    make_node(plan["segment"], "192.168.56.75", name="node-75")
    before = Subnet.objects.count()
    window = {"size": "", "start": "192.168.56.73", "end": "192.168.56.82"}
    response = planner_client.post(CARVE_URL, slice_request(plan, **window))
    assert response.status_code == 200
    preview = response.context["preview"]
    cr = yaml.safe_load(preview.manifest)
    assert cr["spec"]["range"]["start"] == "192.168.56.73"
    assert cr["spec"]["range"]["end"] == "192.168.56.82"
    assert cr["spec"]["range"]["excludeIPs"] == ["192.168.56.75"]
    assert "allowed" in response.content.decode()
    assert Subnet.objects.count() == before
    # Create: the stored Subnet is the one previewed.
    response = planner_client.post(CARVE_URL, slice_request(plan, action="create", **window))
    subnet = Subnet.objects.get(name="slice-c")
    assert response["Location"] == object_url(subnet)
    assert subnet_manifest(subnet) == cr


def test_a_block_of_a_pool_is_previewed_and_carved(planner_client, plan):
    data = block_request(plan, prefixlen=24)
    cr = yaml.safe_load(planner_client.post(CARVE_URL, data).context["preview"].manifest)
    assert cr["spec"]["range"]["cidr"] == "100.65.0.0/24"
    planner_client.post(CARVE_URL, {**data, "action": "create"})
    assert Subnet.objects.get(name="init-b").cidr == "100.65.0.0/24"


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"segment": ""}, "segment", "choose a node segment or a pool"),
        ({"network": "other-cluster"}, "network", "is not a network of cluster"),
        ({"name": "Not_A_Name"}, "name", ""),
        ({"name": "slice-a"}, "name", "already has a subnet slice-a"),
        ({"size": "", "start": "10.0.0.1", "end": "10.0.0.9"}, "start", "usable range"),
        ({"size": "", "start": "192.168.56.100", "end": "192.168.56.90"}, "end", "before"),
        ({"size": "", "start": "192.168.56.60", "end": "192.168.56.70"}, None, "overlaps"),
        ({"size": 500}, None, "no space for 500 addresses"),
    ],
)
def test_carve_errors_land_on_their_field(planner_client, plan, values, field, words):
    if values.get("network") == "other-cluster":
        values = {"network": plan["networks"][1].pk}
    before = Subnet.objects.count()
    for action in ("preview", "create"):
        response = planner_client.post(CARVE_URL, slice_request(plan, action=action, **values))
        assert response.status_code == 200
        form = response.context["form"]
        errors = form.errors.get(field, []) if field else form.non_field_errors()
        assert errors and words in " ".join(errors), form.errors
        assert "preview" not in response.context or response.context.get("preview") is None
    assert Subnet.objects.count() == before


def test_a_pool_block_needs_a_prefix_length(planner_client, plan):
    response = planner_client.post(CARVE_URL, block_request(plan))
    assert response.context["form"].errors["prefixlen"]


def test_the_wizard_starts_from_a_segment_page(planner_client, plan):
    page = planner_client.get(object_url(plan["segment"])).content.decode()
    link = f"{CARVE_URL}?segment={plan['segment'].pk}"
    assert link in page
    form = planner_client.get(link).context["form"]
    assert str(form["segment"].value()) == str(plan["segment"].pk)


def test_a_chosen_cluster_narrows_the_networks_offered(planner_client, plan):
    prod_a = plan["clusters"][0]
    form = planner_client.get(CARVE_URL, {"cluster": prod_a.pk}).context["form"]
    offered = set(form.fields["network"].queryset)
    assert offered == {network for network in plan["networks"] if network.cluster == prod_a}
    everything = planner_client.get(CARVE_URL).context["form"].fields["network"].queryset
    assert set(everything) == set(plan["networks"])
    assert planner_client.get(CARVE_URL, {"cluster": "x"}).status_code == 200
