"""The subnet page (fields, CR, capacity, IPInstances) and the dashboard."""

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frontend.links import object_url
from planner.addressing import address_key, parse_address
from planner.choices import SyncActionChoices, SyncStateChoices, SyncStatusChoices
from planner.models import ObservedIPInstance, ObservedSubnetStatus, SyncRun
from planner.services.manifests import subnet_manifest
from tests.planner.factories import make_node

pytestmark = pytest.mark.django_db


def observe(subnet, count: int) -> None:
    now = timezone.now()
    for index in range(count):
        address = parse_address(f"192.168.56.{3 + index}")
        ObservedIPInstance.objects.create(
            cluster=subnet.cluster,
            namespace="default",
            name=f"ip-{index}",
            ip=address.text,
            ip_key=address_key(address.family, address.value),
            subnet_name=subnet.name,
            network_name=subnet.network.name,
            pod_name=f"pod-{index}",
            observed_at=now,
        )
    ObservedSubnetStatus.objects.create(
        cluster=subnet.cluster,
        subnet_name=subnet.name,
        total=50,
        used=count,
        available=50 - count,
        observed_at=now,
    )


def test_the_subnet_page_shows_its_cr_capacity_and_ipinstances(reader_client, plan):
    subnet = plan["slices"][0]
    observe(subnet, 30)
    response = reader_client.get(object_url(subnet))
    page = response.content.decode()
    assert yaml.safe_load(response.context["manifest"]) == subnet_manifest(subnet)
    assert 'data-copy="subnet-yaml"' in page
    assert "30 used, 20 available of 50" in page
    assert 'aria-valuenow="30"' in page
    table = response.context["instances"]
    assert table.paginator.count == 30
    assert len(table.page.object_list) == 25
    searched = reader_client.get(object_url(subnet), {"ip": "192.168.56.7"})
    rows = [row.record.name for row in searched.context["instances"].page.object_list]
    assert rows == ["ip-4"]


def test_the_subnet_page_shows_drift(reader_client, plan):
    subnet = plan["slices"][0]
    page = reader_client.get(object_url(subnet)).content.decode()
    assert "Drift:" not in page
    make_node(plan["segment"], "192.168.56.20", name="late-node")
    page = reader_client.get(object_url(subnet)).content.decode()
    assert "Drift: 192.168.56.20 now lie inside this slice" in page


def dashboard_row(cluster) -> str:
    return reverse("planner:dashboard_cluster", args=[cluster.pk])


def test_the_dashboard_shows_clusters_runs_and_the_fullest_spaces(reader_client, plan):
    prod_a, prod_b = plan["clusters"]
    SyncRun.objects.create(
        cluster=prod_a,
        action=SyncActionChoices.TEST,
        state=SyncStateChoices.FAILED,
        error="connection refused",
    )
    response = reader_client.get("/")
    listed = {cluster.name: cluster for cluster in response.context["clusters"]}
    assert listed["prod-a"].last_run_state == SyncStateChoices.FAILED
    assert listed["prod-a"].last_error == "connection refused"
    assert listed["prod-b"].last_run_id is None
    # Each row then asks for itself with its sync status.
    page = response.content.decode()
    rows = {name: reader_client.get(dashboard_row(cluster)) for name, cluster in listed.items()}
    for name, row in rows.items():
        assert f'hx-get="{dashboard_row(listed[name])}" hx-trigger="load"' in page
        assert row.content.decode().startswith(f'<tr id="cluster-{listed[name].pk}">')
    # Neither was ever pulled: sync status Unknown; prod-a's last run failed.
    assert {name: row.context["status"] for name, row in rows.items()} == {
        "prod-a": SyncStatusChoices.UNKNOWN,
        "prod-b": SyncStatusChoices.UNKNOWN,
    }
    assert 'class="badge Unknown"' in rows["prod-a"].content.decode()
    segment, usage = response.context["segments"][0]
    assert segment == plan["segment"] and usage.planned == 70
    assert [pool for pool, _ in response.context["pools"]] == [plan["pool"]]
    assert "never synced" in page and 'class="badge failed"' in page
    assert 'class="badge unreachable"' in page and "not reached yet" in page


def test_a_dashboard_row_needs_a_signed_in_user_and_a_cluster(reader_client, plan):
    prod_a, _ = plan["clusters"]
    response = Client().get(dashboard_row(prod_a))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('planner:login')}?next=")
    missing = reverse("planner:dashboard_cluster", args=[999_999])
    assert reader_client.get(missing).status_code == 404
