"""The seed's scenario (ACK Distro's Hybridnet walk-through) as planner data."""

from dataclasses import dataclass

from django.db import transaction

from planner.choices import (
    NetworkModeChoices,
    NetworkTypeChoices,
    PoolPurposeChoices,
    ReservationKindChoices,
)
from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    Reservation,
    Site,
    Subnet,
)
from planner.services.carving import carve_pool, carve_segment
from planner.services.upsert import upsert

SITE_NAME = "hz-dc1"
SEGMENT_NAME = "nodes"
SEGMENT_CIDR = "192.168.56.0/24"
SEGMENT_GATEWAY = "192.168.56.1"
SEGMENT_VLAN_ID = 0
CLUSTER_NAME = "ack-distro"
OVERLAY_POOL_NAME = "overlay"
OVERLAY_POOL_CIDR = "100.64.0.0/10"
UNDERLAY_LABEL = {"network": "network1"}

# Four names come from the seed; the fifth node fills the segment's .2-.6.
DEMO_NODES = [
    ("izf8zdygpbo4hx57g2wah7z", "192.168.56.2", {}),
    ("izf8zdygpbo4hx57g2wah8z", "192.168.56.3", UNDERLAY_LABEL),
    ("izf8zdygpbo4hx57g2wahaz", "192.168.56.4", {}),
    ("izf8zdygpbo4hx57g2wahbz", "192.168.56.5", {}),
    ("izf8zdygpbo4hx57g2wahcz", "192.168.56.6", {}),
]
INFRASTRUCTURE_RANGE = ("192.168.56.250", "192.168.56.254")
UNDERLAY_SLICE = ("192.168.56.100", "192.168.56.199")
# Hybridnet's chart creates Network init (VXLAN ID 4) and Subnet init 100.64.0.0/16 (SPEC 3).
INIT_VXLAN_ID = 4
INIT_PREFIX_LENGTH = 16
INIT_CIDR = "100.64.0.0/16"
# What a plan starts from: with none of these, the database holds no plan yet.
PLAN_ROOTS = (Site, NodeSegment, AddressPool, Cluster)


@dataclass(frozen=True)
class DemoSummary:
    cluster: Cluster
    nodes: int
    subnets: int


def plan_is_empty() -> bool:
    return not any(model.objects.exists() for model in PLAN_ROOTS)


@transaction.atomic
def load_demo() -> DemoSummary:
    """Create the demo objects, or bring them back to the demo state: safe to run again.
    The subnets are carved the first time, as a user would, and restored after that."""
    site = upsert(Site, {"name": SITE_NAME}, description="Demo site from the Hybridnet seed")
    segment = upsert(
        NodeSegment,
        {"site": site, "name": SEGMENT_NAME},
        cidr=SEGMENT_CIDR,
        gateway=SEGMENT_GATEWAY,
        vlan_id=SEGMENT_VLAN_ID,
        description="Classic L2 network of the nodes",
    )
    cluster = upsert(Cluster, {"name": CLUSTER_NAME}, description="Demo cluster")
    cluster.sites.add(site)
    for name, ip, labels in DEMO_NODES:
        upsert(Node, {"cluster": cluster, "name": name}, segment=segment, ip=ip, labels=labels)
    upsert(
        Reservation,
        {"segment": segment, "start": INFRASTRUCTURE_RANGE[0]},
        end=INFRASTRUCTURE_RANGE[1],
        kind=ReservationKindChoices.INFRASTRUCTURE,
        note="routers and VIPs",
    )
    pool = upsert(
        AddressPool,
        {"name": OVERLAY_POOL_NAME},
        cidr=OVERLAY_POOL_CIDR,
        purpose=PoolPurposeChoices.OVERLAY,
        site=None,
    )
    # Network init as Hybridnet's chart creates it: spec.mode left out (SPEC 3).
    overlay = upsert(
        Network,
        {"cluster": cluster, "name": "init"},
        type=NetworkTypeChoices.OVERLAY,
        mode="",
        net_id=INIT_VXLAN_ID,
    )
    if not cluster.subnets.filter(name="init").exists():
        carve_pool(pool, network=overlay, name="init", prefixlen=INIT_PREFIX_LENGTH)
    upsert(
        Subnet,
        {"cluster": cluster, "name": "init"},
        network=overlay,
        pool=pool,
        cidr=INIT_CIDR,
        auto_nat_outgoing=True,
    )
    underlay = upsert(
        Network,
        {"cluster": cluster, "name": "underlay-network1"},
        type=NetworkTypeChoices.UNDERLAY,
        mode=NetworkModeChoices.VLAN,
        net_id=SEGMENT_VLAN_ID,
        node_selector=UNDERLAY_LABEL,
    )
    if not cluster.subnets.filter(name="underlay-subnet1").exists():
        carve_segment(
            segment,
            network=underlay,
            name="underlay-subnet1",
            start=UNDERLAY_SLICE[0],
            end=UNDERLAY_SLICE[1],
        )
    upsert(
        Subnet,
        {"cluster": cluster, "name": "underlay-subnet1"},
        network=underlay,
        segment=segment,
        cidr=SEGMENT_CIDR,
        gateway=SEGMENT_GATEWAY,
        start=UNDERLAY_SLICE[0],
        end=UNDERLAY_SLICE[1],
        net_id=SEGMENT_VLAN_ID,
    )
    return DemoSummary(cluster=cluster, nodes=len(DEMO_NODES), subnets=cluster.subnets.count())
