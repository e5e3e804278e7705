"""Input and output of the API's actions: carving, free space, manifests, offline review."""

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ipam.errors import ReviewInputError
from ipam.review import load_objects
from planner.api.constants import FREE_INTERVALS_DEFAULT_LIMIT, FREE_INTERVALS_MAX_LIMIT
from planner.constants import ADDRESS_TEXT_MAX_LENGTH, K8S_NAME_MAX_LENGTH
from planner.models import Network
from planner.validators import validate_k8s_name


class CarveSerializer(serializers.Serializer):
    """What every carve asks for: the Network the new Subnet belongs to, and its name."""

    # With the cluster, which the carve's review reads.
    network = serializers.PrimaryKeyRelatedField(queryset=Network.objects.select_related("cluster"))
    name = serializers.CharField(max_length=K8S_NAME_MAX_LENGTH, validators=[validate_k8s_name])
    description = serializers.CharField(required=False, allow_blank=True)


class SegmentCarveSerializer(CarveSerializer):
    """A slice of a node segment: `size` addresses (first fit), `start`..`end`, or `largest`."""

    size = serializers.IntegerField(required=False, min_value=1)
    start = serializers.CharField(required=False, max_length=ADDRESS_TEXT_MAX_LENGTH)
    end = serializers.CharField(required=False, max_length=ADDRESS_TEXT_MAX_LENGTH)
    largest = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        modes = [
            "size" in attrs,
            "start" in attrs or "end" in attrs,
            attrs["largest"],
        ]
        if sum(modes) != 1:
            raise serializers.ValidationError("give exactly one of: size, start and end, largest")
        if ("start" in attrs) != ("end" in attrs):
            missing = "end" if "start" in attrs else "start"
            raise serializers.ValidationError({missing: "start and end go together"})
        return attrs


class PoolCarveSerializer(CarveSerializer):
    """An aligned block of a pool, of prefix length `prefixlen`."""

    prefixlen = serializers.IntegerField(min_value=0, max_value=128)


class FreeQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        default=FREE_INTERVALS_DEFAULT_LIMIT,
        min_value=1,
        max_value=FREE_INTERVALS_MAX_LIMIT,
        help_text="At most this many free intervals, lowest addresses first.",
    )


class FreeIntervalSerializer(serializers.Serializer):
    start = serializers.CharField()
    end = serializers.CharField()
    size = serializers.IntegerField(help_text="Number of addresses, start and end included.")
    cidrs = serializers.ListField(
        child=serializers.CharField(),
        help_text="The fewest CIDRs covering start..end exactly, lowest first, for firewall "
        "rules and route tables: at most 62 (IPv4) or 254 (IPv6), however large the interval.",
    )


class ManifestSerializer(serializers.Serializer):
    objects = serializers.ListField(
        child=serializers.DictField(), help_text="Network and Subnet CRs, in the order to apply."
    )
    node_labels = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        help_text="Node name to the labels its networks' node selectors need on it.",
    )
    yaml = serializers.CharField(
        help_text="The objects as a multi-document YAML stream for `kubectl apply -f -`; "
        "the node labels as `kubectl label` commands in comments."
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "object", "additionalProperties": {}}},
            {"type": "string", "description": "Multi-document YAML, or a JSON list."},
        ]
    }
)
class KubernetesObjectsField(serializers.Field):
    """Kubernetes objects given as a JSON list, or as YAML text (multi-document or a list)."""

    default_error_messages = {"invalid": "{message}"}

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        # A list goes through the same reader as text, so both are checked alike.
        text = data if isinstance(data, str) else json.dumps(data)
        try:
            return load_objects(text)
        except ReviewInputError as error:
            self.fail("invalid", message=str(error))

    def to_representation(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return value


class ReviewRequestSerializer(serializers.Serializer):
    state = KubernetesObjectsField(
        help_text="Objects already in the cluster: Networks, Subnets, IPInstances, Nodes."
    )
    objects = KubernetesObjectsField(help_text="Objects to review, in order.")
    delete = serializers.BooleanField(
        required=False, default=False, help_text="Review the DELETE of each named object."
    )


class UsageRequestSerializer(serializers.Serializer):
    state = KubernetesObjectsField(
        help_text="Objects in the cluster: Networks, Subnets, IPInstances (Nodes are ignored)."
    )


class PlannerFindingSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["error", "warning"])
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)


class ReviewItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    operation = serializers.ChoiceField(choices=["CREATE", "UPDATE", "DELETE"])
    allowed = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True, help_text="Hybridnet's own text.")
    rule = serializers.CharField(
        allow_blank=True, help_text="The SPEC rule that denied; empty when allowed."
    )
    planner = PlannerFindingSerializer(
        many=True, help_text="Stricter planner checks; they never change `allowed`."
    )


class ReviewResultSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    results = ReviewItemSerializer(many=True)


class UsageSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    used = serializers.IntegerField()
    available = serializers.IntegerField()


class DualStackUsageSerializer(serializers.Serializer):
    available = serializers.IntegerField()


class NetworkUsageSerializer(serializers.Serializer):
    IPv4 = UsageSerializer()
    IPv6 = UsageSerializer()
    DualStack = DualStackUsageSerializer()


class UsageResultSerializer(serializers.Serializer):
    subnets = serializers.DictField(child=UsageSerializer())
    networks = serializers.DictField(child=NetworkUsageSerializer())
