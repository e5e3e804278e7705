"""The planner's domain model."""

from planner.models.changes import ObjectChange
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

# What users plan: every create, update and delete of these is in the change log.
PLANNED_MODELS = (Site, NodeSegment, Node, AddressPool, Reservation, Cluster, Network, Subnet)

__all__ = [
    "APIToken",
    "PLANNED_MODELS",
    "AddressPool",
    "Cluster",
    "Heartbeat",
    "Network",
    "Node",
    "NodeSegment",
    "ObjectChange",
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
