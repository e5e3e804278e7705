"""The planner's domain model."""

from planner.models.clusters import Cluster, Network, Subnet
from planner.models.health import Heartbeat
from planner.models.observed import (
    ObservedIPInstance,
    ObservedNetwork,
    ObservedNode,
    ObservedSubnet,
    ObservedSubnetStatus,
)
from planner.models.sites import AddressPool, Node, NodeSegment, Reservation, Site
from planner.models.sync import SyncRun, SyncRunResult
from planner.models.tokens import APIToken

__all__ = [
    "APIToken",
    "AddressPool",
    "Cluster",
    "Heartbeat",
    "Network",
    "Node",
    "NodeSegment",
    "ObservedIPInstance",
    "ObservedNetwork",
    "ObservedNode",
    "ObservedSubnet",
    "ObservedSubnetStatus",
    "Reservation",
    "Site",
    "Subnet",
    "SyncRun",
    "SyncRunResult",
]
