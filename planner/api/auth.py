"""The token endpoint, with the limit on sign-in attempts per client address
(planner.throttling), and each user's own API tokens."""

from typing import Any

from rest_framework import mixins
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from planner.api.permissions import TokenWritePermission
from planner.api.schema import ERROR_COMPONENT, ERROR_SCHEMA, PlannerAutoSchema
from planner.api.serializers.tokens import APITokenIssuedSerializer, APITokenSerializer
from planner.api.views import ANY_LOOKUP
from planner.models import APIToken
from planner.throttling import TOKEN_THROTTLE_SCOPE, TokenRateThrottle

OBTAINED_TOKEN_DESCRIPTION = "POST /api/auth/token/"


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
    """A new write-enabled API token, without expiry, for the user whose username and
    password are posted. Every attempt counts against the client address's rate
    (`HYBRIDPLAN_TOKEN_RATE`), right or wrong."""

    throttle_classes = [TokenRateThrottle]
    throttle_scope = TOKEN_THROTTLE_SCOPE
    schema = ThrottledAutoSchema()

    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, key = APIToken.objects.issue(
            serializer.validated_data["user"], description=OBTAINED_TOKEN_DESCRIPTION
        )
        return Response({"token": key})


class APITokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    GenericViewSet,
):
    """The signed-in user's own API tokens: list, create (the answer shows the key, this
    once) and revoke. Anyone signed in may manage their own; a read-only token only reads."""

    queryset = APIToken.objects.all()
    serializer_class = APITokenSerializer
    permission_classes = [IsAuthenticated, TokenWritePermission]
    filter_backends = []
    lookup_value_regex = ANY_LOOKUP

    def get_queryset(self):
        return super().get_queryset().filter(user_id=self.request.user.pk)

    def get_serializer_class(self):
        return APITokenIssuedSerializer if self.action == "create" else APITokenSerializer
