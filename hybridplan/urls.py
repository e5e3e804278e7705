"""Top-level URL map."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from hybridplan.health import healthz

urlpatterns = [
    # Until the browser UI lands, the admin is the home page (a temporary redirect, 302).
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("planner.api.urls")),
]

# Failures outside a view answer JSON under /api/ (planner.api.error_pages).
handler400 = "planner.api.error_pages.bad_request"
handler500 = "planner.api.error_pages.server_error"
