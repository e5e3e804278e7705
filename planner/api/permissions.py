"""Who may call what: Django model permissions, reads included; per-cluster limits of
operators (planner.roles); read-only API tokens."""

from typing import TYPE_CHECKING

from django.db.models import Model
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from planner.access_log import log_token_refusal
from planner.models import APIToken, Cluster, ObjectChange
from planner.roles import (
    OPERATE_CLUSTER_PERMISSION,
    can_operate,
    model_permission,
    operable_clusters,
)
from planner.throttling import client_address

if TYPE_CHECKING:  # DRF loads this module while rest_framework.views is still importing
    from rest_framework.request import Request
    from rest_framework.views import APIView

VIEW_PERMISSION = "%(app_label)s.view_%(model_name)s"


class TokenWritePermission(BasePermission):
    """A read-only API token can only read, whatever its user may do."""

    message = "This API token is read-only: it cannot be used to write."

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        token = request.auth
        if request.method in SAFE_METHODS or not isinstance(token, APIToken):
            return True
        if not token.write_enabled:
            log_token_refusal(self.message, client_address(request), token.key_id)
        return token.write_enabled


class PlannerModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions where reading needs the `view_` permission too.

    An action that touches other models than the viewset's own (carving a segment creates a
    Subnet) names what it needs in the view's `action_permissions` {action: [permission]}.
    An action that needs `planner.operate_cluster` is checked against the cluster it acts on
    too (its detail view's object), so that an operator limited to some clusters gets 403 on
    the others; such an action must fetch its cluster with `get_object()`.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": [VIEW_PERMISSION],
        "HEAD": [VIEW_PERMISSION],
        "OPTIONS": [VIEW_PERMISSION],
    }

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        required = self.action_permissions(view)
        if required is None:
            return super().has_permission(request, view)
        user = request.user
        if not (user and user.is_authenticated):
            return False
        others = [perm for perm in required if perm != OPERATE_CLUSTER_PERMISSION]
        if not user.has_perms(others):
            return False
        # Operating: held on every cluster, or on some (then has_object_permission decides).
        return OPERATE_CLUSTER_PERMISSION not in required or operable_clusters(user).exists()

    def has_object_permission(self, request: "Request", view: "APIView", obj: Model) -> bool:
        if OPERATE_CLUSTER_PERMISSION not in (self.action_permissions(view) or ()):
            return True
        # Only a cluster can be among an operator's clusters; any other object needs the
        # permission on every cluster.
        if isinstance(obj, Cluster):
            return can_operate(request.user, obj)
        return request.user.has_perm(OPERATE_CLUSTER_PERMISSION)

    @staticmethod
    def action_permissions(view: "APIView") -> list[str] | None:
        return getattr(view, "action_permissions", {}).get(getattr(view, "action", None))


class RequiredPermissions(BasePermission):
    """For a view of no one model: the user has every permission in its
    `required_permissions`."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(view.required_permissions))


class ObjectHistoryPermissions(PlannerModelPermissions):
    """An object's change log: reading the object, and reading the change log."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return super().has_permission(request, view) and request.user.has_perm(
            model_permission(ObjectChange, "view")
        )
