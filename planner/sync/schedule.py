"""Scheduled sync: which clusters are due. Beat's tick (planner.tasks.queue_due_syncs) asks
every SYNC_SCHEDULE_TICK_S and queues one sync per due cluster, so an unreachable cluster
only delays its own run."""

from datetime import datetime, timedelta

from django.db.models import Exists, Max, OuterRef, Q

from planner.choices import SyncActionChoices
from planner.models import Cluster, SyncRun
from planner.sync.runs import ACTIVE_STATES


def due_clusters(now: datetime) -> list[Cluster]:
    """Clusters with scheduled sync on and credentials stored, whose last pull was created at
    least their interval ago (or never), and that have no pull queued or running. One query."""
    pulls = Q(sync_runs__action=SyncActionChoices.PULL)
    active_pull = SyncRun.objects.filter(
        cluster=OuterRef("pk"), action=SyncActionChoices.PULL, state__in=ACTIVE_STATES
    )
    clusters = (
        Cluster.objects.filter(sync_enabled=True)
        .exclude(credentials="")
        .defer("credentials")
        .annotate(last_pull=Max("sync_runs__created", filter=pulls), pulling=Exists(active_pull))
        .filter(pulling=False)
    )
    return [
        cluster
        for cluster in clusters
        if cluster.last_pull is None
        or cluster.last_pull + timedelta(seconds=cluster.sync_interval_seconds) <= now
    ]
