"""Input and output of cluster sync's endpoints: conflicts of a pull, and the address lookup."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.reverse import reverse

from ipam.addresses import Address
from planner.addressing import parse_address
from planner.api.serializers.base import PlannerModelSerializer, detail_view_name
from planner.api.serializers.observed import ObservedIPInstanceSerializer
from planner.choices import ConflictKindChoices, SyncStatusChoices
from planner.constants import K8S_NAME_MAX_LENGTH, K8S_NAME_PATTERN
from planner.models import AddressPool, Node, NodeSegment, ObservedNode, Reservation, Subnet

# Text that can only be meant as an address: any colon (IPv6), or only digits and dots.
ADDRESS_LIKE = re.compile(r"^[0-9.]*$|:")
POD_NAME = re.compile(K8S_NAME_PATTERN)


class ConflictSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConflictKindChoices.choices)
    object_kind = serializers.CharField(help_text="IPInstance, Subnet or Node.")
    namespace = serializers.CharField(help_text="An IPInstance's namespace; empty otherwise.")
    name = serializers.CharField()
    address = serializers.CharField(help_text="The address in conflict, where there is one.")
    subnet = serializers.CharField(help_text="The Subnet the IPInstance names, if any.")
    count = serializers.IntegerField(help_text="IPInstances it stands for (unknown Subnets).")
    message = serializers.CharField()


class ClusterConflictsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    truncated = serializers.BooleanField(
        help_text="A kind of conflict had more IPInstances than are listed."
    )
    conflicts = ConflictSerializer(many=True)


class ClusterDriftSerializer(serializers.Serializer):
    """The plan against the cluster's last pull; the plan's fields are absent before the
    first pull (status Unknown)."""

    cluster = serializers.CharField()
    status = serializers.ChoiceField(choices=SyncStatusChoices.choices)
    pulled_at = serializers.DateTimeField(allow_null=True)
    summary = serializers.CharField(required=False, help_text="Like terraform plan's last line.")
    in_sync = serializers.BooleanField(required=False)
    counts = serializers.DictField(child=serializers.IntegerField(), required=False)
    changes = serializers.ListField(child=serializers.DictField(), required=False)
    text = serializers.CharField(required=False, help_text="Each change, as terraform shows it.")


class LookupQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=K8S_NAME_MAX_LENGTH,
        help_text="An IPv4 or IPv6 address, or a pod name.",
    )

    def validate_q(self, text: str) -> Address | str:
        """An address (parsed, canonical), or a pod name as given."""
        if ADDRESS_LIKE.search(text):
            try:
                return parse_address(text)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from None
        if not POD_NAME.match(text):
            raise serializers.ValidationError(
                f"{text!r} is neither an IP address nor a pod name (a Kubernetes object name)"
            )
        return text


class LookupSubnetSerializer(PlannerModelSerializer):
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
            "start",
            "end",
        ]
        read_only_fields = fields


class LookupSpaceSerializer(serializers.Serializer):
    """A segment or a pool, briefly, with its CIDR."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    cidr = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, space: NodeSegment | AddressPool) -> str:
        return reverse(
            detail_view_name(type(space)),
            kwargs={"pk": space.pk},
            request=self.context.get("request"),
        )


class LookupNodeSerializer(PlannerModelSerializer):
    class Meta(PlannerModelSerializer.Meta):
        model = Node
        fields = ["id", "url", "name", "cluster", "segment", "ip"]
        read_only_fields = fields


class LookupObservedNodeSerializer(PlannerModelSerializer):
    class Meta(PlannerModelSerializer.Meta):
        model = ObservedNode
        fields = ["cluster", "name", "internal_ips", "observed_at"]
        read_only_fields = fields


class LookupReservationSerializer(PlannerModelSerializer):
    class Meta(PlannerModelSerializer.Meta):
        model = Reservation
        fields = ["id", "url", "segment", "pool", "start", "end", "kind", "note"]
        read_only_fields = fields


class LookupSerializer(serializers.Serializer):
    """What a lookup found: who holds the address (or the pod's addresses) and what the plan
    says of it."""

    query = serializers.CharField()
    address = serializers.CharField(allow_null=True, help_text="Null for a pod name.")
    ipinstances = ObservedIPInstanceSerializer(many=True, help_text="Who holds it, per cluster.")
    subnet = LookupSubnetSerializer(
        allow_null=True, help_text="The slice or block whose start..end holds the address."
    )
    segment = LookupSpaceSerializer(allow_null=True, help_text="The node segment holding it.")
    pool = LookupSpaceSerializer(allow_null=True, help_text="The address pool holding it.")
    node = LookupNodeSerializer(allow_null=True, help_text="The planned node at this address.")
    observed_nodes = LookupObservedNodeSerializer(
        many=True, help_text="Nodes last pulled with this InternalIP."
    )
    gateway_of = serializers.ListField(child=serializers.CharField())
    reservations = LookupReservationSerializer(many=True)
    excluded = serializers.BooleanField(help_text="In its subnet's excludeIPs.")
    reserved = serializers.BooleanField(help_text="In its subnet's reservedIPs.")
