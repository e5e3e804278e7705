"""The change log as the API shows it: who changed which object, when, through what, and the
changed fields before and after."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planner.models import ObjectChange
from planner.models.changes import ACTION_NAMES

# The schema of `before` and `after`: {field: value}, or null.
CHANGED_FIELDS = serializers.DictField(allow_null=True)


class ObjectChangeSerializer(serializers.ModelSerializer):
    """One entry. `before` and `after` hold the changed fields only: `before` is null for a
    create, `after` for a delete."""

    time = serializers.DateTimeField(source="timestamp", read_only=True)
    # Null for a change no signed-in user made (a scheduled task, a command).
    user = serializers.SlugRelatedField(
        source="actor", slug_field="username", read_only=True, allow_null=True
    )
    # The id of the API token it was made with (GET /api/tokens/{id}/); null otherwise.
    token = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    request_id = serializers.CharField(source="cid", read_only=True, allow_null=True)
    action = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()
    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "user",
            "token",
            "source",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
        ]
        read_only_fields = fields

    def get_action(self, entry: ObjectChange) -> str:
        return ACTION_NAMES[entry.action]

    def get_object_type(self, entry: ObjectChange) -> str:
        return entry.content_type.model

    @extend_schema_field(CHANGED_FIELDS)
    def get_before(self, entry: ObjectChange) -> dict[str, Any] | None:
        return None if entry.action == ObjectChange.Action.CREATE else changed_values(entry, 0)

    @extend_schema_field(CHANGED_FIELDS)
    def get_after(self, entry: ObjectChange) -> dict[str, Any] | None:
        return None if entry.action == ObjectChange.Action.DELETE else changed_values(entry, 1)


def changed_values(entry: ObjectChange, side: int) -> dict[str, Any]:
    """auditlog keeps {field: [before, after]}: one side of it."""
    return {field: values[side] for field, values in (entry.changes or {}).items()}
