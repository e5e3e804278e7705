"""API serializers, one module per sub-domain; each validates input and renders output."""

from planner.api.serializers.actions import (
    FreeIntervalSerializer,
    FreeQuerySerializer,
    ManifestSerializer,
    PoolCarveSerializer,
    ReviewRequestSerializer,
    ReviewResultSerializer,
    SegmentCarveSerializer,
    UsageRequestSerializer,
    UsageResultSerializer,
)
from planner.api.serializers.base import BriefRelatedField, BriefSerializer, PlannerModelSerializer
from planner.api.serializers.changes import ObjectChangeSerializer
from planner.api.serializers.clusters import ClusterSerializer, NetworkSerializer, SubnetSerializer
from planner.api.serializers.observed import (
    ObservedIPInstanceSerializer,
    ObservedSubnetStatusSerializer,
    SyncRunSerializer,
)
from planner.api.serializers.sites import (
    AddressPoolSerializer,
    NodeSegmentSerializer,
    NodeSerializer,
    ReservationSerializer,
    SiteSerializer,
)

__all__ = [
    "AddressPoolSerializer",
    "BriefRelatedField",
    "BriefSerializer",
    "ClusterSerializer",
    "FreeIntervalSerializer",
    "FreeQuerySerializer",
    "ManifestSerializer",
    "NetworkSerializer",
    "NodeSegmentSerializer",
    "NodeSerializer",
    "ObjectChangeSerializer",
    "ObservedIPInstanceSerializer",
    "ObservedSubnetStatusSerializer",
    "PlannerModelSerializer",
    "PoolCarveSerializer",
    "ReservationSerializer",
    "ReviewRequestSerializer",
    "ReviewResultSerializer",
    "SegmentCarveSerializer",
    "SiteSerializer",
    "SubnetSerializer",
    "SyncRunSerializer",
    "UsageRequestSerializer",
    "UsageResultSerializer",
]
