from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PlannerConfig(AppConfig):
    name = "planner"
    verbose_name = "Address planner"

    def ready(self) -> None:
        # Connects the receivers that log refused sign-ins.
        from planner import access_log  # noqa: F401
        from planner.changelog import register_planned_models
        from planner.models import PLANNED_MODELS, Cluster

        register_planned_models(PLANNED_MODELS, Cluster)


class PlannerAdminConfig(admin_apps.AdminConfig):
    """The admin, on a site that limits sign-in attempts (planner.admin_site); named in
    INSTALLED_APPS in place of django.contrib.admin, never the default of `planner`."""

    default = False
    default_site = "planner.admin_site.PlannerAdminSite"
