"""Drift: the plan against what the last pull saw, through GET /api/clusters/{id}/drift/.
The apply and the pulls run in this process (the tasks' code, without the worker)."""

import pytest
from django.contrib.auth.models import Permission, User
from kubernetes import client
from rest_framework.test import APIClient

from planner.choices import SyncActionChoices, SyncStateChoices, SyncStatusChoices
from planner.kube.constants import GROUP, MERGE_PATCH, NETWORK, SUBNET, VERSION
from planner.kube.credentials import build_api_client
from planner.models import APIToken, Cluster, Subnet, SyncRun
from planner.services.carving import carve_segment
from planner.services.clusters import register_local_cluster
from tests.kube.factories import network as live_network
from tests.kube.test_tasks import run_here
from tests.planner.factories import make_network, make_segment

pytestmark = [pytest.mark.kube, pytest.mark.django_db(transaction=True)]

# Reading drift: the cluster and what pulls observed.
READERS = ("view_cluster", "view_observedipinstance", "view_subnet", "view_node")


def succeeded_here(cluster: Cluster, action: str) -> SyncRun:
    run = run_here(cluster, action)
    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    return run


@pytest.fixture
def reader() -> APIClient:
    user = User.objects.create_user("reader")
    user.user_permissions.add(*Permission.objects.filter(codename__in=READERS))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {APIToken.objects.issue(user)[1]}")
    return api


def test_drift_is_unknown_then_synced_then_names_what_differs(kube_cluster, reader):
    cluster = register_local_cluster("prod-a", kube_cluster.credentials)
    network = make_network(cluster, "underlay-1", net_id=0)
    segment = make_segment()
    carve_segment(segment, network=network, name="slice-a", size=10)
    Subnet.objects.filter(name="slice-a").update(private=False)
    url = f"/api/clusters/{cluster.pk}/drift/"

    unknown = reader.get(url).json()
    assert (unknown["status"], unknown["pulled_at"]) == (SyncStatusChoices.UNKNOWN, None)

    succeeded_here(cluster, SyncActionChoices.APPLY)
    succeeded_here(cluster, SyncActionChoices.PULL)
    synced = reader.get(url).json()
    assert synced["status"] == SyncStatusChoices.SYNCED and synced["in_sync"] is True

    # Someone edits a planned Subnet by hand and adds a Network of their own; the plan gains
    # a slice that was never applied.
    custom = client.CustomObjectsApi(build_api_client(kube_cluster.credentials))
    custom.patch_cluster_custom_object(
        GROUP,
        VERSION,
        SUBNET.plural,
        "slice-a",
        {"spec": {"config": {"private": True}}},
        field_manager="ops-console",
        _content_type=MERGE_PATCH,
    )
    custom.create_cluster_custom_object(GROUP, VERSION, NETWORK.plural, live_network("by-hand"))
    carve_segment(segment, network=network, name="slice-b", size=10)
    # Until the next pull, drift is what the last one saw: only the new slice is missing.
    before_pull = reader.get(url).json()
    assert [(c["action"], c["name"]) for c in before_pull["changes"]] == [("create", "slice-b")]

    succeeded_here(cluster, SyncActionChoices.PULL)
    drift = reader.get(url).json()

    assert drift["status"] == SyncStatusChoices.OUT_OF_SYNC and drift["in_sync"] is False
    changes = {(c["kind"], c["name"]): c for c in drift["changes"]}
    assert set(changes) == {
        ("Network", "by-hand"),
        ("Subnet", "slice-a"),
        ("Subnet", "slice-b"),
    }
    assert changes["Network", "by-hand"]["action"] == "unmanaged"
    assert changes["Subnet", "slice-b"]["action"] == "create"
    edited = changes["Subnet", "slice-a"]
    assert edited["action"] == "update"
    assert edited["fields"] == {"spec.config.private": {"before": True, "after": False}}
    assert drift["summary"].startswith("1 to create, 1 to update, 0 to replace")
    assert "~ Subnet slice-a" in drift["text"]


def test_drift_needs_read_permission(kube_cluster):
    cluster = register_local_cluster("prod-a", kube_cluster.credentials)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {APIToken.objects.issue(User.objects.create_user('u'))[1]}"
    )
    assert api.get(f"/api/clusters/{cluster.pk}/drift/").status_code == 403
