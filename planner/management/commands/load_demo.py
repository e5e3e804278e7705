"""python manage.py load_demo: the seed's scenario, idempotent."""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from planner.demo import DEMO_NODES, load_demo


class Command(BaseCommand):
    help = "Load the demo site, segment, nodes, pool, cluster, networks and subnets (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--nodes-file",
            type=Path,
            help="also write the demo nodes (name, ip) as YAML for `local_cluster --nodes`",
        )

    def handle(self, *args, nodes_file: Path | None, **options) -> None:
        summary = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: cluster {summary.cluster.name}, {summary.nodes} nodes, "
                f"{summary.subnets} subnets."
            )
        )
        if nodes_file:
            # Unlabelled: the labels the Underlay selector needs are Hybridplan's to push.
            nodes = [{"name": name, "ip": ip} for name, ip, _labels in DEMO_NODES]
            try:
                nodes_file.write_text(yaml.safe_dump(nodes, sort_keys=False))
            except OSError as error:
                raise CommandError(f"cannot write {nodes_file}: {error}") from None
