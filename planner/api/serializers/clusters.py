"""Serializers of what is planned per cluster: clusters, their Networks and Subnets."""

from collections.abc import Callable
from typing import Any, ClassVar

from rest_framework import serializers

from ipam.constants import MAX_SUBNET_CAPACITY
from planner.api.serializers.actions import PlannerFindingSerializer
from planner.api.serializers.base import PlannerModelSerializer, model_validation
from planner.api.serializers.sites import TIMESTAMPS
from planner.api.serializers.utilization import (
    MissingExclusionsField,
    NetworkUtilizationField,
    SubnetUtilizationField,
)
from planner.constants import ADDRESS_TEXT_MAX_LENGTH
from planner.models import Cluster, Network, Subnet
from planner.services.drift import missing_exclusions_by_subnet
from planner.services.networks import save_new_network, update_network
from planner.services.subnets import save_new_subnet, save_new_subnets, update_subnet
from planner.services.utilization import network_usages

INT32_MAX = 2**31 - 1
APPLIED_AT = {
    "help_text": "When an apply last put the object in its cluster, or an adopt found it "
    "there. Empty while it exists only in the plan: until then Hybridnet's immutable fields "
    "can still change."
}


class ClusterSerializer(PlannerModelSerializer):
    """A Kubernetes cluster running Hybridnet; its credentials are write-only."""

    # Write-only: stored encrypted and never sent back, not even masked.
    credentials = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="A kubeconfig, or JSON with token and ca_pem. Write-only; "
        "leave out to keep the stored credentials, send an empty string to remove them.",
    )
    has_credentials = serializers.BooleanField(read_only=True)

    class Meta(PlannerModelSerializer.Meta):
        model = Cluster
        fields = [
            "id",
            "url",
            "name",
            "sites",
            "api_server_url",
            "credentials",
            "has_credentials",
            "default_network_type",
            "sync_enabled",
            "sync_interval_seconds",
            "sync_applies",
            "description",
            *TIMESTAMPS,
        ]


class ServiceSavedSerializer(PlannerModelSerializer):
    """A model whose writes go through a planner service, so Hybridnet's rules apply."""

    warnings = PlannerFindingSerializer(
        source="planner_warnings",
        many=True,
        read_only=True,
        help_text="What the planner's review of this write warned about (Hybridnet accepts "
        "it, but it is likely a mistake); always empty when reading.",
    )

    create_service: ClassVar[Callable[[Any], Any]]
    update_service: ClassVar[Callable[[Any, dict], Any]]

    def create(self, validated_data: dict[str, Any]):
        with model_validation():
            return self.create_service(self.Meta.model(**validated_data))

    def update(self, instance, validated_data: dict[str, Any]):
        with model_validation():
            return self.update_service(instance, validated_data)


class BGPPeerSerializer(serializers.Serializer):
    """One item of a BGP Network's `config.bgpPeers`, in Hybridnet's own (camelCase) names."""

    asn = serializers.IntegerField(min_value=0, max_value=INT32_MAX)
    address = serializers.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH)
    gracefulRestartSeconds = serializers.IntegerField(
        min_value=0, max_value=INT32_MAX, required=False
    )
    password = serializers.CharField(required=False, allow_blank=True)
    doesNotRouteTraffic = serializers.BooleanField(required=False)
    allowNotEstablished = serializers.BooleanField(required=False)


class NetworkSerializer(ServiceSavedSerializer):
    """A planned Hybridnet Network; writes pass Hybridnet's admission rules."""

    create_service = staticmethod(save_new_network)
    update_service = staticmethod(update_network)

    node_selector = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Labels a node needs to belong to this network.",
    )
    bgp_peers = BGPPeerSerializer(many=True, required=False)
    utilization = NetworkUtilizationField(network_usages)

    class Meta(PlannerModelSerializer.Meta):
        model = Network
        fields = [
            "id",
            "url",
            "cluster",
            "name",
            "type",
            "mode",
            "net_id",
            "node_selector",
            "bgp_peers",
            "description",
            "utilization",
            "warnings",
            "applied_at",
            *TIMESTAMPS,
        ]
        extra_kwargs = {"applied_at": APPLIED_AT}


class SubnetSerializer(ServiceSavedSerializer):
    """A planned Hybridnet Subnet; writes pass Hybridnet's admission rules."""

    create_service = staticmethod(save_new_subnet)
    create_many_service = staticmethod(save_new_subnets)
    update_service = staticmethod(update_subnet)

    reserved_ips = serializers.ListField(
        child=serializers.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH),
        max_length=MAX_SUBNET_CAPACITY,
        required=False,
        help_text="reservedIPs: addresses IPAM keeps for pods that ask for them by name.",
    )
    exclude_ips = serializers.ListField(
        child=serializers.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH),
        max_length=MAX_SUBNET_CAPACITY,
        required=False,
        help_text="excludeIPs: addresses IPAM never hands out.",
    )
    utilization = SubnetUtilizationField()
    missing_exclude_ips = MissingExclusionsField(
        missing_exclusions_by_subnet,
        help_text="Drift: node or infrastructure addresses of the segment that now lie inside "
        "this slice's start..end but are not in excludeIPs, so Hybridnet would hand them to "
        "pods. excludeIPs cannot change in place: carve a replacement slice.",
    )

    class Meta(PlannerModelSerializer.Meta):
        model = Subnet
        fields = [
            "id",
            "url",
            "name",
            "cluster",
            "network",
            "segment",
            "pool",
            "cidr",
            "family",
            "gateway",
            "start",
            "end",
            "reserved_ips",
            "exclude_ips",
            "missing_exclude_ips",
            "net_id",
            "private",
            "auto_nat_outgoing",
            "description",
            "utilization",
            "warnings",
            "applied_at",
            *TIMESTAMPS,
        ]
        # The review reads each new Subnet's cluster: fetch it with the network.
        extra_kwargs = {
            "network": {"queryset": Network.objects.select_related("cluster")},
            "applied_at": APPLIED_AT,
        }
