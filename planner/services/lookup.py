"""Who holds an address, and what is named like a text: the answers of the global search.

An address is looked up with bounded index reads: windows of Subnets never overlap, nor do
segments and pools, so each is the one starting highest at or below the address."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from ipam.addresses import Address
from planner.addressing import address_key
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
)
from planner.querysets import WINDOW_FIELDS


@dataclass
class AddressLookup:
    """Everything that contains or holds one address, across every cluster."""

    address: Address
    subnet: Subnet | None = None
    segment: NodeSegment | None = None
    pool: AddressPool | None = None
    is_gateway: bool = False
    nodes: list[Node] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    ip_instances: list[ObservedIPInstance] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return any((self.subnet, self.segment, self.pool, self.ip_instances))


def _holding(rows: QuerySet, family: int, key: bytes, fields: tuple[str, str]):
    """The one row of `rows` (ranges that never overlap) whose range holds `key`."""
    return rows.first_overlapping(family, key, key, fields)


def lookup_address(address: Address) -> AddressLookup:
    key = address_key(address.family, address.value)
    found = AddressLookup(address)
    found.subnet = _holding(
        Subnet.objects.select_related("cluster", "network", "segment", "pool"),
        address.family,
        key,
        WINDOW_FIELDS,
    )
    ranges = ("first_key", "last_key")
    found.segment = _holding(NodeSegment.objects.all(), address.family, key, ranges)
    found.pool = _holding(AddressPool.objects.all(), address.family, key, ranges)
    space = found.segment or found.pool
    if space is not None:
        found.reservations = list(
            space.reservations.filter(start_key__lte=key, end_key__gte=key).order_by("start_key")
        )
    if found.segment is not None:
        found.is_gateway = found.segment.gateway == address.text
        found.nodes = list(found.segment.nodes.filter(ip_key=key).select_related("cluster"))
    found.ip_instances = list(
        ObservedIPInstance.objects.filter(ip_key=key).select_related("cluster").order_by("cluster")
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
