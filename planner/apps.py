from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.backends.signals import connection_created


class PlannerConfig(AppConfig):
    name = "planner"
    verbose_name = "Address planner"

    def ready(self) -> None:
        from planner.dbtypes import use_iso_timestamp_loader

        connection_created.connect(use_iso_timestamp_loader)


class PlannerAdminConfig(admin_apps.AdminConfig):
    """The admin, on a site that limits sign-in attempts (planner.admin_site); named in
    INSTALLED_APPS in place of django.contrib.admin, never the default of `planner`."""

    default = False
    default_site = "planner.admin_site.PlannerAdminSite"
