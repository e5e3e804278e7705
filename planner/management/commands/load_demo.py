"""python manage.py load_demo: the seed's scenario, idempotent; `--if-empty` only into a
database that holds no plan yet (what `make run` does on every start)."""

from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from planner.demo import DEMO_NODES, load_demo, plan_is_empty
from planner.management.base import RecordedCommand
from planner.services.errors import PlanError


class Command(RecordedCommand):
    help = (
        "Load the demo site, segment, nodes, pool, cluster, networks and subnets, or restore "
        "them to the demo state."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--nodes-file",
            type=Path,
            help="also write the demo nodes (name, ip) as YAML for `local_cluster --nodes`",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="load only into a database that holds no plan yet; never touch a user's data",
        )

    def handle(self, *args, nodes_file: Path | None, if_empty: bool, **options) -> None:
        if if_empty and not plan_is_empty():
            self.stdout.write(
                "The database already holds a plan: demo not loaded "
                "(`manage.py load_demo` restores the demo objects)."
            )
        else:
            self._load()
        if nodes_file:
            # Unlabelled: the labels the Underlay selector needs are Hybridplan's to push.
            nodes = [{"name": name, "ip": ip} for name, ip, _labels in DEMO_NODES]
            try:
                nodes_file.write_text(yaml.safe_dump(nodes, sort_keys=False))
            except OSError as error:
                raise CommandError(f"cannot write {nodes_file}: {error}") from None

    def _load(self) -> None:
        try:
            summary = load_demo()
        except (PlanError, ValidationError) as error:
            raise CommandError(f"cannot restore the demo over the current plan: {error}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: cluster {summary.cluster.name}, {summary.nodes} nodes, "
                f"{summary.subnets} subnets."
            )
        )
