"""Who holds an address, across every cluster, and what the plan says of it; which
addresses a pod holds; what is named like a text. The answers of /api/lookup/ and of the
browser UI's search. Each address part is an index lookup of the address's key: no range is
ever listed address by address."""

import json
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from ipam.addresses import Address
from planner.addressing import address_key
from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    ObservedIPInstance,
    ObservedNode,
    Reservation,
    Site,
    Subnet,
)
from planner.querysets import cidrs_reaching

# A pod name can be shared by pods of many namespaces and clusters: this many are shown.
MAX_HOLDERS_LISTED = 100


@dataclass
class Lookup:
    """What one lookup found. For a pod name only `ipinstances` is filled."""

    query: str
    address: str | None = None
    ipinstances: list[ObservedIPInstance] = field(default_factory=list)
    # The slice or block whose start..end holds the address (windows never overlap).
    subnet: Subnet | None = None
    segment: NodeSegment | None = None
    pool: AddressPool | None = None
    node: Node | None = None
    observed_nodes: list[ObservedNode] = field(default_factory=list)
    # "segment NAME" or "subnet CLUSTER/NAME" for each whose gateway it is.
    gateway_of: list[str] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    # Whether the subnet lists it in its excludeIPs or reservedIPs.
    excluded: bool = False
    reserved: bool = False


def holders(**where) -> list[ObservedIPInstance]:
    rows = ObservedIPInstance.objects.filter(**where).select_related("cluster")
    return list(rows.order_by("cluster__name", "namespace", "name")[:MAX_HOLDERS_LISTED])


def lookup_pod(name: str) -> Lookup:
    """The IPInstances of every pod of that name, in any namespace and cluster."""
    return Lookup(query=name, ipinstances=holders(pod_name=name))


def lookup_address(address: Address) -> Lookup:
    key = address_key(address.family, address.value)
    found = Lookup(query=address.text, address=address.text, ipinstances=holders(ip_key=key))
    found.subnet = (
        Subnet.objects.windows_overlapping(address.family, key, key)
        .select_related("cluster", "network", "segment", "pool")
        .first()
    )
    if found.subnet is not None:
        found.excluded = address.text in found.subnet.exclude_ips
        found.reserved = address.text in found.subnet.reserved_ips
    found.segment = NodeSegment.objects.first_overlapping(address.family, key, key)
    found.pool = AddressPool.objects.first_overlapping(address.family, key, key)
    if found.segment is not None:
        found.node = Node.objects.filter(segment=found.segment, ip_key=key).first()
        if found.segment.gateway == address.text:
            found.gateway_of.append(f"segment {found.segment.name}")
    # The address as one quoted element of the JSON list: a match on the list's text, which
    # SQLite can do too (it has no JSON containment), and never a prefix of a longer address.
    found.observed_nodes = list(
        ObservedNode.objects.filter(
            internal_ips__icontains=json.dumps(address.text)
        ).select_related("cluster")
    )
    # A slice's gateway is its segment's, said above; other Subnets' are their own.
    found.gateway_of += [
        f"subnet {subnet}"
        for subnet in Subnet.objects.filter(
            cidrs_reaching(address.family, key) | Q(family=address.family, first_key=key),
            gateway=address.text,
            segment__isnull=True,
        ).select_related("cluster")
    ]
    spaces = [
        Q(**{name: space})
        for name, space in [("segment", found.segment), ("pool", found.pool)]
        if space
    ]
    if spaces:
        found.reservations = list(
            Reservation.objects.filter(reduce(or_, spaces), start_key__lte=key, end_key__gte=key)
        )
    return found


# What a name search looks through, in the order it shows them.
NAMED_MODELS = (Site, NodeSegment, AddressPool, Node, Cluster, Network, Subnet)
NAMED_RELATIONS = {
    Node: ("segment", "cluster"),
    Network: ("cluster",),
    Subnet: ("cluster",),
    NodeSegment: ("site",),
}


def lookup_name(text: str, limit: int) -> dict[type, list]:
    """Per model, the first `limit` objects whose name contains `text`, by name."""
    found = {}
    for model in NAMED_MODELS:
        rows = model.objects.filter(name__icontains=text).order_by("name")
        if model is Cluster:
            rows = rows.defer("credentials")
        rows = rows.select_related(*NAMED_RELATIONS.get(model, ()))
        found[model] = list(rows[:limit])
    return found
