from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PlannerConfig(AppConfig):
    name = "planner"
    verbose_name = "Address planner"

    def ready(self) -> None:
        from planner.dbtypes import use_iso_timestamp_loader

        connection_created.connect(use_iso_timestamp_loader)
