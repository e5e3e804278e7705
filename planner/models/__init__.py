"""The planner's domain model."""

from planner.models.changes import ObjectChange
from planner.models.clusters import Cluster, Network, Subnet
from planner.models.health import Heartbeat
from planner.models.observed import ObservedIPInstance, ObservedSubnetStatus
from planner.models.sites import AddressPool, Node, NodeSegment, Reservation, Site
from planner.models.sync import SyncRun, SyncRunResult

# What users plan: every create, update and delete of these is in the change log.
PLANNED_MODELS = (Site, NodeSegment, Node, AddressPool, Reservation, Cluster, Network, Subnet)

__all__ = [
    "PLANNED_MODELS",
    "AddressPool",
    "Cluster",
    "Heartbeat",
    "Network",
    "Node",
    "NodeSegment",
    "ObjectChange",
    "ObservedIPInstance",
    "ObservedSubnetStatus",
    "Reservation",
    "Site",
    "Subnet",
    "SyncRun",
    "SyncRunResult",
]
