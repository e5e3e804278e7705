"""Plan and apply of many Subnets against one real local kube-apiserver, in-process.

    .venv/bin/python -m bench.sync_apply [--server postgres://postgres@127.0.0.1:5432]
                                         [--subnets 500]

Creates the database `hybridplan_sync_bench` (dropped first if a previous run left it, and at
the end) and one local cluster, plans an overlay Network with `--subnets` Subnets, and times:
the plan against the empty cluster, the apply, the plan again (everything live), and a second
apply (all unchanged). Goals: plan under 1 s, apply under 5 s, second apply under 2 s.
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable

from bench.api_bench import bench_database, reference_seconds

DATABASE = "hybridplan_sync_bench"
GOALS_S = {"plan": 1.0, "apply": 5.0, "second apply": 2.0}

Row = tuple[str, float, str]  # operation, seconds, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--subnets", type=int, default=500)
    options = parser.parse_args()

    with bench_database(options.server, DATABASE), tempfile.TemporaryDirectory() as var_dir:
        os.environ.update(
            DATABASE_URL=f"{options.server.rstrip('/')}/{DATABASE}",
            HYBRIDPLAN_VAR_DIR=var_dir,
            DJANGO_SETTINGS_MODULE="hybridplan.settings",
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rows = measure(options.subnets)

    print(f"\n{'operation':<44} {'seconds':>8}  goal")
    for operation, seconds, note in rows:
        print(f"{operation:<44} {seconds:>8.2f}  {note}")
    print(f"reference loop: {reference_seconds():.2f} s (the machine's speed just now)")


def measure(count: int) -> list[Row]:
    # Imported once Django is set up.
    from planner.choices import SyncActionChoices, SyncStateChoices
    from planner.kube.gateway import KubeGateway
    from planner.kube.localcluster import LocalCluster
    from planner.models import SyncRun
    from planner.services.clusters import register_local_cluster
    from planner.sync.plan import plan_cluster
    from planner.tasks import apply_cluster_run
    from tests.planner.factories import bulk_overlay_blocks, make_network

    def apply() -> None:
        run = SyncRun.objects.create(cluster=cluster, action=SyncActionChoices.APPLY)
        apply_cluster_run.apply(args=(run.pk,))
        run.refresh_from_db()
        if run.state != SyncStateChoices.SUCCEEDED:
            sys.exit(f"apply failed: {run.error}")
        outcomes.append(run.summary["outcomes"])

    outcomes: list[dict] = []
    with LocalCluster("sync-bench") as live, KubeGateway(live.credentials) as gateway:
        cluster = register_local_cluster("bench", live.credentials)
        bulk_overlay_blocks(make_network(cluster, "overlay", type="Overlay", net_id=4), count)

        def plan() -> None:
            plan_cluster(cluster, gateway)

        return [
            (f"plan, {count} Subnets, empty cluster", _timed(plan), _goal("plan")),
            (f"apply, {count} Subnets created", _timed(apply), _goal("apply")),
            (f"plan, {count} Subnets live", _timed(plan), _goal("plan")),
            (f"second apply, {count} Subnets", _timed(apply), _goal("second apply")),
            ("outcomes of the applies", 0.0, " / ".join(str(done) for done in outcomes)),
        ]


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _goal(name: str) -> str:
    return f"< {GOALS_S[name]:g} s"


if __name__ == "__main__":
    main()
