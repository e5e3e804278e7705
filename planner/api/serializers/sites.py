"""Serializers of where addresses live: sites, node segments, pools, nodes, reservations."""

from rest_framework import serializers

from planner.api.serializers.base import PlannerModelSerializer
from planner.api.serializers.utilization import SpaceUtilizationField
from planner.models import AddressPool, Node, NodeSegment, Reservation, Site
from planner.services.utilization import pool_usages, segment_usages

TIMESTAMPS = ["created", "last_updated"]


class SiteSerializer(PlannerModelSerializer):
    """A site: a place whose node segments and pools are planned together."""

    class Meta(PlannerModelSerializer.Meta):
        model = Site
        fields = ["id", "url", "name", "description", *TIMESTAMPS]


class NodeSegmentSerializer(PlannerModelSerializer):
    """An L2 node segment (CIDR, gateway, VLAN) that underlay slices are carved from."""

    utilization = SpaceUtilizationField(segment_usages)

    class Meta(PlannerModelSerializer.Meta):
        model = NodeSegment
        fields = [
            "id",
            "url",
            "site",
            "name",
            "cidr",
            "family",
            "gateway",
            "vlan_id",
            "description",
            "utilization",
            *TIMESTAMPS,
        ]


class AddressPoolSerializer(PlannerModelSerializer):
    """Routed space that overlay or BGP subnets are carved from as aligned blocks."""

    utilization = SpaceUtilizationField(pool_usages)

    class Meta(PlannerModelSerializer.Meta):
        model = AddressPool
        fields = [
            "id",
            "url",
            "name",
            "purpose",
            "site",
            "cidr",
            "family",
            "description",
            "utilization",
            *TIMESTAMPS,
        ]


class NodeSerializer(PlannerModelSerializer):
    """A Kubernetes node: its address in a segment, its cluster and labels."""

    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, help_text="Node labels."
    )

    class Meta(PlannerModelSerializer.Meta):
        model = Node
        fields = ["id", "url", "name", "segment", "ip", "cluster", "labels", *TIMESTAMPS]


class ReservationSerializer(PlannerModelSerializer):
    """Addresses of a segment or pool kept out of automatic allocation."""

    class Meta(PlannerModelSerializer.Meta):
        model = Reservation
        fields = [
            "id",
            "url",
            "segment",
            "pool",
            "start",
            "end",
            "kind",
            "note",
            *TIMESTAMPS,
        ]
