"""python manage.py local_cluster: a real Kubernetes API server for the demo.

Runs one LocalCluster (etcd + kube-apiserver on 127.0.0.1, Hybridnet CRDs
installed) in the foreground until Ctrl-C or SIGTERM, then stops it and
removes its files.
"""

import signal
import threading
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import CommandError, CommandParser

from planner.kube.localcluster import HarnessError, LocalCluster
from planner.management.base import RecordedCommand
from planner.services.clusters import register_local_cluster
from planner.tasks import keep_in_sync


class Command(RecordedCommand):
    help = "Run a local Kubernetes API server with the Hybridnet CRDs until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="local", help="cluster name (default: local)")
        parser.add_argument(
            "--nodes",
            type=Path,
            help="YAML list of nodes to create, each {name, ip, labels}",
        )
        parser.add_argument(
            "--register",
            action="store_true",
            help="register the cluster and its credentials in Hybridplan",
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="with --register: apply the cluster's plan and pull its state now, and keep "
            "doing so on its sync schedule",
        )

    def handle(
        self,
        *args: Any,
        name: str,
        nodes: Path | None,
        register: bool,
        sync: bool,
        **options: Any,
    ) -> None:
        if sync and not register:
            raise CommandError("--sync needs --register: only a registered cluster is synced")
        node_list = _read_nodes(nodes) if nodes else []
        stop = threading.Event()
        # Set before start(): a signal during start-up then waits for it to
        # finish and stops cleanly, instead of orphaning etcd and the apiserver.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())

        try:
            cluster = LocalCluster(name).start()
        except HarnessError as exc:
            raise CommandError(str(exc)) from exc
        try:
            cluster.create_nodes(node_list)
            if register:
                registered = register_local_cluster(name, cluster.credentials)
                if sync:
                    keep_in_sync(registered)
            self._announce(cluster, len(node_list), registered=register)
            stop.wait()
        finally:
            cluster.stop()
        self.stdout.write(f"Cluster {name!r} stopped.")

    def _announce(self, cluster: LocalCluster, node_count: int, registered: bool) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"Cluster {cluster.name!r} is up at {cluster.server}")
            + f" ({node_count} nodes{', registered in Hybridplan' if registered else ''})\n"
            f"kubeconfig: {cluster.kubeconfig_path}\n"
            f"export KUBECONFIG={cluster.kubeconfig_path}\n"
            f"logs: {cluster.workdir}\n"
            "Ctrl-C stops it."
        )
        self.stdout.flush()  # seen at once when the output is a pipe (make run)


def _read_nodes(path: Path) -> list[dict[str, Any]]:
    try:
        nodes = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CommandError(f"Cannot read nodes from {path}: {exc}") from exc
    if not isinstance(nodes, list) or not all(
        isinstance(node, dict) and node.get("name") for node in nodes
    ):
        raise CommandError(f"{path} must be a YAML list of mappings, each with a name.")
    return nodes
