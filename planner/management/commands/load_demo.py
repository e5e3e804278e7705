"""python manage.py load_demo: the seed's scenario, idempotent."""

from django.core.management.base import BaseCommand

from planner.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo site, segment, nodes, pool, cluster, networks and subnets (idempotent)."

    def handle(self, *args, **options) -> None:
        summary = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: cluster {summary.cluster.name}, {summary.nodes} nodes, "
                f"{summary.subnets} subnets."
            )
        )
