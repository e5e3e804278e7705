"""A cluster's health as its runs tell it (Argo CD's second badge): whether the last run that
ended reached it, when it was last pulled, and the last error. Read for many clusters at
once in one query, as annotations."""

from django.db.models import F, OuterRef, QuerySet, Subquery

from planner.choices import SyncActionChoices, SyncStateChoices
from planner.models import Cluster, SyncRun

FINISHED_STATES = [SyncStateChoices.SUCCEEDED, SyncStateChoices.FAILED]


def with_health(clusters: QuerySet[Cluster]) -> QuerySet[Cluster]:
    """`clusters` annotated with `last_finished_state` (None: no run ever ended),
    `last_pulled_at` (the end of the last successful pull), and the last failed run's
    `last_error` and `last_error_run`."""
    runs = SyncRun.objects.filter(cluster=OuterRef("pk"))
    # Newest first; runs without an end time (failed before they started) come last.
    newest = (F("finished_at").desc(nulls_last=True), "-created")
    finished = runs.filter(state__in=FINISHED_STATES).order_by(*newest)
    pulls = runs.filter(action=SyncActionChoices.PULL, state=SyncStateChoices.SUCCEEDED)
    failed = runs.filter(state=SyncStateChoices.FAILED).order_by(*newest)
    return clusters.annotate(
        last_finished_state=Subquery(finished.values("state")[:1]),
        last_pulled_at=Subquery(pulls.order_by("-finished_at").values("finished_at")[:1]),
        last_error=Subquery(failed.values("error")[:1]),
        last_error_run=Subquery(failed.values("pk")[:1]),
    )
