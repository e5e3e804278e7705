"""Top-level URL map."""

from django.contrib import admin
from django.urls import include, path

from hybridplan.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("planner.api.urls")),
]
