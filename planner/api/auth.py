"""The token endpoint, with a limit on attempts per client address so that passwords cannot
be guessed at speed."""

import logging
from typing import Any

from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from planner.api.schema import ERROR_COMPONENT, ERROR_SCHEMA, PlannerAutoSchema

# The REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] entry that limits token attempts.
TOKEN_THROTTLE_SCOPE = "token"
# What the cache that counts attempts raises when it cannot be reached.
CACHE_ERRORS = (RedisError, OSError)

logger = logging.getLogger(__name__)


class AttemptCounterUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Sign-in attempts cannot be counted right now; try again shortly."
    default_code = "attempt_counter_unavailable"


class TokenRateThrottle(ScopedRateThrottle):
    """The attempt limit, closed when its counter (the cache) is down: no attempt is let
    through uncounted, and the client gets a 503 rather than a 500."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            logger.warning("token attempts cannot be counted: %s", error)
            raise AttemptCounterUnavailable() from None


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
