"""Who may call what: Django model permissions, reads included."""

from typing import TYPE_CHECKING

from django.db.models import Model
from rest_framework.permissions import DjangoModelPermissions

from planner.models import ObjectChange

if TYPE_CHECKING:  # DRF loads this module while rest_framework.views is still importing
    from rest_framework.request import Request
    from rest_framework.views import APIView

VIEW_PERMISSION = "%(app_label)s.view_%(model_name)s"


def model_permission(model: type[Model], action: str) -> str:
    """The permission name Django gives *action* ("view", "add", ...) on *model*."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class PlannerModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions where reading needs the `view_` permission too.

    An action that touches other models than the viewset's own (carving a segment creates a
    Subnet) names what it needs in the view's `action_permissions` {action: [permission]}.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": [VIEW_PERMISSION],
        "HEAD": [VIEW_PERMISSION],
        "OPTIONS": [VIEW_PERMISSION],
    }

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        required = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if required is None:
            return super().has_permission(request, view)
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(required))


class ObjectHistoryPermissions(PlannerModelPermissions):
    """An object's change log: reading the object, and reading the change log."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return super().has_permission(request, view) and request.user.has_perm(
            model_permission(ObjectChange, "view")
        )
