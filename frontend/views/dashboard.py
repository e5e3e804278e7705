"""The home page: every cluster with its two badges (sync status, health), its open
conflicts and its last sync run; the spaces nearest to exhaustion; the recent sync runs.

A cluster's sync status and conflicts compare its whole plan with what its last pull saw, so
each row asks for its own (htmx, DashboardClusterView) once the page is shown: the page
costs the same however many clusters there are and however large."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import OuterRef, Subquery
from django.views.generic import DetailView, TemplateView

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


def cluster_status(cluster: Cluster, observe: bool) -> tuple[str | None, int | None]:
    """(sync status, open conflicts) of `cluster`, as the API's drift and conflicts of it.
    Without `observe` (the right to read what pulls observed) both are None; conflicts are
    None too for a cluster never pulled (nothing observed to conflict)."""
    drift = cluster_drift(cluster) if observe else None
    conflicts = cluster_conflicts(cluster).conflicts if drift and drift.pulled_at else None
    return (drift.status if drift else None, None if conflicts is None else len(conflicts))


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "frontend/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            **kwargs,
            clusters=clusters_with_last_run(),
            segments=fullest(
                NodeSegment.objects.with_utilization_data().select_related("site"), segment_usages
            ),
            pools=fullest(AddressPool.objects.with_utilization_data(), pool_usages),
            runs=SyncRun.objects.select_related("cluster")[:DASHBOARD_RECENT_RUNS],
        )


class DashboardClusterView(LoginRequiredMixin, DetailView):
    """One cluster's row of the dashboard, with its sync status and open conflicts."""

    template_name = "frontend/dashboard_cluster.html"
    context_object_name = "cluster"

    def get_queryset(self):
        return clusters_with_last_run()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        observe = self.request.user.has_perms(OBSERVATION_PERMISSIONS)
        status, conflicts = cluster_status(self.object, observe)
        return super().get_context_data(**kwargs, status=status, conflicts=conflicts)
