"""A SyncRun's life: queued by a request, run by a worker, finished with a summary or an error."""

from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from planner.choices import SyncStateChoices
from planner.kube.errors import KubeError
from planner.models import Cluster, SyncRun


def queue_run(
    cluster: Cluster,
    action: str,
    enqueue: Callable[[int], object],
    requested_by: AbstractBaseUser | None = None,
) -> SyncRun:
    """Record a queued run and hand its id to the worker once the record is committed
    (a worker must never look for a run that is not in the database yet)."""
    run = SyncRun.objects.create(cluster=cluster, action=action, requested_by=requested_by)
    transaction.on_commit(lambda: enqueue(run.pk))
    return run


def execute_run(run_id: int, work: Callable[[SyncRun], dict]) -> SyncRun:
    """Run `work` for a queued run, recording start, end, and its summary or error.
    Kubernetes errors are the run's outcome, not a crash: they end it as failed."""
    run = SyncRun.objects.select_related("cluster").get(pk=run_id)
    run.state, run.started_at = SyncStateChoices.RUNNING, timezone.now()
    run.save(update_fields=["state", "started_at"])
    try:
        run.summary = work(run)
        run.state = SyncStateChoices.SUCCEEDED
    except KubeError as error:
        run.state, run.error = SyncStateChoices.FAILED, str(error)
    finally:
        if run.state == SyncStateChoices.RUNNING:  # an unexpected error: record, then raise
            run.state, run.error = SyncStateChoices.FAILED, "internal error; see the worker log"
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "summary", "error", "finished_at"])
    return run
