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
from planner.api.serializers.base import (
    BriefRelatedField,
    BriefSerializer,
    PlannerModelSerializer,
    brief_names,
)
from planner.api.serializers.changes import ObjectChangeSerializer
from planner.api.serializers.clusters import ClusterSerializer, NetworkSerializer, SubnetSerializer
from planner.api.serializers.observed import (
    ObservedIPInstanceSerializer,
    ObservedSubnetStatusSerializer,
    SyncRunResultSerializer,
    SyncRunSerializer,
)
from planner.api.serializers.sites import (
    AddressPoolSerializer,
    NodeSegmentSerializer,
    NodeSerializer,
    ReservationSerializer,
    SiteSerializer,
)
from planner.api.serializers.sync import (
    ClusterConflictsSerializer,
    ClusterDriftSerializer,
    LookupQuerySerializer,
    LookupSerializer,
)

__all__ = [
    "AddressPoolSerializer",
    "BriefRelatedField",
    "BriefSerializer",
    "ClusterConflictsSerializer",
    "ClusterDriftSerializer",
    "ClusterSerializer",
    "FreeIntervalSerializer",
    "FreeQuerySerializer",
    "LookupQuerySerializer",
    "LookupSerializer",
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
    "SyncRunResultSerializer",
    "SyncRunSerializer",
    "UsageRequestSerializer",
    "UsageResultSerializer",
    "brief_names",
]
