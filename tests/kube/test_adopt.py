"""Adopt by a real Celery worker: a cluster populated by hand, read from a real kube-apiserver,
comes into the plan through the ordinary checks."""

import pytest

from planner.changelog import SYNC_RUN_REQUEST_ID_PREFIX
from planner.choices import (
    ChangeSourceChoices,
    NetworkTypeChoices,
    PoolPurposeChoices,
    SyncOutcomeChoices,
    SyncStateChoices,
)
from planner.kube.constants import API_VERSION
from planner.kube.gateway import KubeGateway
from planner.models import AddressPool, Network, Node, ObjectChange, Subnet, SyncRun
from planner.services.carving import carve_segment
from planner.services.clusters import register_local_cluster
from planner.services.manifests import cluster_manifests
from planner.tasks import start_adopt
from tests.kube.test_tasks import wait_for
from tests.planner.factories import make_cluster, make_network, make_pool, make_segment

pytestmark = [pytest.mark.kube, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

SELECTOR = {"network": "underlay-1"}
IMPORTED, SKIPPED, UNCHANGED = (
    SyncOutcomeChoices.IMPORTED,
    SyncOutcomeChoices.SKIPPED,
    SyncOutcomeChoices.UNCHANGED,
)


def live(kind: str, name: str, spec: dict) -> dict:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": {"name": name}, "spec": spec}


def vlan_slice(name: str, start: str, end: str, **spec) -> dict:
    address_range = {"version": "4", "cidr": "192.168.56.0/24", "gateway": "192.168.56.1"}
    address_range.update(start=start, end=end)
    return live("Subnet", name, {"network": "underlay-1", "range": address_range, **spec})


LIVE_OBJECTS = [
    live(
        "Network",
        "underlay-1",
        {"type": "Underlay", "mode": "VLAN", "netID": 0, "nodeSelector": SELECTOR},
    ),
    live("Network", "init", {"type": "Overlay", "mode": "VXLAN", "netID": 4}),
    live(
        "Network",
        "bgp-1",
        {
            "type": "Underlay",
            "mode": "BGP",
            "netID": 65000,
            "nodeSelector": {"network": "bgp-1"},
            "config": {"bgpPeers": [{"asn": 65001, "address": "10.0.0.1"}]},
        },
    ),
    live(
        "Subnet", "bgp-a", {"network": "bgp-1", "range": {"version": "4", "cidr": "10.210.0.0/24"}}
    ),
    vlan_slice("underlay-a", "192.168.56.100", "192.168.56.149"),
    live("Subnet", "init", {"network": "init", "range": {"version": "4", "cidr": "100.64.0.0/16"}}),
    live(
        "Subnet",
        "init-v6",
        {
            "network": "init",
            "range": {"version": "6", "cidr": "fd00:64::/112", "reservedIPs": ["fd00:64::10"]},
        },
    ),
    # prod-b has .150-.199 of the segment planned.
    vlan_slice("clash", "192.168.56.180", "192.168.56.189"),
    # What Hybridnet's webhook would deny (S-4), had the cluster run it.
    vlan_slice("nat", "192.168.56.200", "192.168.56.209", config={"autoNatOutgoing": True}),
    # In no pool.
    live(
        "Subnet", "orphan", {"network": "init", "range": {"version": "4", "cidr": "10.200.0.0/24"}}
    ),
]
LIVE_NODES = [
    {"name": "node-1", "ip": "192.168.56.2", "labels": {**SELECTOR, "zone": "a"}},
    {"name": "node-2", "ip": "192.168.56.3", "labels": SELECTOR},
    {"name": "node-far", "ip": "10.99.0.5"},
]


@pytest.fixture
def populated(kube_cluster):
    """A live cluster with Networks, Subnets (IPv4, IPv6) and Nodes put there by hand, and a
    plan that knows its spaces and another cluster's slice, but nothing of this cluster."""
    with KubeGateway(kube_cluster.credentials) as gateway:
        for obj in LIVE_OBJECTS:
            gateway.apply(obj)
    kube_cluster.create_nodes(LIVE_NODES)
    segment = make_segment()
    make_pool("100.64.0.0/10", "overlay-v4")
    make_pool("fd00:64::/48", "overlay-v6")
    bgp_pool = AddressPool(
        name="bgp", cidr="10.210.0.0/16", purpose=PoolPurposeChoices.UNDERLAY_BGP
    )
    bgp_pool.full_clean()
    bgp_pool.save()
    prod_b = make_network(make_cluster("prod-b"), "underlay-1", net_id=0)
    carve_segment(segment, network=prod_b, name="b", start="192.168.56.150", end="192.168.56.199")
    return register_local_cluster("prod-a", kube_cluster.credentials)


def outcomes(run: SyncRun) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r.kind, r.name): (r.outcome, r.message) for r in run.results.all()}


def adopted(cluster) -> SyncRun:
    run = wait_for(start_adopt(cluster))
    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    return run


def plan_rows(cluster) -> list:
    return [
        *Network.objects.filter(cluster=cluster).values(),
        *Subnet.objects.filter(cluster=cluster).values(),
        *Node.objects.filter(cluster=cluster).values(),
    ]


def test_adopt_imports_what_fits_and_reports_the_rest(celery_worker, populated):
    run = adopted(populated)
    results = outcomes(run)
    assert {key: outcome for key, (outcome, _) in results.items()} == {
        ("Node", "node-1"): IMPORTED,
        ("Node", "node-2"): IMPORTED,
        ("Node", "node-far"): SKIPPED,
        ("Network", "init"): IMPORTED,
        ("Network", "underlay-1"): IMPORTED,
        ("Network", "bgp-1"): IMPORTED,
        ("Subnet", "bgp-a"): IMPORTED,
        ("Subnet", "underlay-a"): IMPORTED,
        ("Subnet", "init"): IMPORTED,
        ("Subnet", "init-v6"): IMPORTED,
        ("Subnet", "clash"): SKIPPED,
        ("Subnet", "nat"): SKIPPED,
        ("Subnet", "orphan"): SKIPPED,
    }
    assert results[("Node", "node-far")][1] == "10.99.0.5 falls in no node segment"
    assert "overlaps subnet b of cluster prod-b" in results[("Subnet", "clash")][1]
    assert results[("Subnet", "orphan")][1] == "10.200.0.0/24 falls in no address pool"
    assert results[("Subnet", "underlay-a")][1] == "192.168.56.0/24 in node segment seg-a"
    assert results[("Subnet", "nat")][1] == (
        "Hybridnet would reject this Subnet: must not set autoNatOutgoing with underlay subnet"
    )
    assert results[("Subnet", "bgp-a")][1] == "10.210.0.0/24 in address pool bgp"
    assert run.summary == {IMPORTED: 9, SKIPPED: 4}
    # The change log holds each imported object once, as this adopt's.
    entries = ObjectChange.objects.filter(cid=f"{SYNC_RUN_REQUEST_ID_PREFIX}{run.pk}")
    assert entries.count() == 9
    assert set(entries.values_list("source", flat=True)) == {ChangeSourceChoices.ADOPT}
    assert (run.done, run.total) == (13, 13)

    # The plan renders the CRs the cluster has, and the node labels its selector reads.
    manifests = cluster_manifests(populated)
    skipped = {"clash", "nat", "orphan"}
    assert [(obj["kind"], obj["metadata"]["name"], obj["spec"]) for obj in manifests.objects] == [
        (obj["kind"], obj["metadata"]["name"], obj["spec"])
        for obj in sorted(LIVE_OBJECTS, key=lambda obj: (obj["kind"], obj["metadata"]["name"]))
        if obj["metadata"]["name"] not in skipped
    ]
    assert manifests.node_labels == {"node-1": SELECTOR, "node-2": SELECTOR}
    # They are live: applied, so their immutable fields are Hybridnet's.
    assert not Subnet.objects.filter(cluster=populated, applied_at__isnull=True).exists()
    assert not Network.objects.filter(cluster=populated, applied_at__isnull=True).exists()

    # A second adopt changes nothing.
    before = plan_rows(populated)
    second = adopted(populated)
    again = outcomes(second)
    assert not ObjectChange.objects.filter(cid=f"{SYNC_RUN_REQUEST_ID_PREFIX}{second.pk}").exists()
    assert {key for key, (outcome, _) in again.items() if outcome == UNCHANGED} == {
        key for key, (outcome, _) in results.items() if outcome == IMPORTED
    }
    assert {key for key, (outcome, _) in again.items() if outcome == SKIPPED} == {
        ("Node", "node-far"),
        ("Subnet", "clash"),
        ("Subnet", "nat"),
        ("Subnet", "orphan"),
    }
    assert plan_rows(populated) == before


def test_planned_objects_with_another_spec_are_reported_not_overwritten(celery_worker, populated):
    cluster = populated
    make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, mode="VXLAN", net_id=5)
    results = outcomes(adopted(cluster))
    outcome, message = results[("Network", "init")]
    assert outcome == SKIPPED
    assert message == "already planned with a different spec (netID); not overwritten"
    assert Network.objects.get(cluster=cluster, name="init").net_id == 5
    # Its Subnets are checked against the Network as planned: VXLAN still, so they fit.
    assert results[("Subnet", "init")][0] == IMPORTED
