"""A scheduled sync of several real local clusters at once, one of them unreachable.

    .venv/bin/python -m bench.sync_schedule [--server postgres://postgres@127.0.0.1:5432]
                                            [--redis redis://127.0.0.1:6379/12]
                                            [--clusters 4] [--subnets 50]

Creates the database `hybridplan_schedule_bench` (dropped first if a previous run left it,
and at the end), starts --clusters local kube-apiservers, and a port that accepts connections
but never answers: a cluster gone silent, which costs a worker the full read timeout where a
refused connection would fail at once. A Celery worker (prefork, one process per cluster and
one more) runs the syncs. Each reachable cluster plans an Overlay Network with --subnets
Subnets. Beat's tick (`queue_due_syncs`: an apply, then a pull, per cluster) runs three
times: to create everything (warm-up), with the reachable clusters only, and with the silent
one too. Prints, for each reachable cluster, the seconds from the tick to the end of its pull
in the last two rounds: the goal is the same figures, as if the silent cluster were not there.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing

from bench.api_bench import bench_database, reference_seconds

DATABASE = "hybridplan_schedule_bench"
OVERLAY_VNI = 4
BLOCK_PREFIX = 26
WORKER_READY_S = 60
ROUND_TIMEOUT_S = 300
POLL_S = 0.1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--subnets", type=int, default=50)
    options = parser.parse_args()

    with bench_database(options.server, DATABASE), tempfile.TemporaryDirectory() as var_dir:
        os.environ.update(
            DATABASE_URL=f"{options.server.rstrip('/')}/{DATABASE}",
            REDIS_URL=options.redis,
            HYBRIDPLAN_VAR_DIR=var_dir,
            DJANGO_SETTINGS_MODULE="hybridplan.settings",
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        rounds, silent = measure(options.clusters, options.subnets)
        connections.close_all()

    print(f"\n{'cluster':<16} {'alone (s)':>10} {'beside the silent one (s)':>26}")
    for name, (alone, beside) in rounds.items():
        print(f"{name:<16} {alone:>10.2f} {beside:>26.2f}")
    print(f"silent cluster: {silent}")
    print(f"reference loop: {reference_seconds():.2f} s (the machine's speed just now)")


def measure(count: int, subnets: int) -> tuple[dict[str, tuple[float, float]], str]:
    # Imported once Django is set up.
    from hybridplan.celery import app
    from planner.choices import SyncActionChoices
    from planner.kube.localcluster import start_many
    from planner.models import Cluster, SyncRun
    from planner.services.clusters import credentials_text, register_local_cluster

    live = start_many(count, prefix="bench-sched")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    worker = start_worker(queue, concurrency=count + 1)
    try:
        with closing(silent_listener()) as listener:
            clusters = []
            for index, cluster in enumerate(live):
                registered = register_local_cluster(f"prod-{index}", cluster.credentials)
                plan_overlay(registered, index, subnets)
                clusters.append(registered)
            Cluster.objects.update(sync_enabled=True, sync_applies=True)
            tick(clusters)  # warm-up: creates every object
            alone = tick(clusters)
            port = listener.getsockname()[1]
            silent = Cluster.objects.create(
                name="silent",
                api_server_url=f"https://127.0.0.1:{port}",
                credentials=credentials_text("no-answer", None),
                sync_enabled=True,
                sync_applies=True,
            )
            beside = tick([*clusters, silent], wait_for=clusters)
            rounds = {c.name: (alone[c.name], beside[c.name]) for c in clusters}
            seconds = wait_for_pulls([silent], since=started_of(silent))[silent.name]
            pull = SyncRun.objects.get(cluster=silent, action=SyncActionChoices.PULL)
            silent_text = f"its pull {pull.state} {seconds:.1f} s after the tick: {pull.error}"
    finally:
        worker.terminate()
        worker.wait()
        for cluster in live:
            cluster.stop()
    return rounds, silent_text


def started_of(cluster):
    """When the cluster's sync was queued: its first run's creation."""
    from planner.models import SyncRun

    return SyncRun.objects.filter(cluster=cluster).order_by("created").first().created


def plan_overlay(cluster, index: int, count: int) -> None:
    """An Overlay Network with `count` /26 blocks of 10.(100+index).0.0/16, straight to the
    table (the bench measures sync, not carving)."""
    import ipaddress

    from planner.models import Network, Subnet

    network = Network(cluster=cluster, name="overlay", type="Overlay", net_id=OVERLAY_VNI)
    network.full_clean()
    network.save()
    space = ipaddress.ip_network(f"10.{100 + index}.0.0/16")
    blocks = []
    for number, block in zip(range(count), space.subnets(new_prefix=BLOCK_PREFIX), strict=False):
        subnet = Subnet(cluster=cluster, network=network, name=f"block-{number}", cidr=str(block))
        subnet.normalize_addresses()
        blocks.append(subnet)
    Subnet.objects.bulk_create(blocks)


def tick(clusters, wait_for=None) -> dict[str, float]:
    """One tick of the schedule with every run of `clusters` forgotten first (so all are
    due); the seconds from the tick to the end of each pull of `wait_for`."""
    from django.utils import timezone

    from planner.models import SyncRun
    from planner.tasks import queue_due_syncs

    SyncRun.objects.filter(cluster__in=clusters).delete()
    started = timezone.now()
    queued = queue_due_syncs()
    if queued != len(clusters):
        sys.exit(f"the tick queued {queued} syncs, not {len(clusters)}")
    return wait_for_pulls(wait_for or clusters, since=started)


def wait_for_pulls(clusters, since) -> dict[str, float]:
    """Seconds from `since` (a datetime) to the end of each cluster's pull, as recorded."""
    from planner.choices import SyncActionChoices, SyncStateChoices
    from planner.models import SyncRun

    ended: dict[str, float] = {}
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    while len(ended) < len(clusters):
        if time.monotonic() > deadline:
            sys.exit(f"syncs still running after {ROUND_TIMEOUT_S} s")
        for cluster in clusters:
            if cluster.name in ended:
                continue
            run = SyncRun.objects.filter(cluster=cluster, action=SyncActionChoices.PULL).first()
            if run and run.state in (SyncStateChoices.SUCCEEDED, SyncStateChoices.FAILED):
                if cluster.name.startswith("prod") and run.state != SyncStateChoices.SUCCEEDED:
                    sys.exit(f"the pull of {cluster.name} failed: {run.error}")
                ended[cluster.name] = (run.finished_at - since).total_seconds()
        time.sleep(POLL_S)
    return ended


def silent_listener() -> socket.socket:
    """A port that takes connections into its backlog and never answers them."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    return listener


def start_worker(queue: str, concurrency: int) -> subprocess.Popen:
    from hybridplan.celery import app

    name = f"{queue}@localhost"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hybridplan",
            "worker",
            "-Q",
            queue,
            "-n",
            name,
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],  # fmt: skip
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + WORKER_READY_S
    while not app.control.ping(destination=[name], timeout=1.0):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit("the Celery worker did not start")
    return worker


if __name__ == "__main__":
    main()
