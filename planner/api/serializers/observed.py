"""Serializers of what sync reads back from clusters: read-only, Hybridnet owns it."""

from rest_framework import serializers

from planner.api.constants import API_NAMESPACE
from planner.api.serializers.base import PlannerModelSerializer
from planner.models import ObservedIPInstance, ObservedSubnetStatus, SyncRun, SyncRunResult


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
    """One plan, apply, pull or adopt against a cluster: its progress while it runs (done of
    total objects), then its summary (a plan's changes) or error; each object's outcome is
    at `results_url`."""

    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    results_url = serializers.HyperlinkedIdentityField(view_name=f"{API_NAMESPACE}:syncrun-results")

    class Meta(PlannerModelSerializer.Meta):
        model = SyncRun
        fields = [
            "id",
            "url",
            "cluster",
            "action",
            "state",
            "requested_by",
            "started_at",
            "finished_at",
            "done",
            "total",
            "heartbeat_at",
            "summary",
            "error",
            "results_url",
            "created",
        ]
        read_only_fields = fields


class SyncRunResultSerializer(serializers.ModelSerializer):
    """What a run did to one object, with the cluster's own text where it refused."""

    class Meta:
        model = SyncRunResult
        fields = ["id", "kind", "namespace", "name", "outcome", "message", "changes"]
        read_only_fields = fields
