"""How full a segment, pool or subnet is: planned figures, and observed use once pulled."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planner.api.serializers.base import PageReadingField, ReadOnlyObjectField, TimestampField
from planner.models import Subnet
from planner.services.utilization import SpaceUsage, subnet_observed


class ObservedUsageSerializer(serializers.Serializer):
    used = serializers.IntegerField()
    available = serializers.IntegerField()


class ObservedStatusSerializer(ObservedUsageSerializer):
    total = serializers.IntegerField()
    observed_at = TimestampField()


class SpaceUtilizationSerializer(serializers.Serializer):
    size = serializers.IntegerField(help_text="Addresses in the usable range.")
    fixed = serializers.IntegerField(help_text="Gateway, node IPs, infrastructure reservations.")
    planned = serializers.IntegerField(help_text="Addresses inside carved subnets.")
    free = serializers.IntegerField()
    percent_planned = serializers.FloatField(help_text="Planned share of what is not fixed.")
    observed = ObservedUsageSerializer(
        allow_null=True, help_text="Sums of the last pulled status of its subnets; null if none."
    )


class SubnetUtilizationSerializer(serializers.Serializer):
    capacity = serializers.IntegerField(help_text="Total as Hybridnet's IPAM will count it.")
    observed = ObservedStatusSerializer(
        allow_null=True, help_text="The last pulled Subnet.status; null if never pulled."
    )


class NetworkUtilizationSerializer(serializers.Serializer):
    capacity = serializers.IntegerField(help_text="Total of its Subnets as Hybridnet counts it.")
    observed = ObservedUsageSerializer(
        allow_null=True, help_text="Sums of the last pulled status of its subnets; null if none."
    )


@extend_schema_field(NetworkUtilizationSerializer)
class NetworkUtilizationField(PageReadingField):
    """Planned capacity and observed use of a Network's Subnets, measured
    (`network_usages`) for a whole page at once, or for the one Network shown."""

    def to_representation(self, network: Any) -> dict[str, Any]:
        return self.measured(network)


@extend_schema_field(SpaceUtilizationSerializer)
class SpaceUtilizationField(PageReadingField):
    """Utilization of a segment or pool, measured (`segment_usages`, `pool_usages`) for a
    whole page at once, or for the one object shown."""

    def to_representation(self, space: Any) -> dict[str, Any]:
        usage: SpaceUsage = self.measured(space)
        measured = usage.utilization
        return {
            "size": measured.size,
            "fixed": measured.fixed,
            "planned": measured.planned,
            "free": measured.free,
            "percent_planned": measured.percent_planned,
            "observed": usage.observed,
        }


@extend_schema_field(SubnetUtilizationSerializer)
class SubnetUtilizationField(ReadOnlyObjectField):
    """Planned capacity and the observed status annotated by the viewset's queryset."""

    observed_at = TimestampField()

    def to_representation(self, subnet: Subnet) -> dict[str, Any]:
        observed = subnet_observed(subnet)
        if observed is not None:
            observed["observed_at"] = self.observed_at.to_representation(observed["observed_at"])
        return {"capacity": subnet.capacity, "observed": observed}


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class MissingExclusionsField(PageReadingField):
    """Drift of a segment slice: addresses to exclude that its excludeIPs lack, measured
    (`missing_exclusions_by_subnet`) for a whole page at once, or for the one slice shown."""

    def to_representation(self, subnet: Subnet) -> list[str]:
        return self.measured(subnet)
