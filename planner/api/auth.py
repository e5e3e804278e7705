"""The token endpoint, with a limit on attempts per client address so that passwords cannot
be guessed at speed."""

from typing import Any

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from planner.api.schema import ERROR_COMPONENT, ERROR_SCHEMA, PlannerAutoSchema

# The REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] entry that limits token attempts.
TOKEN_THROTTLE_SCOPE = "token"


class ThrottledAutoSchema(PlannerAutoSchema):
    """PlannerAutoSchema plus the 429 answer of a throttled view, with its Retry-After."""

    def get_operation(
        self, path, path_regex, path_prefix, method, registry
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            error = self._component(ERROR_COMPONENT, ERROR_SCHEMA)
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

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = TOKEN_THROTTLE_SCOPE
    schema = ThrottledAutoSchema()
