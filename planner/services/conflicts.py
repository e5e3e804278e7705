"""Conflicts between what a pull observed in a cluster and what the plan says.

An IPInstance on an address the plan keeps from pods (a gateway, a node's address, an
infrastructure reservation, an excludeIP) or reserves for another pod; an IPInstance outside
its Subnet's planned start..end, or in a Subnet the plan does not know; a Node whose address
or labels are not the planned ones. Read from stored rows only, in a fixed number of queries
whatever the number of IPInstances: addresses are compared as ranges of keys in the
database, never listed one by one.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from ipam.intervals import IntervalSet
from planner.addressing import address_key, key_to_text, key_value, parse_address
from planner.choices import ConflictKindChoices, ReservationKindChoices
from planner.models import Cluster, Node, NodeSegment, ObservedIPInstance, Reservation, Subnet

# The most IPInstances listed per kind of conflict; a cluster pulled before anything was
# planned for it would otherwise list every one of them.
MAX_CONFLICTS_LISTED = 1000
IPINSTANCE = "IPInstance"
NODE = "Node"


@dataclass(frozen=True)
class Conflict:
    kind: str
    object_kind: str
    name: str
    message: str
    namespace: str = ""
    address: str = ""
    subnet: str = ""
    count: int = 1


@dataclass(frozen=True)
class PlannedAddresses:
    """Addresses the plan keeps from pods: [first, last] of one family, what they are, and
    for a pod reservation the pod it names (its note: "pod" or "namespace/pod")."""

    family: int
    first: int
    last: int
    what: str
    pod: str = ""

    def reserved_for_another(self, ipinstance: ObservedIPInstance) -> bool:
        return bool(self.pod) and self.pod not in (
            ipinstance.pod_name,
            f"{ipinstance.namespace}/{ipinstance.pod_name}",
        )


@dataclass(frozen=True)
class ClusterConflicts:
    conflicts: list[Conflict]
    # Whether a kind had more conflicts than MAX_CONFLICTS_LISTED.
    truncated: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": len(self.conflicts),
            "truncated": self.truncated,
            "conflicts": [asdict(conflict) for conflict in self.conflicts],
        }


def cluster_conflicts(cluster: Cluster) -> ClusterConflicts:
    """Every conflict between the cluster's last pull and its plan."""
    listed = observed_ip_conflicts(cluster, cluster.ip_instances.all())
    return ClusterConflicts(
        [*in_unknown_subnets(cluster), *listed.conflicts, *node_conflicts(cluster)],
        truncated=listed.truncated,
    )


def subnet_conflicts(subnet: Subnet) -> ClusterConflicts:
    """The conflicts of the IPInstances the cluster's last pull saw in `subnet`."""
    cluster = subnet.cluster
    return observed_ip_conflicts(cluster, cluster.ip_instances.filter(subnet_name=subnet.name))


def observed_ip_conflicts(
    cluster: Cluster, ipinstances: QuerySet[ObservedIPInstance]
) -> ClusterConflicts:
    """The IPInstances of `ipinstances` on an address the cluster's plan keeps from pods, or
    outside their Subnet's planned range: at most MAX_CONFLICTS_LISTED of each kind."""
    subnets = list(
        cluster.subnets.order_by("name").values(
            "name", "gateway", "exclude_ips", "segment_id", "pool_id"
        )
    )
    # Each list is read with one more than the limit, to tell whether it was cut.
    listed = [
        on_kept_addresses(ipinstances, kept_addresses(subnets)),
        outside_their_subnet(ipinstances),
    ]
    return ClusterConflicts(
        [conflict for part in listed for conflict in part[:MAX_CONFLICTS_LISTED]],
        truncated=any(len(part) > MAX_CONFLICTS_LISTED for part in listed),
    )


def kept_addresses(subnets: list[dict]) -> list[PlannedAddresses]:
    """What the cluster's Subnets and the segments and pools they come from keep from pods:
    three queries (segments' gateways, their nodes, the spaces' reservations)."""
    kept = []
    for subnet in subnets:
        listed = [(subnet["gateway"], "the gateway")] if subnet["gateway"] else []
        listed += [(text, "in the excludeIPs") for text in subnet["exclude_ips"]]
        for text, what in listed:
            address = parse_address(text)
            kept.append(
                PlannedAddresses(
                    address.family,
                    address.value,
                    address.value,
                    f"{what} of subnet {subnet['name']}",
                )
            )
    segment_ids = {subnet["segment_id"] for subnet in subnets} - {None}
    pool_ids = {subnet["pool_id"] for subnet in subnets} - {None}
    for segment in NodeSegment.objects.filter(pk__in=segment_ids).exclude(gateway=""):
        address = parse_address(segment.gateway)
        kept.append(
            PlannedAddresses(
                address.family,
                address.value,
                address.value,
                f"the gateway of segment {segment.name}",
            )
        )
    for name, key in Node.objects.filter(segment_id__in=segment_ids).values_list("name", "ip_key"):
        value = key_value(key)
        kept.append(PlannedAddresses(key[0], value, value, f"the address of node {name}"))
    reservations = Reservation.objects.filter(
        Q(segment_id__in=segment_ids) | Q(pool_id__in=pool_ids)
    )
    for reservation in reservations:
        pod = reservation.kind == ReservationKindChoices.POD
        kept.append(
            PlannedAddresses(
                reservation.start_key[0],
                key_value(reservation.start_key),
                key_value(reservation.end_key),
                f"reserved for {reservation.note or 'a pod'}"
                if pod
                else f"an infrastructure reservation ({reservation})",
                pod=reservation.note if pod else "",
            )
        )
    return kept


def on_kept_addresses(
    ipinstances: QuerySet[ObservedIPInstance], kept: list[PlannedAddresses]
) -> list[Conflict]:
    """IPInstances of `ipinstances` on an address the plan keeps from pods (or reserves for
    another pod): one query over the merged ranges, then each found address told what holds
    it."""
    by_family: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for entry in kept:
        by_family[entry.family].append((entry.first, entry.last))
    ranges = [
        Q(ip_key__gte=address_key(family, first), ip_key__lte=address_key(family, last))
        for family, spans in by_family.items()
        for first, last in IntervalSet(spans)
    ]
    if not ranges:
        return []
    found = ipinstances.filter(reduce(or_, ranges)).order_by("ip_key")
    conflicts = []
    for ipinstance in found[: MAX_CONFLICTS_LISTED + 1]:
        family, value = ipinstance.ip_key[0], key_value(ipinstance.ip_key)
        holders = [
            entry for entry in kept if entry.family == family and entry.first <= value <= entry.last
        ]
        excluded = [entry.what for entry in holders if not entry.pod]
        reserved = [entry.what for entry in holders if entry.reserved_for_another(ipinstance)]
        if excluded or reserved:
            kind = ConflictKindChoices.EXCLUDED if excluded else ConflictKindChoices.RESERVED
            what = ", ".join(dict.fromkeys(excluded or reserved))
            conflicts.append(ipinstance_conflict(ipinstance, kind, f"{ipinstance.ip} is {what}"))
    return conflicts


def outside_their_subnet(ipinstances: QuerySet[ObservedIPInstance]) -> list[Conflict]:
    """IPInstances of `ipinstances` whose address lies outside the planned start..end of
    their Subnet (or in another family): one query, the Subnet's window joined by name."""
    planned = Subnet.objects.filter(cluster_id=OuterRef("cluster_id"), name=OuterRef("subnet_name"))
    found = (
        ipinstances.annotate(
            window_first=Subquery(planned.values("window_first_key")[:1]),
            window_last=Subquery(planned.values("window_last_key")[:1]),
        )
        .filter(Q(ip_key__lt=F("window_first")) | Q(ip_key__gt=F("window_last")))
        .order_by("ip_key")
    )
    return [
        ipinstance_conflict(
            ipinstance,
            ConflictKindChoices.OUTSIDE_SUBNET,
            f"{ipinstance.ip} is outside the planned range of subnet {ipinstance.subnet_name} "
            f"({key_to_text(ipinstance.window_first)}-{key_to_text(ipinstance.window_last)})",
        )
        for ipinstance in found[: MAX_CONFLICTS_LISTED + 1]
    ]


def in_unknown_subnets(cluster: Cluster) -> list[Conflict]:
    """IPInstances in Subnets the plan does not have: one conflict per such Subnet, with how
    many IPInstances it holds (one grouped query)."""
    unknown = (
        cluster.ip_instances.exclude(subnet_name__in=cluster.subnets.values("name"))
        .values("subnet_name")
        .annotate(count=Count("pk"))
        .order_by("subnet_name")
    )
    return [
        Conflict(
            kind=ConflictKindChoices.UNKNOWN_SUBNET,
            object_kind="Subnet",
            name=row["subnet_name"],
            subnet=row["subnet_name"],
            count=row["count"],
            message=f"{row['count']} IPInstance(s) in subnet {row['subnet_name']}, "
            "which the plan does not have",
        )
        for row in unknown
    ]


def node_conflicts(cluster: Cluster) -> list[Conflict]:
    """Nodes of the cluster, as pulled, whose InternalIP or labels are not the planned ones."""
    observed = {node.name: node for node in cluster.observed_nodes.all()}
    conflicts = []
    for node in cluster.nodes.order_by("name"):
        live = observed.get(node.name)
        if live is None:
            continue
        if node.ip not in live.internal_ips:
            shown = ", ".join(live.internal_ips) or "none"
            conflicts.append(
                Conflict(
                    kind=ConflictKindChoices.NODE_ADDRESS,
                    object_kind=NODE,
                    name=node.name,
                    address=node.ip,
                    message=f"node {node.name} is planned at {node.ip}; its InternalIP is {shown}",
                )
            )
        differing = label_differences(node.labels, live.labels)
        if differing:
            conflicts.append(
                Conflict(
                    kind=ConflictKindChoices.NODE_LABELS,
                    object_kind=NODE,
                    name=node.name,
                    address=node.ip,
                    message=f"node {node.name} lacks the planned labels {', '.join(differing)}",
                )
            )
    return conflicts


def label_differences(planned: dict[str, str], live: dict[str, str]) -> list[str]:
    """The planned labels the live node lacks or holds with another value, as key=value."""
    return [f"{key}={value}" for key, value in sorted(planned.items()) if live.get(key) != value]


def ipinstance_conflict(ipinstance: ObservedIPInstance, kind: str, message: str) -> Conflict:
    return Conflict(
        kind=kind,
        object_kind=IPINSTANCE,
        namespace=ipinstance.namespace,
        name=ipinstance.name,
        address=ipinstance.ip,
        subnet=ipinstance.subnet_name,
        message=message,
    )
