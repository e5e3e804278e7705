"""Apply a cluster's plan: Networks before Subnets, node labels, then deletions in the reverse
order, each object's outcome recorded on the run.

One object refused (a webhook's denial, another manager's field, a schema error) is that
object's outcome and the others go on; only a cluster that stops answering ends the attempt
(ClusterUnreachable, which the task retries).
"""

import time
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from planner.choices import SyncOutcomeChoices
from planner.kube.constants import NETWORK, SUBNET
from planner.kube.errors import (
    ClusterUnreachable,
    FieldManagerConflict,
    InvalidObject,
    KubeError,
    ObjectNotFound,
    RequestDenied,
)
from planner.kube.gateway import KubeGateway
from planner.models import Network, Subnet, SyncRun, SyncRunResult
from planner.sync.diff import NODE_KIND, Change, ChangeAction, ClusterPlan
from planner.sync.plan import plan_cluster

# Progress is written at most every PROGRESS_EVERY objects or PROGRESS_INTERVAL_S seconds:
# enough for a progress bar and a heartbeat, bounded however many objects there are.
PROGRESS_EVERY = 100
PROGRESS_INTERVAL_S = 2.0
# What the cluster's refusal of one object makes of it.
REFUSALS: dict[type[KubeError], str] = {
    FieldManagerConflict: SyncOutcomeChoices.CONFLICT,
    RequestDenied: SyncOutcomeChoices.DENIED,
    InvalidObject: SyncOutcomeChoices.DENIED,
}
# Creates and updates go parents first; deletes children first (SD-1 before ND-1).
UPSERT_ORDER = {NETWORK.kind: 0, SUBNET.kind: 1, NODE_KIND: 2}
DELETE_ORDER = {SUBNET.kind: 0, NETWORK.kind: 1}
APPLIED_MODELS = {NETWORK.kind: Network, SUBNET.kind: Subnet}
LIVE_OUTCOMES = (
    SyncOutcomeChoices.CREATED,
    SyncOutcomeChoices.UPDATED,
    SyncOutcomeChoices.UNCHANGED,
)


class RunProgress:
    """Records a run's results and progress (done/total, heartbeat) in batches."""

    def __init__(self, run: SyncRun, total: int) -> None:
        self.run = run
        self.pending: list[SyncRunResult] = []
        self.outcomes: Counter = Counter()
        self.live: dict[str, list[str]] = {}  # kind -> names now in the cluster
        self.last_write = time.monotonic()
        run.total, run.done = total, 0
        self._write()

    def record(self, change: Change, outcome: str, message: str = "") -> None:
        result = SyncRunResult(
            run=self.run,
            kind=change.kind,
            name=change.name,
            outcome=outcome,
            message=message,
            changes=change.field_changes(),
        )
        self.pending.append(result)
        self.outcomes[outcome] += 1
        if outcome in LIVE_OUTCOMES:
            self.live.setdefault(change.kind, []).append(change.name)
        self.run.done += 1
        elapsed = time.monotonic() - self.last_write
        if len(self.pending) >= PROGRESS_EVERY or elapsed >= PROGRESS_INTERVAL_S:
            self._write()

    def finish(self) -> None:
        self._write()

    def _write(self) -> None:
        with transaction.atomic():
            SyncRunResult.objects.bulk_create(self.pending)
            self.run.heartbeat_at = timezone.now()
            self.run.save(update_fields=["done", "total", "heartbeat_at"])
        self.pending = []
        self.last_write = time.monotonic()


def apply_plan(run: SyncRun, gateway: KubeGateway) -> dict[str, Any]:
    """Plan the run's cluster afresh, apply it, and return the summary: the plan's line and
    how many objects ended in each outcome."""
    plan = plan_cluster(run.cluster, gateway)
    run.results.all().delete()  # a retried attempt starts its record again
    steps = ordered_steps(plan)
    progress = RunProgress(run, total=len(steps))
    for change in steps:
        outcome, message = apply_change(gateway, change)
        progress.record(change, outcome, message)
    progress.finish()
    mark_applied(run, progress.live)
    return {"plan": plan.summary, "outcomes": dict(progress.outcomes)}


def ordered_steps(plan: ClusterPlan) -> list[Change]:
    """The changes to act on (not unmanaged objects), in the order they must run."""
    upserts = [
        change
        for change in plan.changes
        if change.action not in (ChangeAction.DELETE, ChangeAction.UNMANAGED)
    ]
    deletes = [change for change in plan.changes if change.action == ChangeAction.DELETE]
    upserts.sort(key=lambda change: UPSERT_ORDER[change.kind])
    deletes.sort(key=lambda change: DELETE_ORDER[change.kind])
    return upserts + deletes


def apply_change(gateway: KubeGateway, change: Change) -> tuple[str, str]:
    """Act on one change: its outcome and message (the cluster's text, or why it was
    skipped). ClusterUnreachable is raised: the whole attempt is retried."""
    if change.action == ChangeAction.UNCHANGED:
        return SyncOutcomeChoices.UNCHANGED, ""
    if change.action in (ChangeAction.REPLACE, ChangeAction.MISSING) or change.blocked:
        return SyncOutcomeChoices.SKIPPED, change.reason
    try:
        return _write(gateway, change)
    except ClusterUnreachable:
        raise
    except KubeError as error:
        return _refusal(error), str(error)


def _write(gateway: KubeGateway, change: Change) -> tuple[str, str]:
    if change.kind == NODE_KIND:
        gateway.patch_node_labels(change.name, dict(change.desired or {}))
        return SyncOutcomeChoices.UPDATED, ""
    if change.action == ChangeAction.DELETE:
        try:
            gateway.delete(change.kind, change.name)
        except ObjectNotFound:
            return SyncOutcomeChoices.DELETED, "already gone"
        return SyncOutcomeChoices.DELETED, ""
    _, changed = gateway.apply(dict(change.desired or {}), live_version=change.live_version)
    if change.action == ChangeAction.CREATE:
        return SyncOutcomeChoices.CREATED, ""
    return (SyncOutcomeChoices.UPDATED if changed else SyncOutcomeChoices.UNCHANGED), ""


def _refusal(error: KubeError) -> str:
    return next(
        (outcome for cls, outcome in REFUSALS.items() if isinstance(error, cls)),
        SyncOutcomeChoices.FAILED,
    )


def mark_applied(run: SyncRun, live: dict[str, list[str]]) -> None:
    """Planned Networks and Subnets now live in the cluster are applied from now on: their
    immutable fields are Hybridnet's to guard (one update per kind)."""
    now = timezone.now()
    for kind, model in APPLIED_MODELS.items():
        if names := live.get(kind):
            model.objects.filter(
                cluster=run.cluster, name__in=names, applied_at__isnull=True
            ).update(applied_at=now)
