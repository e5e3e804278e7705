"""The token endpoint, with the limit on sign-in attempts per client address
(planner.throttling)."""

from typing import Any

from rest_framework.authtoken.views import ObtainAuthToken

from planner.api.schema import ERROR_COMPONENT, ERROR_SCHEMA, PlannerAutoSchema
from planner.throttling import TOKEN_THROTTLE_SCOPE, TokenRateThrottle


class ThrottledAutoSchema(PlannerAutoSchema):
    """PlannerAutoSchema plus the 429 answer of a throttled view, with its Retry-After."""

    def get_operation(
        self, path, path_regex, path_prefix, method, registry
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            error = self._component(ERROR_COMPONENT, ERROR_SCHEMA)
            operation["responses"]["503"] = {
                "description": "The attempt counter is unavailable; no attempt is let through",
                "content": {"application/json": {"schema": error.ref}},
            }
            operation["responses"]["429"] = {
                "description": "Too many attempts from this address",
                "headers": {
                    "Retry-After": {
                        "description": "Seconds until the next attempt is accepted",
                        "schema": {"type": "integer"},
                    }
                },
                "content": {"application/json": {"schema": error.ref}},
            }
        return operation


class TokenObtainView(ObtainAuthToken):
    """The API token of the user whose username and password are posted. Every attempt
    counts against the client address's rate (`HYBRIDPLAN_TOKEN_RATE`), right or wrong."""

    throttle_classes = [TokenRateThrottle]
    throttle_scope = TOKEN_THROTTLE_SCOPE
    schema = ThrottledAutoSchema()
