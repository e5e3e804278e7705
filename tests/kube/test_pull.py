"""Pull: a real Celery worker reads a real kube-apiserver into the observed state."""

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from planner.choices import (
    ConflictKindChoices,
    SyncActionChoices,
    SyncOutcomeChoices,
    SyncStateChoices,
)
from planner.kube.gateway import KubeGateway
from planner.models import (
    Cluster,
    ObservedIPInstance,
    ObservedNetwork,
    ObservedNode,
    ObservedSubnet,
    ObservedSubnetStatus,
    SyncRun,
)
from planner.services.carving import carve_segment
from planner.services.clusters import register_local_cluster
from planner.sync.pull import STATUS_COUNTS, pull_cluster
from planner.tasks import start_pull
from tests.kube import factories
from tests.kube.test_tasks import UNUSED_PORT_URL, wait_for
from tests.planner.factories import make_network, make_node, make_segment

pytestmark = [pytest.mark.kube, pytest.mark.django_db(transaction=True)]

NAMESPACE = "team-a"
TRANSACTION_CONTROL = {"BEGIN", "COMMIT"}
# Small pages, so that a test of a few hundred IPInstances reads several.
PAGE_SIZE = 50
SUBNET_STATUS = {"total": 50, "used": 3, "available": 47, "lastAllocatedIP": "192.168.56.102"}


def pod_ipinstance(ip: str, pod: str, node: str = "node-1", subnet: str = "s1") -> dict:
    """An IPInstance bound to a pod on a node, as hybridnet-manager writes it; with no node,
    reserved for a pod that is gone."""
    obj = factories.ipinstance(ip, prefix_length=24, subnet_name=subnet)
    obj["spec"]["binding"] = {"podName": pod, **({"nodeName": node} if node else {})}
    return obj


@pytest.fixture
def gateway(kube_cluster):
    with KubeGateway(kube_cluster.credentials) as gateway:
        yield gateway


@pytest.fixture
def populated(kube_cluster, gateway):
    """A cluster as hybridnet-manager leaves it: a Network, a Subnet with status, two Nodes
    and three IPInstances (one reserved: its pod is gone)."""
    gateway.apply(factories.network("net1"))
    gateway.apply(factories.subnet("s1", cidr="192.168.56.0/24", start="192.168.56.100"))
    gateway.write_status("Subnet", "s1", SUBNET_STATUS)
    kube_cluster.create_nodes(
        [
            {"name": "node-1", "ip": "192.168.56.2", "labels": {"network": "vlan0"}},
            {"name": "node-2", "ip": "192.168.56.3"},
        ]
    )
    kube_cluster.create_namespace(NAMESPACE)
    gateway.create_ipinstance(NAMESPACE, pod_ipinstance("192.168.56.100", "web-0"))
    gateway.create_ipinstance(NAMESPACE, pod_ipinstance("192.168.56.101", "web-1"))
    gateway.create_ipinstance(NAMESPACE, pod_ipinstance("192.168.56.102", "db-0", node=""))
    return register_local_cluster("prod-a", kube_cluster.credentials)


def direct_run(cluster: Cluster) -> SyncRun:
    """A run as the worker starts it, for tests that call the pull itself."""
    return SyncRun.objects.create(
        cluster=cluster,
        action=SyncActionChoices.PULL,
        state=SyncStateChoices.RUNNING,
        started_at=timezone.now(),
    )


@pytest.mark.celery
def test_worker_pulls_networks_subnets_nodes_and_ipinstances(celery_worker, populated):
    run = wait_for(start_pull(populated))
    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    assert run.summary["ipinstances"] == 3
    assert {
        key: run.summary[key] for key in ("networks", "subnets", "subnet_statuses", "nodes")
    } == {
        "networks": 1,
        "subnets": 1,
        "subnet_statuses": 1,
        "nodes": 2,
    }
    assert (run.done, run.total) == (3, 3)
    assert run.heartbeat_at is not None
    held = ObservedIPInstance.objects.get(cluster=populated, ip="192.168.56.101")
    assert (held.namespace, held.pod_name, held.node_name, held.subnet_name) == (
        NAMESPACE,
        "web-1",
        "node-1",
        "s1",
    )
    assert ObservedIPInstance.objects.get(ip="192.168.56.102").reserved
    status = ObservedSubnetStatus.objects.get(cluster=populated, subnet_name="s1")
    assert (status.total, status.used, status.available) == (50, 3, 47)
    assert status.last_allocated_ip == "192.168.56.102"
    subnet = ObservedSubnet.objects.get(cluster=populated, name="s1")
    assert subnet.network_name == "net1"
    assert subnet.spec["range"]["start"] == "192.168.56.100"
    assert ObservedNetwork.objects.get(cluster=populated).spec["netID"] == 4
    node = ObservedNode.objects.get(cluster=populated, name="node-1")
    assert (node.internal_ips, node.labels) == (["192.168.56.2"], {"network": "vlan0"})


@pytest.mark.celery
def test_a_second_pull_removes_what_the_cluster_no_longer_has(
    celery_worker, kube_cluster, populated, gateway
):
    assert wait_for(start_pull(populated)).state == SyncStateChoices.SUCCEEDED
    kube_cluster.reset()
    gateway.apply(factories.network("net1"))
    kube_cluster.create_namespace(NAMESPACE)
    gateway.create_ipinstance(NAMESPACE, pod_ipinstance("192.168.56.101", "web-1", node="node-9"))

    run = wait_for(start_pull(populated))
    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    assert run.summary["removed"] == {
        "networks": 0,
        "subnets": 1,
        "subnet_statuses": 1,
        "nodes": 2,
        "ipinstances": 2,
    }
    kept = ObservedIPInstance.objects.get(cluster=populated)
    assert (kept.ip, kept.node_name) == ("192.168.56.101", "node-9")
    assert not ObservedSubnetStatus.objects.filter(cluster=populated).exists()


@pytest.mark.celery
def test_a_malformed_ipinstance_is_skipped_and_reported(celery_worker, populated, gateway):
    broken = pod_ipinstance("192.168.56.103", "web-3")
    broken["spec"]["address"]["ip"] = "192.168.56.999/24"
    gateway.create_ipinstance(NAMESPACE, broken)

    run = wait_for(start_pull(populated))
    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    assert (run.summary["ipinstances"], run.summary["skipped"]) == (3, 1)
    [result] = run.results.all()
    assert (result.kind, result.namespace, result.name, result.outcome) == (
        "IPInstance",
        NAMESPACE,
        "192-168-56-103",
        SyncOutcomeChoices.SKIPPED,
    )
    assert "spec.address.ip" in result.message and "192.168.56.999" in result.message
    assert ObservedIPInstance.objects.filter(cluster=populated).count() == 3


@pytest.mark.celery
def test_a_pull_of_an_unreachable_cluster_fails_with_a_clear_message(celery_worker, populated):
    ObservedIPInstance.objects.create(
        cluster=populated,
        namespace=NAMESPACE,
        name="kept",
        ip="192.168.56.120",
        subnet_name="s1",
        network_name="net1",
        observed_at=timezone.now(),
    )
    Cluster.objects.filter(pk=populated.pk).update(api_server_url=UNUSED_PORT_URL)
    run = wait_for(start_pull(populated))
    assert run.state == SyncStateChoices.FAILED
    assert "Could not list Networks on https://127.0.0.1:1" in run.error, run.error
    assert "refused" in run.error.lower() or "unreachable" in run.error.lower(), run.error
    # What was pulled before stays: a failed pull removes nothing.
    assert ObservedIPInstance.objects.filter(cluster=populated, name="kept").exists()


def test_a_pull_of_many_ipinstances_takes_one_query_per_page(populated, gateway):
    count = 4 * PAGE_SIZE
    for index in range(count):
        ip = f"10.0.{index // 256}.{index % 256}"
        gateway.create_ipinstance(NAMESPACE, pod_ipinstance(ip, f"pod-{index}"))
    run = direct_run(populated)

    with CaptureQueriesContext(connection) as queries:
        summary = pull_cluster(run, page_size=PAGE_SIZE)

    assert summary["ipinstances"] == count + 3
    pages = 5
    # An upsert and a removal of each other kind (Networks, Subnets, their statuses, Nodes),
    # an upsert per page of IPInstances and their removal, and a few progress writes.
    # Transaction control (BEGIN, COMMIT around each bulk write) is not a query of its own.
    statements = [query["sql"] for query in queries if query["sql"] not in TRANSACTION_CONTROL]
    assert len(statements) <= pages + 12, "\n".join(sql[:60] for sql in statements)
    assert ObservedIPInstance.objects.filter(cluster=populated).count() == count + 3


@pytest.mark.celery
def test_a_pull_through_the_api_shows_utilization_a_planted_conflict_and_the_lookup(
    celery_worker, kube_cluster, populated, gateway
):
    segment = make_segment()
    make_node(segment, "192.168.56.2", "node-1", populated)
    make_node(segment, "192.168.56.3", "node-2", populated)
    network = make_network(populated, "vlan0", net_id=0, node_selector={"network": "vlan0"})
    planned = carve_segment(
        segment, network=network, name="s1", start="192.168.56.100", end="192.168.56.149"
    )
    # Planted: a pod on node-2's planned address (node-2 is live at .3 as planned).
    gateway.create_ipinstance(NAMESPACE, pod_ipinstance("192.168.56.3", "intruder"))
    user = User.objects.create_user("operator")
    codenames = ["operate_cluster", "view_cluster", "view_subnet", "view_node"]
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=[*codenames, "view_observedipinstance"])
    )
    api = APIClient()
    api.force_authenticate(user)

    started = api.post(f"/api/clusters/{populated.pk}/pull/")
    assert started.status_code == 202, started.content
    run = wait_for(SyncRun.objects.get(pk=started.json()["id"]))
    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    assert run.summary["ipinstances"] == 4

    utilization = api.get(f"/api/subnets/{planned.pk}/").json()["utilization"]
    assert utilization["capacity"] == 50
    assert {key: utilization["observed"][key] for key in STATUS_COUNTS} == {
        "total": 50,
        "used": 3,
        "available": 47,
    }

    conflicts = api.get(f"/api/clusters/{populated.pk}/conflicts/").json()["conflicts"]
    excluded = [c for c in conflicts if c["kind"] == ConflictKindChoices.EXCLUDED]
    assert [(c["address"], c["message"]) for c in excluded] == [
        ("192.168.56.3", "192.168.56.3 is the address of node node-2")
    ]

    by_address = api.get("/api/lookup/", {"q": "192.168.56.101"}).json()
    [holder] = by_address["ipinstances"]
    assert (holder["cluster"]["name"], holder["namespace"], holder["pod_name"]) == (
        "prod-a",
        NAMESPACE,
        "web-1",
    )
    assert (holder["node_name"], holder["subnet_name"]) == ("node-1", "s1")
    assert by_address["subnet"]["name"] == "s1"
    by_pod = api.get("/api/lookup/", {"q": "intruder"}).json()
    assert [row["ip"] for row in by_pod["ipinstances"]] == ["192.168.56.3"]
