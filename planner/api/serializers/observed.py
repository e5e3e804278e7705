"""Serializers of what sync reads back from clusters: read-only, Hybridnet owns it."""

from planner.api.serializers.base import PlannerModelSerializer
from planner.models import ObservedIPInstance, ObservedSubnetStatus, SyncRun


class ObservedIPInstanceSerializer(PlannerModelSerializer):
    """An IPInstance as last pulled from its cluster."""

    class Meta(PlannerModelSerializer.Meta):
        model = ObservedIPInstance
        fields = [
            "id",
            "url",
            "cluster",
            "namespace",
            "name",
            "ip",
            "subnet_name",
            "network_name",
            "pod_name",
            "node_name",
            "reserved",
            "observed_at",
        ]
        read_only_fields = fields


class ObservedSubnetStatusSerializer(PlannerModelSerializer):
    """A Subnet's status as last pulled from its cluster."""

    class Meta(PlannerModelSerializer.Meta):
        model = ObservedSubnetStatus
        fields = [
            "id",
            "url",
            "cluster",
            "subnet_name",
            "total",
            "used",
            "available",
            "last_allocated_ip",
            "observed_at",
        ]
        read_only_fields = fields


class SyncRunSerializer(PlannerModelSerializer):
    """One plan, apply, pull or adopt against a cluster, and its outcome."""

    class Meta(PlannerModelSerializer.Meta):
        model = SyncRun
        fields = [
            "id",
            "url",
            "cluster",
            "action",
            "state",
            "started_at",
            "finished_at",
            "summary",
            "error",
            "created",
        ]
        read_only_fields = fields
