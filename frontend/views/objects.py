"""The pages of each planner model: list, object page, create/edit, delete."""

from typing import Any

from django_tables2 import RequestConfig

from frontend import forms, tables
from frontend.constants import RELATED_ROWS_PER_PAGE
from frontend.ipmap import pool_map, segment_map
from frontend.links import object_urls
from frontend.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from planner.api import filtersets
from planner.choices import SyncActionChoices
from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    ObservedIPInstance,
    Reservation,
    Site,
    Subnet,
    SyncRun,
)
from planner.models.sync import ACTIVE_STATES
from planner.roles import OBSERVATION_PERMISSIONS, can_operate
from planner.services.conflicts import cluster_conflicts, subnet_conflicts
from planner.services.drift import missing_exclusions
from planner.services.manifests import node_labels, subnet_manifest, to_yaml
from planner.services.networks import delete_network
from planner.services.subnets import delete_subnet
from planner.services.utilization import pool_usages, segment_usages, subnet_observed
from planner.sync.drift import ClusterDrift, cluster_drift, subnet_drift
from planner.sync.health import with_health


def related_table(request, table_class, data, prefix: str):
    """A table of related rows on an object page: its own sort and page parameters."""
    table = table_class(data, prefix=f"{prefix}-")
    return RequestConfig(request, paginate={"per_page": RELATED_ROWS_PER_PAGE}).configure(table)


# -- sites -----------------------------------------------------------------------------------


class SiteListView(ObjectListView):
    model = Site
    queryset = Site.objects.all()
    table_class = tables.SiteTable
    filterset_class = filtersets.SiteFilterSet


class SiteView(ObjectDetailView):
    model = Site
    template_name = "frontend/site.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        site = self.object
        segments = NodeSegment.objects.with_utilization_data().filter(site=site)
        pools = AddressPool.objects.with_utilization_data().filter(site=site)
        return super().get_context_data(
            **kwargs,
            segments=related_table(self.request, tables.NodeSegmentTable, segments, "segments"),
            pools=related_table(self.request, tables.AddressPoolTable, pools, "pools"),
            clusters=related_table(
                self.request, tables.ClusterTable, site.clusters.all(), "clusters"
            ),
        )


class SiteEditView(ObjectEditView):
    model = Site
    form_class = forms.SiteForm


class SiteDeleteView(ObjectDeleteView):
    model = Site


# -- node segments ---------------------------------------------------------------------------


class NodeSegmentListView(ObjectListView):
    model = NodeSegment
    queryset = NodeSegment.objects.with_utilization_data().select_related("site")
    table_class = tables.NodeSegmentTable
    filterset_class = filtersets.NodeSegmentFilterSet


class NodeSegmentView(ObjectDetailView):
    model = NodeSegment
    queryset = NodeSegment.objects.with_utilization_data().select_related("site")
    template_name = "frontend/nodesegment.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        segment = self.object
        slices = Subnet.objects.filter(segment=segment).select_related(
            "cluster", "network__cluster", "segment", "pool"
        )
        nodes = Node.objects.filter(segment=segment).select_related("segment", "cluster")
        return super().get_context_data(
            **kwargs,
            usage=segment_usages([segment])[segment.pk],
            ipmap=segment_map(segment, object_urls(Subnet)),
            slices=related_table(self.request, tables.SubnetTable, slices, "slices"),
            nodes=related_table(self.request, tables.NodeTable, nodes, "nodes"),
            reservations=related_table(
                self.request,
                tables.ReservationTable,
                segment.reservations.select_related("segment", "pool"),
                "reservations",
            ),
        )


class NodeSegmentEditView(ObjectEditView):
    model = NodeSegment
    form_class = forms.NodeSegmentForm


class NodeSegmentDeleteView(ObjectDeleteView):
    model = NodeSegment


# -- address pools ---------------------------------------------------------------------------


class AddressPoolListView(ObjectListView):
    model = AddressPool
    queryset = AddressPool.objects.with_utilization_data().select_related("site")
    table_class = tables.AddressPoolTable
    filterset_class = filtersets.AddressPoolFilterSet


class AddressPoolView(ObjectDetailView):
    model = AddressPool
    queryset = AddressPool.objects.with_utilization_data().select_related("site")
    template_name = "frontend/addresspool.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pool = self.object
        blocks = Subnet.objects.filter(pool=pool).select_related(
            "cluster", "network__cluster", "segment", "pool"
        )
        return super().get_context_data(
            **kwargs,
            usage=pool_usages([pool])[pool.pk],
            ipmap=pool_map(pool, object_urls(Subnet)),
            blocks=related_table(self.request, tables.SubnetTable, blocks, "blocks"),
            reservations=related_table(
                self.request,
                tables.ReservationTable,
                pool.reservations.select_related("segment", "pool"),
                "reservations",
            ),
        )


class AddressPoolEditView(ObjectEditView):
    model = AddressPool
    form_class = forms.AddressPoolForm


class AddressPoolDeleteView(ObjectDeleteView):
    model = AddressPool


# -- nodes -----------------------------------------------------------------------------------


class NodeListView(ObjectListView):
    model = Node
    queryset = Node.objects.select_related("segment", "cluster")
    table_class = tables.NodeTable
    filterset_class = filtersets.NodeFilterSet


class NodeView(ObjectDetailView):
    model = Node
    queryset = Node.objects.select_related("segment__site", "cluster")
    template_name = "frontend/node.html"


class NodeEditView(ObjectEditView):
    model = Node
    form_class = forms.NodeForm


class NodeDeleteView(ObjectDeleteView):
    model = Node


# -- reservations ----------------------------------------------------------------------------


class ReservationListView(ObjectListView):
    model = Reservation
    queryset = Reservation.objects.select_related("segment", "pool")
    table_class = tables.ReservationTable
    filterset_class = filtersets.ReservationFilterSet


class ReservationView(ObjectDetailView):
    model = Reservation
    queryset = Reservation.objects.select_related("segment", "pool")
    template_name = "frontend/reservation.html"


class ReservationEditView(ObjectEditView):
    model = Reservation
    form_class = forms.ReservationForm


class ReservationDeleteView(ObjectDeleteView):
    model = Reservation


# -- clusters --------------------------------------------------------------------------------


class ClusterListView(ObjectListView):
    model = Cluster
    # A list never decrypts credentials.
    queryset = Cluster.objects.defer("credentials")
    table_class = tables.ClusterTable
    filterset_class = filtersets.ClusterFilterSet


# The buttons of the cluster page that start a run at once (apply asks to confirm first).
OPERATIONS = [
    (SyncActionChoices.TEST, "Test connection"),
    (SyncActionChoices.PLAN, "Plan"),
    (SyncActionChoices.PULL, "Pull now"),
    (SyncActionChoices.ADOPT, "Adopt"),
]


class ClusterView(ObjectDetailView):
    """The cluster's connection, its two badges (sync status and health), the buttons that
    operate it (for those who may), its drift and conflicts, its plan and its runs."""

    model = Cluster
    queryset = with_health(Cluster.objects.prefetch_related("sites"))
    template_name = "frontend/cluster.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        cluster = self.object
        subnets = cluster.subnets.select_related("cluster", "network__cluster", "segment", "pool")
        user = self.request.user
        # Drift and conflicts name observed pods: only for those who may read them.
        observe = user.has_perms(OBSERVATION_PERMISSIONS)
        drift = cluster_drift(cluster) if observe else None
        return super().get_context_data(
            **kwargs,
            can_operate=can_operate(user, cluster),
            operations=OPERATIONS,
            drift=drift,
            drift_summary=drift.plan.as_dict() if drift and drift.plan else None,
            # Never pulled: nothing observed, so no conflict to look for.
            conflicts=cluster_conflicts(cluster) if drift and drift.pulled_at else None,
            networks=related_table(
                self.request,
                tables.NetworkTable,
                cluster.networks.select_related("cluster"),
                "networks",
            ),
            subnets=related_table(self.request, tables.SubnetTable, subnets, "subnets"),
            runs=related_table(
                self.request,
                tables.SyncRunTable,
                cluster.sync_runs.select_related("cluster"),
                "runs",
            ),
        )


class ClusterEditView(ObjectEditView):
    model = Cluster
    form_class = forms.ClusterForm


class ClusterDeleteView(ObjectDeleteView):
    model = Cluster


# -- networks --------------------------------------------------------------------------------


class NetworkListView(ObjectListView):
    model = Network
    queryset = Network.objects.select_related("cluster")
    table_class = tables.NetworkTable
    filterset_class = filtersets.NetworkFilterSet


class NetworkView(ObjectDetailView):
    model = Network
    queryset = Network.objects.select_related("cluster")
    template_name = "frontend/network.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        subnets = self.object.subnets.select_related(
            "cluster", "network__cluster", "segment", "pool"
        )
        return super().get_context_data(
            **kwargs, subnets=related_table(self.request, tables.SubnetTable, subnets, "subnets")
        )


class NetworkEditView(ObjectEditView):
    model = Network
    form_class = forms.NetworkForm


class NetworkDeleteView(ObjectDeleteView):
    model = Network

    def delete_instance(self, instance: Network) -> None:
        delete_network(instance)


# -- subnets ---------------------------------------------------------------------------------


SUBNET_RELATIONS = ("cluster", "network__cluster", "segment", "pool")


class SubnetListView(ObjectListView):
    model = Subnet
    queryset = Subnet.objects.select_related(*SUBNET_RELATIONS)
    table_class = tables.SubnetTable
    filterset_class = filtersets.SubnetFilterSet
    filter_choices = {"network": Network.objects.select_related("cluster")}


class SubnetView(ObjectDetailView):
    """The Subnet as planned, its CR, planned against observed capacity, its IPInstances."""

    model = Subnet
    queryset = Subnet.objects.with_observed_status().select_related(*SUBNET_RELATIONS)
    template_name = "frontend/subnet.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        subnet = self.object
        labels = node_labels(subnet.cluster, [subnet.network])
        # As on its cluster's page: the live Subnet against the plan, and what the last pull
        # saw that contradicts it, for those who may read what pulls observe.
        drift = (
            subnet_drift(subnet) if self.request.user.has_perms(OBSERVATION_PERMISSIONS) else None
        )
        pulled = drift is not None and drift.pulled_at is not None
        instances = filtersets.ObservedIPInstanceFilterSet(
            self.request.GET,
            ObservedIPInstance.objects.filter(cluster=subnet.cluster, subnet_name=subnet.name),
        )
        return super().get_context_data(
            **kwargs,
            manifest=to_yaml([subnet_manifest(subnet)], labels),
            observed=subnet_observed(subnet),
            missing_exclude_ips=missing_exclusions(subnet),
            drift=drift,
            live_drift=drift_summary(drift) if pulled else None,
            conflicts=subnet_conflicts(subnet) if pulled else None,
            instance_filter=instances,
            instances=related_table(
                self.request,
                tables.ObservedIPInstanceTable,
                instances.qs if instances.is_valid() else ObservedIPInstance.objects.none(),
                "ips",
            ),
        )


def drift_summary(drift: ClusterDrift) -> dict[str, Any]:
    """A Subnet's drift in plan_diff.html's form, dated by the pull it compares with."""
    return {
        **drift.plan.as_dict(),
        "summary": f"{drift.status} as of the pull of {drift.pulled_at:%Y-%m-%d %H:%M} UTC",
    }


class SubnetEditView(ObjectEditView):
    model = Subnet
    form_class = forms.SubnetForm


class SubnetDeleteView(ObjectDeleteView):
    model = Subnet

    def delete_instance(self, instance: Subnet) -> None:
        delete_subnet(instance)


# -- sync runs -------------------------------------------------------------------------------


class SyncRunListView(ObjectListView):
    model = SyncRun
    read_only = True
    queryset = SyncRun.objects.select_related("cluster")
    table_class = tables.SyncRunTable
    filterset_class = filtersets.SyncRunFilterSet


class SyncRunView(ObjectDetailView):
    """A run's state, progress, error, plan and per-object results; htmx asks for the live
    part alone (it polls while the run is queued or running)."""

    model = SyncRun
    read_only = True
    queryset = SyncRun.objects.select_related("cluster")

    def get_template_names(self) -> list[str]:
        if self.request.htmx:
            return ["frontend/syncrun_live.html"]
        return ["frontend/syncrun.html"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        run = self.object
        return super().get_context_data(
            **kwargs,
            active=run.state in ACTIVE_STATES,
            results=related_table(
                self.request, tables.SyncRunResultTable, run.results.all(), "results"
            ),
        )
