"""Sync tasks run by a real Celery worker against a real kube-apiserver."""

import time

import pytest

from planner.choices import SyncActionChoices, SyncStateChoices
from planner.models import Cluster, SyncRun
from planner.services.clusters import register_local_cluster
from planner.tasks import apply_cluster_run, plan_cluster_run, pull, start_test_connection

pytestmark = [pytest.mark.kube, pytest.mark.celery, pytest.mark.django_db(transaction=True)]
RUN_TIMEOUT_S = 60
UNUSED_PORT_URL = "https://127.0.0.1:1"
# The task that carries out each kind of run, for tests that run it in their own process.
TASKS = {
    SyncActionChoices.PLAN: plan_cluster_run,
    SyncActionChoices.APPLY: apply_cluster_run,
    SyncActionChoices.PULL: pull,
}


def wait_for(run: SyncRun) -> SyncRun:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state in (SyncStateChoices.SUCCEEDED, SyncStateChoices.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run.pk} still {run.state} after {RUN_TIMEOUT_S}s")


def carry_out(run: SyncRun) -> SyncRun:
    """A queued run carried out in this process (the task's code, without the worker)."""
    TASKS[run.action].apply(args=(run.pk,))
    run.refresh_from_db()
    return run


def run_here(cluster: Cluster, action: str) -> SyncRun:
    """A new run of `action`, carried out in this process."""
    return carry_out(SyncRun.objects.create(cluster=cluster, action=action))


def test_worker_tests_the_connection_and_records_the_run(celery_worker, kube_cluster):
    cluster = register_local_cluster("prod-a", kube_cluster.credentials)
    run = wait_for(start_test_connection(cluster))
    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    assert run.summary["server_version"] == "v1.20.2"
    assert run.summary["crds_installed"] == {"Network": True, "Subnet": True, "IPInstance": True}
    assert run.started_at <= run.finished_at


def test_unreachable_cluster_ends_the_run_as_failed_with_a_reason(celery_worker, kube_cluster):
    cluster = register_local_cluster("gone", kube_cluster.credentials)
    Cluster.objects.filter(pk=cluster.pk).update(api_server_url=UNUSED_PORT_URL)
    run = wait_for(start_test_connection(cluster))
    assert run.state == SyncStateChoices.FAILED
    assert "unreachable" in run.error.lower() or "refused" in run.error.lower(), run.error
