"""The API's URLs with one more cluster action that needs `planner.operate_cluster`, as the
sync actions (test, plan, apply, pull, adopt) do: PlannerModelPermissions is tested on a real
endpoint, whichever of those has landed."""

from django.urls import include, path
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from planner.api.constants import API_NAMESPACE
from planner.api.views import ClusterViewSet
from planner.roles import OPERATE_CLUSTER_PERMISSION

PROBE_URL = "/api/clusters/{pk}/probe/"


class OperateProbeViewSet(ClusterViewSet):
    action_permissions = {
        **ClusterViewSet.action_permissions,
        "probe": [OPERATE_CLUSTER_PERMISSION],
    }

    @action(detail=True, methods=["post"])
    def probe(self, request: Request, pk: str | None = None) -> Response:
        return Response({"operated": self.get_object().name})


router = SimpleRouter()
router.register("clusters", OperateProbeViewSet)

urlpatterns = [
    path("api/", include((router.urls, API_NAMESPACE))),
    path("api/", include("planner.api.urls")),
]
