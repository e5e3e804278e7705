"""Operating a cluster from its page: test connection, plan, apply (after a confirmation
naming what will change), pull, adopt. Each starts a run in a worker through planner.tasks,
exactly as the API's ClusterViewSet.start does, and shows the run's page."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import DetailView, View

from frontend.links import object_url
from planner.choices import SyncActionChoices, SyncStateChoices
from planner.models import Cluster, SyncRun
from planner.roles import can_operate, model_permission
from planner.services.errors import PlanConflictError
from planner.tasks import start_run

# A plan run younger than this is shown as what an apply will change; an older one is only
# offered to be planned again.
RECENT_PLAN = timedelta(minutes=15)


class OperateClusterMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Signed in, and allowed to operate the cluster of the URL (403 otherwise)."""

    @cached_property
    def cluster(self) -> Cluster:
        return get_object_or_404(Cluster.objects.defer("credentials"), pk=self.kwargs["pk"])

    def test_func(self) -> bool:
        user = self.request.user
        return user.has_perm(model_permission(Cluster, "view")) and can_operate(user, self.cluster)


class ClusterRunStartView(OperateClusterMixin, View):
    """POST: queue a run of the URL's action and show it; a refusal (an apply or a pull of
    the cluster is under way) is shown on the cluster's page, naming the running run."""

    http_method_names = ["post"]

    def post(self, request, pk: int, action: str) -> HttpResponse:
        if action not in SyncActionChoices.values:
            raise Http404(f"no action {action}")
        cluster = self.cluster
        try:
            run = start_run(cluster, action, requested_by=request.user)
        except PlanConflictError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(object_url(cluster))
        messages.success(request, f"{run.get_action_display()} of {cluster} queued as run {run.pk}")
        return HttpResponseRedirect(object_url(run))


class ClusterApplyConfirmView(OperateClusterMixin, DetailView):
    """What an apply will change: the last plan run's changes if it is recent, with a way
    to plan again; the apply itself is a POST to ClusterRunStartView."""

    template_name = "frontend/cluster_apply.html"
    context_object_name = "cluster"

    def get_object(self, queryset=None) -> Cluster:
        return self.cluster

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        last_plan = (
            SyncRun.objects.filter(
                cluster=self.object,
                action=SyncActionChoices.PLAN,
                state=SyncStateChoices.SUCCEEDED,
                finished_at__gte=timezone.now() - RECENT_PLAN,
            )
            .order_by("-finished_at")
            .first()
        )
        return super().get_context_data(
            **kwargs, plan_run=last_plan, recent_minutes=int(RECENT_PLAN.total_seconds() // 60)
        )
