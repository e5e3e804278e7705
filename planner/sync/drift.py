"""Drift: the cluster's plan against what its last pull saw, read from the observed state
(no request to the cluster). The same comparison as a plan (planner.sync.diff): live spec
unlike the plan, planned objects missing in the cluster, live objects the plan does not know.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ipam.constants import Kind
from planner.choices import SyncActionChoices, SyncStateChoices, SyncStatusChoices
from planner.models import Cluster, ObservedIPInstance, Subnet, SyncRun
from planner.services.manifests import cluster_manifests, subnet_manifest
from planner.sync.diff import ClusterPlan, diff_cluster, subnets_to_delete


@dataclass(frozen=True)
class ClusterDrift:
    cluster: str
    # When the pull that saw the cluster ended; None: never pulled.
    pulled_at: datetime | None
    plan: ClusterPlan | None

    @property
    def status(self) -> str:
        """Argo CD's sync status: Synced, OutOfSync, or Unknown before the first pull."""
        if self.plan is None:
            return SyncStatusChoices.UNKNOWN
        return SyncStatusChoices.SYNCED if self.plan.in_sync else SyncStatusChoices.OUT_OF_SYNC

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "status": self.status,
            "pulled_at": self.pulled_at,
            **(self.plan.as_dict() if self.plan else {}),
        }


def cluster_drift(cluster: Cluster) -> ClusterDrift:
    """The drift of `cluster` as of its last successful pull. Five queries."""
    last_pull = _last_pull(cluster)
    if last_pull is None:
        return ClusterDrift(cluster.name, None, None)
    manifests = cluster_manifests(cluster)
    networks = [
        _as_live(Kind.NETWORK, row.name, row.labels, row.spec)
        for row in cluster.observed_networks.all()
    ]
    subnets = [
        _as_live(Kind.SUBNET, row.name, row.labels, row.spec)
        for row in cluster.observed_subnets.all()
    ]
    nodes = [_as_live(Kind.NODE, row.name, row.labels) for row in cluster.observed_nodes.all()]
    changes = diff_cluster(
        manifests.objects,
        manifests.node_labels,
        networks,
        subnets,
        nodes,
        _ips_by_subnet(cluster, subnets_to_delete(manifests.objects, subnets)),
    )
    return ClusterDrift(cluster.name, last_pull, ClusterPlan(cluster=cluster.name, changes=changes))


def subnet_drift(subnet: Subnet) -> ClusterDrift:
    """The drift of one Subnet as of its cluster's last successful pull: its CR against the
    observed Subnet of its name only, not the whole cluster. Two queries."""
    cluster = subnet.cluster
    last_pull = _last_pull(cluster)
    if last_pull is None:
        return ClusterDrift(cluster.name, None, None)
    live = [
        _as_live(Kind.SUBNET, row.name, row.labels, row.spec)
        for row in cluster.observed_subnets.filter(name=subnet.name)
    ]
    changes = diff_cluster([subnet_manifest(subnet)], {}, [], live, [], {})
    return ClusterDrift(cluster.name, last_pull, ClusterPlan(cluster=cluster.name, changes=changes))


def _last_pull(cluster: Cluster) -> datetime | None:
    """When the cluster's last successful pull ended."""
    return (
        SyncRun.objects.filter(
            cluster=cluster, action=SyncActionChoices.PULL, state=SyncStateChoices.SUCCEEDED
        )
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )


def _as_live(kind: str, name: str, labels: dict, spec: dict | None = None) -> dict[str, Any]:
    """An observed row in the form the apiserver returned it (the parts the diff reads)."""
    obj: dict[str, Any] = {"kind": kind, "metadata": {"name": name, "labels": labels}}
    if spec is not None:
        obj["spec"] = spec
    return obj


def _ips_by_subnet(cluster: Cluster, names: list[str]) -> dict[str, list[str]]:
    """The observed IPs on each of the Subnets `names`, in address order."""
    ips: dict[str, list[str]] = {}
    if names:
        rows = ObservedIPInstance.objects.filter(cluster=cluster, subnet_name__in=names)
        for subnet, ip in rows.order_by("ip_key").values_list("subnet_name", "ip"):
            ips.setdefault(subnet, []).append(ip)
    return ips
