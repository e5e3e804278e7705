"""API tokens as their owner sees them: everything but the key, which only the answer that
creates a token carries."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from planner.api.constants import API_NAMESPACE
from planner.models import APIToken
from planner.models.tokens import validate_networks


class APITokenSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name=f"{API_NAMESPACE}:apitoken-detail")
    allowed_ips = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="CIDRs (IPv4 or IPv6) the token may be used from; empty: anywhere.",
    )

    class Meta:
        model = APIToken
        fields = [
            "id",
            "url",
            "key_id",
            "description",
            "created",
            "expires",
            "last_used",
            "write_enabled",
            "allowed_ips",
        ]

    def validate_allowed_ips(self, value: list[str]) -> list[str]:
        try:
            return validate_networks(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate_expires(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry must be in the future.")
        return value

    def create(self, validated_data: dict) -> APIToken:
        token, key = APIToken.objects.issue(self.context["request"].user, **validated_data)
        token.key = key  # for APITokenIssuedSerializer, this once
        return token


class APITokenIssuedSerializer(APITokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text="The key, shown this once: it is stored only as a digest."
    )

    class Meta(APITokenSerializer.Meta):
        fields = [*APITokenSerializer.Meta.fields, "key"]
