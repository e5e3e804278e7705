"""A pull of many IPInstances from a real local kube-apiserver into PostgreSQL.

    .venv/bin/python -m bench.sync_pull [--server postgres://postgres@127.0.0.1:5432]
                                        [--ipinstances 50000] [--seed-workers 8]

Starts a local cluster and writes the IPInstances into it through the API server, from
parallel threads of a child process (as hybridnet-manager would, over a few namespaces).
Then times one pull end to end as the worker runs it (`execute_run` of `pull_cluster`: list
every page, upsert, remove the unseen, record the run), into a fresh database
`hybridplan_pull_bench` on the server of --server (dropped first if a previous run left
it, and at the end). Prints the seconds, the database statements per 1,000 IPInstances
(transaction control apart, and with it), and the peak memory of the process during the
pull: the high-water mark of its resident set, reset before the pull, and the Python heap
peak under tracemalloc in a second, untimed pull.
Goals: under 20 s, at most one statement per 1,000 IPInstances, under 200 MB.
"""

import argparse
import ipaddress
import multiprocessing
import os
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.api_bench import bench_database

BENCH_DATABASE = "hybridplan_pull_bench"
NAMESPACES = ("bench-a", "bench-b", "bench-c", "bench-d", "bench-e")
FIRST_POD_ADDRESS = ipaddress.IPv4Address("10.128.0.1")
POD_PREFIX_LENGTH = 9
PER_THOUSAND = 1000
MIB = 1024 * 1024
KIB = 1024
TRANSACTION_CONTROL = {"BEGIN", "COMMIT"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ipinstances", type=int, default=50_000)
    parser.add_argument("--seed-workers", type=int, default=8)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    options = parser.parse_args()
    with bench_database(options.server, BENCH_DATABASE):
        os.environ["DATABASE_URL"] = f"{options.server.rstrip('/')}/{BENCH_DATABASE}"
        run_bench(options)


def run_bench(options: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hybridplan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from planner.kube.localcluster import LocalCluster
    from planner.services.clusters import register_local_cluster

    call_command("migrate", verbosity=0)
    with LocalCluster("bench-pull") as cluster:
        for namespace in NAMESPACES:
            cluster.create_namespace(namespace)
        started = time.perf_counter()
        # In a child process, so that what seeding allocates is not counted as the pull's.
        seeder = multiprocessing.get_context("fork").Process(
            target=seed, args=(cluster.credentials, options.ipinstances, options.seed_workers)
        )
        seeder.start()
        seeder.join()
        if seeder.exitcode:
            sys.exit(f"seeding failed (exit status {seeder.exitcode})")
        seeded = time.perf_counter() - started
        registered = register_local_cluster("bench", cluster.credentials)
        rss_before = status_kib("VmRSS") * KIB
        run, seconds, statements, round_trips, rss_peak = timed_pull(registered)
        heap_peak = heap_peak_of_pull(registered)
    connections.close_all()

    count = run.summary["ipinstances"]
    if count != options.ipinstances:
        sys.exit(f"expected {options.ipinstances} IPInstances pulled, got {count}: {run.error}")
    thousands = count / PER_THOUSAND
    print(f"seeded {count:,} IPInstances ({options.seed_workers} threads): {seeded:.1f} s")
    print(f"pull of {count:,} IPInstances, end to end: {seconds:.2f} s (goal < 20 s)")
    print(
        f"database statements per 1,000 IPInstances: {statements / thousands:.2f} "
        f"({statements} in all; goal <= 1); with BEGIN/COMMIT: {round_trips / thousands:.2f}"
    )
    print(
        f"peak memory of the pulling process: RSS {rss_peak / MIB:.0f} MiB (goal < 200 MB; "
        f"{rss_before / MIB:.0f} MiB before the pull), Python heap peak {heap_peak / MIB:.1f} MiB"
    )


def seed(credentials, count: int, workers: int) -> None:
    from planner.kube.gateway import KubeGateway
    from tests.kube.factories import ipinstance

    gateway = KubeGateway(credentials)

    def create(index: int) -> None:
        obj = ipinstance(str(FIRST_POD_ADDRESS + index), prefix_length=POD_PREFIX_LENGTH)
        obj["spec"]["binding"] = {"podName": f"pod-{index}", "nodeName": f"node-{index % 100}"}
        gateway.create_ipinstance(NAMESPACES[index % len(NAMESPACES)], obj)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(create, range(count)))


def pull_run(cluster):
    """A queued pull run, executed as the worker's task executes it."""
    from planner.choices import SyncActionChoices
    from planner.models import SyncRun
    from planner.sync.pull import pull_cluster
    from planner.sync.runs import execute_run

    run = SyncRun.objects.create(cluster=cluster, action=SyncActionChoices.PULL)
    return execute_run(run.pk, pull_cluster)


def timed_pull(cluster):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Path("/proc/self/clear_refs").write_text("5")  # restart the RSS high-water mark
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = pull_run(cluster)
        seconds = time.perf_counter() - started
    rss_peak = status_kib("VmHWM") * KIB
    statements = sum(1 for query in queries if query["sql"] not in TRANSACTION_CONTROL)
    return run, seconds, statements, len(queries), rss_peak


def heap_peak_of_pull(cluster) -> int:
    tracemalloc.start()
    try:
        pull_run(cluster)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def status_kib(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith(field))
    return int(line.split()[1])


if __name__ == "__main__":
    main()
