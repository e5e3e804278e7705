"""The limit on sign-in attempts per client address, so that passwords cannot be guessed at
speed. One limit (`HYBRIDPLAN_TOKEN_RATE`) counts attempts at both doors: the API's token
endpoint and the admin's sign-in."""

import logging

from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

# The REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] entry that limits sign-in attempts.
TOKEN_THROTTLE_SCOPE = "token"
# What the cache that counts attempts raises when it cannot be reached.
CACHE_ERRORS = (RedisError, OSError)

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's address as the limit counts it: X-Forwarded-For is read only through
    the trusted proxies (`HYBRIDPLAN_NUM_PROXIES`)."""
    return BaseThrottle().get_ident(request)


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
            logger.warning("sign-in attempts cannot be counted: %s", error)
            raise AttemptCounterUnavailable() from None
