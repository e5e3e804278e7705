"""Create, edit and delete through the forms: the same rules as the API, each error on the
field it concerns, and nothing written when a form is refused."""

import pytest
from django.urls import reverse
from django.utils import timezone

from frontend.links import list_url, object_url
from planner.models import Cluster, Network, NodeSegment, ObservedIPInstance, Site, Subnet

pytestmark = pytest.mark.django_db


def add_url(model) -> str:
    return reverse(f"planner:{model._meta.model_name}_add")


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def test_a_segment_is_created_through_its_form(planner_client):
    site = Site.objects.create(name="hz-dc1")
    response = planner_client.post(
        add_url(NodeSegment),
        {
            "site": site.pk,
            "name": "rack-a",
            "cidr": "10.10.0.0/24",
            "gateway": "10.10.0.1",
            "vlan_id": 10,
        },
    )
    segment = NodeSegment.objects.get(name="rack-a")
    assert (response.status_code, response["Location"]) == (302, object_url(segment))
    assert segment.cidr == "10.10.0.0/24"


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"cidr": "10.10.0.0/33"}, "cidr", ""),
        ({"cidr": "10.10.0.0/24", "gateway": "10.20.0.1"}, "gateway", "10.20.0.1"),
        ({"cidr": "192.168.56.0/25"}, "cidr", "overlaps"),
        ({"cidr": "fd00::/64", "gateway": "fd00::"}, "gateway", "network"),
    ],
)
def test_a_bad_segment_shows_its_error_on_the_field(planner_client, plan, values, field, words):
    before = NodeSegment.objects.count()
    data = {"site": plan["segment"].site_id, "name": "bad", "vlan_id": 0, **values}
    response = planner_client.post(add_url(NodeSegment), data)
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors and words in " ".join(errors)
    assert f'id="id_{field}"' in response.content.decode()
    assert NodeSegment.objects.count() == before


def test_a_conflicting_segment_edit_lands_on_the_field(planner_client, plan):
    segment = plan["segment"]
    data = {
        "site": segment.site_id,
        "name": segment.name,
        "cidr": segment.cidr,
        "gateway": "192.168.56.254",
        "vlan_id": 0,
    }
    response = planner_client.post(object_url(segment, "edit"), data)
    assert response.status_code == 200
    assert "cannot change while slices use them" in " ".join(field_errors(response, "gateway"))
    segment.refresh_from_db()
    assert segment.gateway == "192.168.56.1"


def test_a_node_outside_its_segment_is_refused_on_ip(planner_client, plan):
    data = {"name": "node-9", "segment": plan["segment"].pk, "ip": "10.0.0.9", "labels": "{}"}
    response = planner_client.post(add_url(plan["node"].__class__), data)
    assert field_errors(response, "ip")


def test_a_network_is_reviewed_as_hybridnet_would(planner_client, plan):
    cluster = plan["clusters"][0]
    data = {
        "cluster": cluster.pk,
        "name": "vlan-x",
        "type": "Underlay",
        "mode": "VLAN",
        "node_selector": "{}",
        "bgp_peers": "[]",
        "net_id": 30,
    }
    response = planner_client.post(add_url(Network), data)
    assert response.status_code == 200
    denial = " ".join(response.context["form"].non_field_errors())
    assert "must have node selector for underlay network" in denial
    assert not Network.objects.filter(name="vlan-x").exists()
    selector = '{"network": "vlan-x"}'
    response = planner_client.post(add_url(Network), {**data, "node_selector": selector})
    network = Network.objects.get(name="vlan-x")
    assert response["Location"] == object_url(network)


def test_a_network_with_subnets_is_not_deleted(planner_client, plan):
    network = plan["networks"][0]
    response = planner_client.post(object_url(network, "delete"), follow=True)
    assert "still has subnets" in response.content.decode()
    assert Network.objects.filter(pk=network.pk).exists()


def test_a_subnet_in_use_is_not_deleted_and_a_free_one_is(planner_client, plan):
    used, free = plan["slices"]
    ObservedIPInstance.objects.create(
        cluster=used.cluster,
        namespace="default",
        name="pod-1",
        ip="192.168.56.10",
        subnet_name=used.name,
        network_name=used.network.name,
        observed_at="2026-12-03T10:00Z",
    )
    response = planner_client.post(object_url(used, "delete"), follow=True)
    assert "192.168.56.10" in response.content.decode()
    assert Subnet.objects.filter(pk=used.pk).exists()
    response = planner_client.post(object_url(free, "delete"))
    assert response["Location"] == list_url(Subnet)
    assert not Subnet.objects.filter(pk=free.pk).exists()


def test_an_applied_subnet_cannot_change_what_hybridnet_freezes(planner_client, plan):
    subnet = plan["slices"][1]
    # Once live, Hybridnet guards its range (a never-applied one could still change).
    Subnet.objects.filter(pk=subnet.pk).update(applied_at=timezone.now())
    page = planner_client.get(object_url(subnet, "edit"))
    data = {
        name: value for name, value in page.context["form"].initial.items() if value is not None
    }
    data.update(
        network=subnet.network_id,
        segment=subnet.segment_id,
        end="192.168.56.80",
        reserved_ips="[]",
        exclude_ips="[]",
    )
    response = planner_client.post(object_url(subnet, "edit"), data)
    assert response.status_code == 200
    assert "cannot change once created" in response.content.decode()
    subnet.refresh_from_db()
    assert subnet.end == "192.168.56.72"


def test_cluster_credentials_are_written_never_shown(planner_client, plan):
    cluster = plan["clusters"][0]
    secret = "token-that-must-stay-secret"
    data = {
        "name": cluster.name,
        "default_network_type": "Overlay",
        "sync_interval_seconds": 300,
        "api_server_url": "https://10.0.0.1:6443",
        "new_credentials": f'{{"token": "{secret}"}}',
    }
    response = planner_client.post(object_url(cluster, "edit"), data)
    assert response.status_code == 302
    cluster.refresh_from_db()
    assert secret in cluster.credentials
    for url in (object_url(cluster), object_url(cluster, "edit"), list_url(Cluster)):
        assert secret not in planner_client.get(url).content.decode(), url
    assert "stored (never shown)" in planner_client.get(object_url(cluster)).content.decode()
    # Saved again without credentials: they stay; then removed on request.
    del data["new_credentials"]
    planner_client.post(object_url(cluster, "edit"), data)
    cluster.refresh_from_db()
    assert secret in cluster.credentials
    planner_client.post(object_url(cluster, "edit"), {**data, "remove_credentials": "on"})
    cluster.refresh_from_db()
    assert cluster.credentials == ""


def test_a_site_in_use_is_not_deleted(planner_client, plan):
    site = plan["segment"].site
    response = planner_client.post(object_url(site, "delete"), follow=True)
    assert "protected" in response.content.decode()
    assert Site.objects.filter(pk=site.pk).exists()
