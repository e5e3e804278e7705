"""API routes: a router of model viewsets, the token endpoint, the offline review, the schema."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from planner.api import views
from planner.api.auth import APITokenViewSet, TokenObtainView
from planner.api.constants import API_NAMESPACE

app_name = API_NAMESPACE

router = DefaultRouter()
router.register("sites", views.SiteViewSet)
router.register("segments", views.NodeSegmentViewSet)
router.register("pools", views.AddressPoolViewSet)
router.register("nodes", views.NodeViewSet)
router.register("reservations", views.ReservationViewSet)
router.register("clusters", views.ClusterViewSet)
router.register("networks", views.NetworkViewSet)
router.register("subnets", views.SubnetViewSet)
router.register("ip-instances", views.ObservedIPInstanceViewSet)
router.register("subnet-statuses", views.ObservedSubnetStatusViewSet)
router.register("sync-runs", views.SyncRunViewSet)
router.register("tokens", APITokenViewSet)
router.register("changes", views.ObjectChangeViewSet)

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token"),
    path("lookup/", views.LookupView.as_view(), name="lookup"),
    path("hybridnet/review/", views.HybridnetReviewView.as_view(), name="hybridnet-review"),
    path("hybridnet/usage/", views.HybridnetUsageView.as_view(), name="hybridnet-usage"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs are for people in a browser: send them to sign in rather than answer 401.
    path(
        "docs/",
        login_required(SpectacularSwaggerView.as_view(url_name=f"{API_NAMESPACE}:schema")),
        name="docs",
    ),
    *router.urls,
]
