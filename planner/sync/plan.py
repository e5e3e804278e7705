"""The plan of one cluster: its planned objects against what the cluster holds now, read
through the gateway, as a list of changes that reads like `terraform plan`.

The comparison is client-side (planner.sync.diff) and never a server-side dry run per
object: a dry run costs one request per changed object, which a plan of 500 new Subnets could
not afford within its second. Conflicts and denials show in the apply's results instead.
"""

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ipam.addresses import try_parse_ip
from ipam.spec import IPInstanceSpec
from planner.kube.gateway import KubeGateway
from planner.models import Cluster
from planner.services.manifests import cluster_manifests
from planner.sync.diff import Change, ChangeAction, diff_cluster, subnets_to_delete

# The sign of each action in the text, as terraform writes them; "!" a delete that cannot run.
SIGNS = {
    ChangeAction.CREATE: "+",
    ChangeAction.UPDATE: "~",
    ChangeAction.REPLACE: "-/+",
    ChangeAction.DELETE: "-",
    ChangeAction.MISSING: "?",
    ChangeAction.UNMANAGED: ".",
}
BLOCKED_SIGN = "!"
SIGN_WIDTH = 3


@dataclass(frozen=True)
class ClusterPlan:
    cluster: str
    changes: list[Change]

    def counts(self) -> Counter:
        return Counter(
            "blocked" if change.blocked else str(change.action) for change in self.changes
        )

    @property
    def in_sync(self) -> bool:
        """Nothing to create, update, replace or delete (unmanaged objects are not ours)."""
        return not any(
            change.action not in (ChangeAction.UNCHANGED, ChangeAction.UNMANAGED)
            for change in self.changes
        )

    @property
    def summary(self) -> str:
        counts = self.counts()
        line = (
            f"{counts[ChangeAction.CREATE]} to create, {counts[ChangeAction.UPDATE]} to update, "
            f"{counts[ChangeAction.REPLACE]} to replace, {counts[ChangeAction.DELETE]} to delete, "
            f"{counts['blocked']} blocked"
        )
        if counts[ChangeAction.MISSING]:
            line += f", {counts[ChangeAction.MISSING]} planned node(s) missing"
        if counts[ChangeAction.UNMANAGED]:
            line += f", {counts[ChangeAction.UNMANAGED]} unmanaged"
        return line

    def render(self) -> str:
        """Each change with its fields before and after, then the summary line."""
        lines = []
        for change in self.changes:
            if change.action == ChangeAction.UNCHANGED:
                continue
            sign = BLOCKED_SIGN if change.blocked else SIGNS[change.action]
            head = f"{sign:>{SIGN_WIDTH}} {change.kind} {change.name}"
            lines.append(f"{head}: {change.reason}" if change.reason else head)
            for field in change.fields:
                before = "(none)" if field.before is None else json.dumps(field.before)
                after = "(none)" if field.after is None else json.dumps(field.after)
                lines.append(f"{'':>{SIGN_WIDTH}}     {field.path}: {before} -> {after}")
        lines.append(f"Plan for {self.cluster}: {self.summary}.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """What a plan run records: the summary, the counts, and every change but the
        unchanged objects (counted only)."""
        return {
            "summary": self.summary,
            "in_sync": self.in_sync,
            "counts": dict(self.counts()),
            "changes": [
                change.as_dict()
                for change in self.changes
                if change.action != ChangeAction.UNCHANGED
            ],
            "text": self.render(),
        }


def plan_cluster(cluster: Cluster, gateway: KubeGateway) -> ClusterPlan:
    """The changes that make `cluster`'s live objects match its plan."""
    manifests = cluster_manifests(cluster)
    live_networks = gateway.list_networks()
    live_subnets = gateway.list_subnets()
    live_nodes = gateway.list_nodes() if manifests.node_labels else []
    ips_by_subnet = {
        name: sorted(
            (IPInstanceSpec.from_k8s(obj).address for obj in gateway.subnet_ipinstances(name)),
            key=_address_order,
        )
        for name in subnets_to_delete(manifests.objects, live_subnets)
    }
    changes = diff_cluster(
        manifests.objects,
        manifests.node_labels,
        live_networks,
        live_subnets,
        live_nodes,
        {name: ips for name, ips in ips_by_subnet.items() if ips},
    )
    return ClusterPlan(cluster=cluster.name, changes=changes)


def _address_order(text: str) -> tuple:
    """Lowest address first (as text, "10.0.0.10" would come before "10.0.0.9"); what does
    not parse, last."""
    address = try_parse_ip(text)
    return (0, address.family, address.value) if address else (1, 0, 0)
