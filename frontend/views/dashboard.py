"""The home page: every cluster with its two badges (sync status, health), its open
conflicts and its last sync run; the spaces nearest to exhaustion; the recent sync runs."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import OuterRef, Subquery
from django.views.generic import TemplateView

from frontend.constants import DASHBOARD_FULLEST_SPACES, DASHBOARD_RECENT_RUNS
from planner.models import AddressPool, Cluster, NodeSegment, SyncRun
from planner.roles import OBSERVATION_PERMISSIONS
from planner.services.conflicts import cluster_conflicts
from planner.services.utilization import pool_usages, segment_usages
from planner.sync.drift import cluster_drift
from planner.sync.health import with_health


def fullest(spaces, measure) -> list[tuple[Any, Any]]:
    """(space, utilization) of the spaces most planned, fullest first: every space is
    measured in the same few queries."""
    spaces = list(spaces)
    usages = measure(spaces)
    ranked = sorted(spaces, key=lambda space: -usages[space.pk].utilization.percent_planned)
    return [(space, usages[space.pk].utilization) for space in ranked[:DASHBOARD_FULLEST_SPACES]]


def clusters_with_last_run():
    last = SyncRun.objects.filter(cluster=OuterRef("pk")).order_by("-created")
    return with_health(Cluster.objects.defer("credentials")).annotate(
        last_run_id=Subquery(last.values("pk")[:1]),
        last_run_action=Subquery(last.values("action")[:1]),
        last_run_state=Subquery(last.values("state")[:1]),
        last_run_at=Subquery(last.values("created")[:1]),
    )


def cluster_rows(clusters, observe: bool) -> list[tuple[Cluster, str | None, int | None]]:
    """(cluster, sync status, open conflicts) of each cluster: a few queries per cluster,
    as the API's drift and conflicts of each (dashboards list clusters by the handful).
    Without `observe` (the right to read what pulls observed) status and conflicts are None;
    conflicts are None too for a cluster never pulled (nothing observed to conflict).
    """
    rows = []
    for cluster in clusters:
        drift = cluster_drift(cluster) if observe else None
        conflicts = cluster_conflicts(cluster).conflicts if drift and drift.pulled_at else None
        rows.append(
            (
                cluster,
                drift.status if drift else None,
                None if conflicts is None else len(conflicts),
            )
        )
    return rows


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "frontend/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            **kwargs,
            clusters=cluster_rows(
                clusters_with_last_run(),
                self.request.user.has_perms(OBSERVATION_PERMISSIONS),
            ),
            segments=fullest(
                NodeSegment.objects.with_utilization_data().select_related("site"), segment_usages
            ),
            pools=fullest(AddressPool.objects.with_utilization_data(), pool_usages),
            runs=SyncRun.objects.select_related("cluster")[:DASHBOARD_RECENT_RUNS],
        )
