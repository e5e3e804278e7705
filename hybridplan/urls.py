"""Top-level URL map."""

from django.contrib import admin
from django.urls import include, path

from hybridplan.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("planner.api.urls")),
    # The browser UI, from its dashboard at /.
    path("", include("frontend.urls")),
]

# Failures outside a view answer JSON under /api/ (planner.api.error_pages).
handler400 = "planner.api.error_pages.bad_request"
handler500 = "planner.api.error_pages.server_error"
