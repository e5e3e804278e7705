"""Celery tasks: thin wrappers that run one recorded sync step, and beat's periodic ones."""

from collections.abc import Callable
from contextlib import suppress

from celery import shared_task
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from planner import changelog
from planner.choices import BackgroundServiceChoices, ChangeSourceChoices, SyncActionChoices
from planner.heartbeat import record_heartbeat
from planner.kube.errors import ClusterUnreachable
from planner.kube.gateway import KubeGateway
from planner.models import Cluster, SyncRun
from planner.services.clusters import cluster_credentials
from planner.sync.adopt import adopt as adopt_live_objects
from planner.sync.apply import apply_plan
from planner.sync.plan import plan_cluster
from planner.sync.pull import pull_cluster
from planner.sync.runs import (
    RunInProgressError,
    execute_run,
    queue_run,
    reap_stale_runs,
    record_run,
)
from planner.sync.schedule import due_clusters

# A run's message is acknowledged only once it ended, and given back to the queue if the
# worker process died meanwhile: a run its worker never started is run by another; one it
# had started stays claimed (planner.sync.runs.execute_run) until the reaper fails it.
SYNC_TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


def _test_connection(run: SyncRun) -> dict:
    with KubeGateway(cluster_credentials(run.cluster)) as gateway:
        return gateway.test_connection()


def _plan(run: SyncRun) -> dict:
    with KubeGateway(cluster_credentials(run.cluster)) as gateway:
        return plan_cluster(run.cluster, gateway).as_dict()


def _apply(run: SyncRun) -> dict:
    with KubeGateway(cluster_credentials(run.cluster)) as gateway:
        return apply_plan(run, gateway)


@shared_task
def test_connection(run_id: int) -> str:
    """Reach the cluster: its server version and whether the Hybridnet CRDs are installed."""
    return execute_run(run_id, _test_connection).state


@shared_task(**SYNC_TASK_OPTIONS)
def plan_cluster_run(run_id: int) -> str:
    """Compare the cluster's plan with its live objects; the changes are the run's summary."""
    return execute_run(run_id, _plan).state


@shared_task(
    bind=True,
    autoretry_for=(ClusterUnreachable,),
    max_retries=settings.SYNC_APPLY_RETRIES,
    retry_backoff=settings.SYNC_RETRY_BACKOFF_S,
    retry_backoff_max=settings.SYNC_RETRY_BACKOFF_MAX_S,
    retry_jitter=True,
    **SYNC_TASK_OPTIONS,
)
def apply_cluster_run(self, run_id: int) -> str:
    """Apply the cluster's plan. An unreachable cluster is retried with exponential backoff;
    after the last retry the run fails with the reason."""
    attempts = self.request.retries + 1
    last = self.request.retries >= self.max_retries
    return execute_run(
        run_id,
        _apply,
        retry_on=() if last else (ClusterUnreachable,),
        failure_note=f" (gave up after {attempts} attempts)" if attempts > 1 else "",
    ).state


def start_test_connection(
    cluster: Cluster, requested_by: AbstractBaseUser | None = None
) -> SyncRun:
    return queue_run(cluster, SyncActionChoices.TEST, test_connection.delay, requested_by)


def start_plan(cluster: Cluster, requested_by: AbstractBaseUser | None = None) -> SyncRun:
    return queue_run(cluster, SyncActionChoices.PLAN, plan_cluster_run.delay, requested_by)


def start_apply(cluster: Cluster, requested_by: AbstractBaseUser | None = None) -> SyncRun:
    """Queue an apply; RunInProgressError if the cluster has one queued or running."""
    return queue_run(cluster, SyncActionChoices.APPLY, apply_cluster_run.delay, requested_by)


@shared_task(**SYNC_TASK_OPTIONS)
def pull(run_id: int) -> str:
    """Read the cluster's Networks, Subnets, Nodes and IPInstances into the observed state."""
    return execute_run(run_id, pull_cluster).state


def start_pull(cluster: Cluster, requested_by: AbstractBaseUser | None = None) -> SyncRun:
    return queue_run(cluster, SyncActionChoices.PULL, pull.delay, requested_by)


def _adopt(run: SyncRun) -> dict:
    # The change log records each imported object as this run's, by who asked for it.
    with (
        changelog.recording_run(run, ChangeSourceChoices.ADOPT),
        KubeGateway(cluster_credentials(run.cluster)) as gateway,
    ):
        return adopt_live_objects(run, gateway)


@shared_task(**SYNC_TASK_OPTIONS)
def adopt(run_id: int) -> str:
    """Import the cluster's live Networks, Subnets and Nodes into its plan."""
    return execute_run(run_id, _adopt).state


def start_adopt(cluster: Cluster, requested_by: AbstractBaseUser | None = None) -> SyncRun:
    return queue_run(cluster, SyncActionChoices.ADOPT, adopt.delay, requested_by=requested_by)


# How each action that runs in a worker is started (the API and the command go through here).
STARTERS: dict[str, Callable[..., SyncRun]] = {
    SyncActionChoices.TEST: start_test_connection,
    SyncActionChoices.PLAN: start_plan,
    SyncActionChoices.APPLY: start_apply,
    SyncActionChoices.PULL: start_pull,
    SyncActionChoices.ADOPT: start_adopt,
}


def start_run(
    cluster: Cluster, action: str, requested_by: AbstractBaseUser | None = None
) -> SyncRun:
    return STARTERS[action](cluster, requested_by)


@shared_task(**SYNC_TASK_OPTIONS)
def scheduled_sync(apply_run_id: int | None, pull_run_id: int) -> str:
    """One cluster's scheduled sync: the apply (when the cluster asks for it), then the pull,
    in that order so that the pull sees what the apply did. No retries here: the next tick
    is the retry."""
    try:
        if apply_run_id is not None:
            execute_run(apply_run_id, _apply)
    finally:
        # The pull runs whatever became of the apply: it reports the cluster as it is.
        pull_state = execute_run(pull_run_id, pull_cluster).state
    return pull_state


def start_scheduled_sync(cluster: Cluster) -> list[SyncRun]:
    """Queue a cluster's scheduled sync: its runs (an apply only if the cluster's
    sync_applies and no apply is active already, then a pull), in one task."""
    with transaction.atomic():
        apply_run = None
        # An apply someone started is under way: this sync only pulls.
        with suppress(RunInProgressError):
            if cluster.sync_applies:
                apply_run = record_run(cluster, SyncActionChoices.APPLY)
        apply_id = apply_run.pk if apply_run else None
        pull_run = queue_run(
            cluster, SyncActionChoices.PULL, lambda pull_id: scheduled_sync.delay(apply_id, pull_id)
        )
    return [run for run in (apply_run, pull_run) if run]


def keep_in_sync(cluster: Cluster) -> list[SyncRun]:
    """Turn on scheduled sync with apply for `cluster` (the demo's), and sync it at once."""
    cluster.sync_enabled = cluster.sync_applies = True
    cluster.save(update_fields=["sync_enabled", "sync_applies"])
    return start_scheduled_sync(cluster)


@shared_task
def queue_due_syncs() -> int:
    """Sent by beat every SYNC_SCHEDULE_TICK_S: a scheduled sync of each due cluster
    (planner.sync.schedule.due_clusters); how many were queued."""
    queued = 0
    for cluster in due_clusters(timezone.now()):
        # A pull someone started since due_clusters looked: that one will do.
        with suppress(RunInProgressError):
            start_scheduled_sync(cluster)
            queued += 1
    return queued


@shared_task
def reap_stale_sync_runs() -> int:
    """Sent by beat: fail the runs whose worker died (planner.sync.runs.reap_stale_runs)."""
    return reap_stale_runs()


@shared_task
def record_beat_heartbeat() -> None:
    """Sent by beat on its schedule (CELERY_BEAT_SCHEDULE): beat is alive, and a worker runs
    what it sends."""
    record_heartbeat(BackgroundServiceChoices.BEAT)


@shared_task
def prune_changes() -> int:
    """Sent daily by beat (CELERY_BEAT_SCHEDULE): deletes the change log entries older than
    CHANGELOG_RETENTION_DAYS; returns how many."""
    return changelog.prune_changes()
