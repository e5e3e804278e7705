"""A SyncRun's life: queued by a request, run by a worker, finished with a summary or an error;
and the reaper that ends the runs whose worker died."""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from planner.choices import SyncStateChoices
from planner.kube.errors import KubeError
from planner.models import Cluster, SyncRun
from planner.models.sync import ACTIVE_STATES
from planner.services.errors import PlanConflictError

REAPED_ERROR = (
    "the worker running this stopped sending heartbeats for {seconds} s (it died or was "
    "killed); the run was given up. Start it again."
)


class RunInProgressError(PlanConflictError):
    """The cluster has a run of this action (an apply, a pull) queued or running already
    (HTTP 409); `run` is its id."""

    def __init__(self, active: SyncRun) -> None:
        super().__init__(
            f"run {active.pk} ({active.action} of cluster {active.cluster.name}) is "
            f"{active.state} already; wait for it to finish"
        )
        self.run = active.pk


def record_run(
    cluster: Cluster, action: str, requested_by: AbstractBaseUser | None = None
) -> SyncRun:
    """A new queued run. A second apply of a cluster while one is active is refused
    (RunInProgressError), by the database's constraint, so two web processes or a schedule
    can never both start one."""
    try:
        with transaction.atomic():
            return SyncRun.objects.create(cluster=cluster, action=action, requested_by=requested_by)
    except IntegrityError:
        active = SyncRun.objects.filter(cluster=cluster, action=action, state__in=ACTIVE_STATES)
        raise RunInProgressError(active.select_related("cluster").get()) from None


def queue_run(
    cluster: Cluster,
    action: str,
    enqueue: Callable[[int], object],
    requested_by: AbstractBaseUser | None = None,
) -> SyncRun:
    """Record a queued run and hand its id to the worker once the record is committed
    (a worker must never look for a run that is not in the database yet)."""
    run = record_run(cluster, action, requested_by)
    transaction.on_commit(lambda: enqueue(run.pk))
    return run


def execute_run(
    run_id: int,
    work: Callable[[SyncRun], dict],
    retry_on: tuple[type[KubeError], ...] = (),
    failure_note: str = "",
) -> SyncRun:
    """Run `work` for a queued run, recording start, end, and its summary or error.
    Kubernetes errors are the run's outcome, not a crash: they end it as failed, except those
    of `retry_on`, which put the run back in the queue and are raised for the task to retry;
    `failure_note` is added to the error of a failed run (how often it was tried)."""
    started_at = timezone.now()
    # One statement claims the run, so that two deliveries of its message never both work
    # on it: a queued run, or a running one whose worker died (its message came back).
    claimed = SyncRun.objects.filter(
        Q(state=SyncStateChoices.QUEUED) | _silent(started_at), pk=run_id
    ).update(
        state=SyncStateChoices.RUNNING, started_at=started_at, heartbeat_at=started_at, error=""
    )
    run = SyncRun.objects.select_related("cluster").get(pk=run_id)
    if not claimed:
        return run  # ended already, or being worked on by another delivery: nothing to do
    try:
        run.summary = work(run)
        run.state = SyncStateChoices.SUCCEEDED
    except retry_on as error:
        run.state, run.error = SyncStateChoices.QUEUED, f"retrying: {error}"
        run.save(update_fields=["state", "error"])
        raise
    except KubeError as error:
        run.state, run.error = SyncStateChoices.FAILED, f"{error}{failure_note}"
    finally:
        if run.state == SyncStateChoices.RUNNING:  # an unexpected error: record, then raise
            run.state, run.error = SyncStateChoices.FAILED, "internal error; see the worker log"
        if run.state != SyncStateChoices.QUEUED:
            run.finished_at = timezone.now()
            run.save(update_fields=["state", "summary", "error", "finished_at"])
    return run


def reap_stale_runs() -> int:
    """Fail the runs still "running" whose heartbeat stopped SYNC_RUN_STALE_S ago: their
    worker died. One statement; returns how many were reaped."""
    now = timezone.now()
    return SyncRun.objects.filter(_silent(now)).update(
        state=SyncStateChoices.FAILED,
        error=REAPED_ERROR.format(seconds=settings.SYNC_RUN_STALE_S),
        finished_at=now,
    )


def _silent(now) -> Q:
    """Runs still "running" whose heartbeat stopped SYNC_RUN_STALE_S before `now`."""
    cutoff = now - timedelta(seconds=settings.SYNC_RUN_STALE_S)
    stopped = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    return stopped & Q(state=SyncStateChoices.RUNNING)
