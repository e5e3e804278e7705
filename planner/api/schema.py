"""OpenAPI schema details drf-spectacular cannot infer: brief relations, bulk create, and
the error answers every operation can give."""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework.permissions import AllowAny

from planner.api.constants import MAX_BULK_OBJECTS
from planner.api.serializers.base import BriefSerializer

BODY_METHODS = {"POST", "PUT", "PATCH"}
WRITE_METHODS = BODY_METHODS | {"DELETE"}
ERROR_COMPONENT = "Error"
VALIDATION_ERROR_COMPONENT = "ValidationError"

ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong; planner errors add their particulars.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {},
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Messages by field name (`non_field_errors` for the object as a whole); "
    "for a bulk create, such objects keyed by the index of each failing item.",
    "additionalProperties": {},
}


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """A relation is written as an id and read as {id, name, url}."""

    target_class = "planner.api.serializers.base.BriefRelatedField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        if direction == "request":
            return build_basic_type(OpenApiTypes.INT)
        return auto_schema.resolve_serializer(BriefSerializer, direction).ref


class PlannerAutoSchema(AutoSchema):
    """Adds the bulk form of create, and the error answers (400, 401, 403, 404, 409)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if self._is_bulk_create():
            self._allow_lists(operation)
        for code, description, component in self._error_responses(path, method, operation):
            operation["responses"].setdefault(
                code,
                {
                    "description": description,
                    "content": {"application/json": {"schema": component.ref}},
                },
            )
        return operation

    def _is_bulk_create(self) -> bool:
        return getattr(self.view, "bulk_create", False) and self.view.action == "create"

    def _allow_lists(self, operation: dict[str, Any]) -> None:
        """Request and 201 answer: one object, or a list of them (a bulk create)."""
        bodies = [operation["requestBody"], operation["responses"]["201"]]
        for body in bodies:
            for media in body["content"].values():
                single = media["schema"]
                many = {
                    "type": "array",
                    "items": single,
                    "minItems": 1,
                    "maxItems": MAX_BULK_OBJECTS,
                }
                media["schema"] = {"oneOf": [single, many]}

    def _error_responses(self, path: str, method: str, operation: dict[str, Any]):
        takes_query = any(param["in"] == "query" for param in operation.get("parameters", []))
        if method in BODY_METHODS or takes_query:
            yield (
                "400",
                "Invalid input",
                self._component(VALIDATION_ERROR_COMPONENT, VALIDATION_ERROR_SCHEMA),
            )
        error = self._component(ERROR_COMPONENT, ERROR_SCHEMA)
        if self._requires_authentication():
            yield "401", "Not signed in", error
            yield "403", "Missing permission", error
        if "{" in path:
            yield "404", "Not found", error
        if method in WRITE_METHODS and getattr(self.view, "queryset", None) is not None:
            yield "409", "Conflicts with what is planned (no space, in use, overlap)", error

    def _requires_authentication(self) -> bool:
        return any(not isinstance(check, AllowAny) for check in self.view.get_permissions())

    def _component(self, name: str, schema: dict[str, Any]) -> ResolvedComponent:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
        )
        self.registry.register_on_missing(component)
        return component
