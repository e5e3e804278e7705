"""Carving: underlay slices out of node segments, aligned blocks out of address pools.

Each carve runs in one transaction holding a row lock on its segment or pool, so carves of
different segments run in parallel and carves of one segment queue; on PostgreSQL an exclusion
constraint on the subnets' windows is the backstop. Free space is computed with interval
arithmetic from what is stored, never by listing addresses.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from ipam.addresses import int_to_text, parse_cidr
from ipam.allocatable import default_end, default_start
from ipam.blocks import largest_block
from ipam.constants import FAMILY_BITS, IPV6, MAX_SUBNET_CAPACITY
from ipam.intervals import IntervalSet
from planner.addressing import address_key, parse_address
from planner.choices import (
    NetworkModeChoices,
    NetworkTypeChoices,
    PoolPurposeChoices,
    ReservationKindChoices,
)
from planner.models import AddressPool, Network, NodeSegment, Subnet
from planner.services.errors import NoSpaceError, PlanConflictError, PlannerRejected
from planner.services.subnets import save_new_subnet

# S-10: the smallest subnets IPAM allocates from; S-9: the largest whose default start..end
# stays within 65536 addresses (a /16 holds 65534, a /112 65535).
SMALLEST_BLOCK_PREFIX = {4: 30, 6: 126}
LARGEST_BLOCK_PREFIX = {4: 16, 6: 112}
# Quirk 10: IPv6 text that ends in "::" (a multiple of 2^32) or starts with "::" (below
# 2^96, e.g. ::1:0:0:0:0) makes an invalid IPInstance name.
IPV6_TRAILING_ZEROS = 1 << 32
IPV6_LEADING_ZEROS_END = 1 << 96
# Which networks a pool's blocks serve (SPEC 2.1.1).
POOL_NETWORK_TYPES = {
    PoolPurposeChoices.OVERLAY: {NetworkTypeChoices.OVERLAY},
    PoolPurposeChoices.UNDERLAY_BGP: {NetworkTypeChoices.UNDERLAY, NetworkTypeChoices.GLOBAL_BGP},
}


@dataclass(frozen=True)
class FreeInterval:
    start: str
    end: str
    size: int


def key_value(key: bytes) -> int:
    return int.from_bytes(key[1:], "big")


def span_text(family: int, first: int, last: int) -> str:
    return f"{int_to_text(first, family)}-{int_to_text(last, family)}"


def _ranges(rows: QuerySet, first_field: str, last_field: str) -> IntervalSet:
    """The rows' [first, last] ranges, read as two key columns in address order: no model
    instances, and no sort in Python (the keys sort like the addresses)."""
    keys = rows.order_by(first_field).values_list(first_field, last_field)
    return IntervalSet.from_sorted((key_value(first), key_value(last)) for first, last in keys)


def _free_intervals(
    family: int, taken: IntervalSet, lo: int, hi: int, limit: int
) -> list[FreeInterval]:
    return [
        FreeInterval(int_to_text(start, family), int_to_text(end, family), end - start + 1)
        for start, end in taken.iter_free(lo, hi, limit)
    ]


def _largest_free_text(family: int, taken: IntervalSet, lo: int, hi: int) -> str:
    largest = IntervalSet.from_sorted(taken.iter_free(lo, hi)).largest()
    if largest is None:
        return "it is full"
    start, end = largest
    return (
        f"the largest free block is {span_text(family, start, end)} ({end - start + 1} addresses)"
    )


# -- segments ----------------------------------------------------------------------------------


def segment_usable(segment: NodeSegment) -> tuple[int, int]:
    """Hybridnet's default start..end of the segment's CIDR (SPEC 5.1): not the network
    address, and for IPv4 not the broadcast address."""
    cidr = parse_cidr(segment.cidr)
    return default_start(cidr), default_end(cidr)


def segment_slices(segment: NodeSegment):
    """Subnet windows of every cluster that lie in the segment's range."""
    return Subnet.objects.filter(
        family=segment.family,
        window_first_key__lte=segment.last_key,
        window_last_key__gte=segment.first_key,
    ).select_related("cluster")


def segment_excluded(segment: NodeSegment) -> IntervalSet:
    """Node IPs and infrastructure reservations: inside a slice they become excludeIPs."""
    nodes = [(value, value) for value in node_values(segment)]
    infrastructure = segment.reservations.filter(kind=ReservationKindChoices.INFRASTRUCTURE)
    return IntervalSet(nodes).union(_ranges(infrastructure, "start_key", "end_key"))


def segment_gateway(segment: NodeSegment) -> IntervalSet:
    if not segment.gateway:
        return IntervalSet()
    value = parse_address(segment.gateway).value
    return IntervalSet([(value, value)])


def node_values(segment: NodeSegment) -> list[int]:
    return [key_value(key) for key in segment.nodes.values_list("ip_key", flat=True)]


def segment_taken(segment: NodeSegment) -> IntervalSet:
    slices = _ranges(segment_slices(segment), "window_first_key", "window_last_key")
    return segment_excluded(segment).union(segment_gateway(segment)).union(slices)


def segment_free(segment: NodeSegment, limit: int) -> list[FreeInterval]:
    lo, hi = segment_usable(segment)
    return _free_intervals(segment.family, segment_taken(segment), lo, hi, limit)


def _check_segment_network(network: Network, segment: NodeSegment) -> None:
    if network.effective_mode != NetworkModeChoices.VLAN:
        raise PlannerRejected(
            f"network {network.name} is {network.type}/{network.effective_mode}: slices of a node "
            "segment serve Underlay VLAN networks",
            field="network",
        )
    if network.net_id is not None and network.net_id != segment.vlan_id:
        raise PlannerRejected(
            f"network {network.name} has netID {network.net_id} but segment {segment.name} "
            f"is VLAN {segment.vlan_id}",
            field="network",
        )


def _window_by_size(segment: NodeSegment, taken: IntervalSet, size: int) -> tuple[int, int]:
    if not 1 <= size <= MAX_SUBNET_CAPACITY:
        raise PlannerRejected(f"size must be 1..{MAX_SUBNET_CAPACITY}", field="size")
    lo, hi = segment_usable(segment)
    first = taken.first_fit(size, lo, hi)
    if first is None:
        free = _largest_free_text(segment.family, taken, lo, hi)
        raise NoSpaceError(f"no space for {size} addresses in segment {segment.name}; {free}")
    return first, first + size - 1


def _largest_window(segment: NodeSegment, taken: IntervalSet) -> tuple[int, int]:
    lo, hi = segment_usable(segment)
    largest = IntervalSet.from_sorted(taken.iter_free(lo, hi)).largest()
    if largest is None:
        raise NoSpaceError(f"no space in segment {segment.name}: it is full")
    # S-9: one subnet spans at most 65536 addresses; an IPv6 segment has far more.
    return largest[0], min(largest[1], largest[0] + MAX_SUBNET_CAPACITY - 1)


def _explicit_window(segment: NodeSegment, start: str, end: str) -> tuple[int, int]:
    lo, hi = segment_usable(segment)
    bounds = []
    for field, text in (("start", start), ("end", end)):
        try:
            address = parse_address(text)
        except ValidationError as error:
            raise PlannerRejected(error.messages[0], field=field) from None
        if address.family != segment.family or not lo <= address.value <= hi:
            usable = span_text(segment.family, lo, hi)
            raise PlannerRejected(
                f"{address.text} is outside {usable}, the usable range of segment {segment.name}",
                field=field,
            )
        bounds.append(address.value)
    first, last = bounds
    if last < first:
        raise PlannerRejected(f"end {end} is before start {start}", field="end")
    clash = (
        segment_slices(segment)
        .filter(
            window_first_key__lte=address_key(segment.family, last),
            window_last_key__gte=address_key(segment.family, first),
        )
        .first()
    )
    if clash is not None:
        raise PlanConflictError(
            f"{span_text(segment.family, first, last)} overlaps subnet {clash.name} of cluster "
            f"{clash.cluster} ({clash.window_text})"
        )
    return first, last


def _addresses_in(family: int, intervals: IntervalSet, first: int, last: int) -> list[str]:
    """Canonical text of every address of `intervals` inside [first, last]."""
    inside = intervals.intersect(IntervalSet([(first, last)]))
    if inside.size > MAX_SUBNET_CAPACITY:
        raise PlannerRejected(
            f"{span_text(family, first, last)} holds {inside.size} node, infrastructure or "
            f"reserved addresses; a subnet may list at most {MAX_SUBNET_CAPACITY}"
        )
    return [int_to_text(value, family) for start, end in inside for value in range(start, end + 1)]


def _unnameable_ipv6(family: int, first: int, last: int) -> IntervalSet:
    """Quirk 10: an IPv6 address whose canonical text ends in "::" names an invalid
    IPInstance. Such an address is a multiple of 2^32, so a window of at most 65536 addresses
    holds at most one candidate: test the candidates' text, never the whole window."""
    if family != IPV6:
        return IntervalSet()
    if first < IPV6_LEADING_ZEROS_END:
        lowest = int_to_text(IPV6_LEADING_ZEROS_END, family)
        raise PlannerRejected(
            f"{span_text(family, first, last)}: addresses below {lowest} are written with a "
            "leading '::' and cannot name an IPInstance"
        )
    step = IPV6_TRAILING_ZEROS
    candidates = range(-(-first // step) * step, last + 1, step)
    return IntervalSet(
        (value, value) for value in candidates if int_to_text(value, family).endswith("::")
    )


def _reservations(parent, kind: str) -> IntervalSet:
    return _ranges(parent.reservations.filter(kind=kind), "start_key", "end_key")


@transaction.atomic
def carve_segment(
    segment: NodeSegment,
    *,
    network: Network,
    name: str,
    size: int | None = None,
    start: str | None = None,
    end: str | None = None,
    largest: bool = False,
    description: str = "",
) -> Subnet:
    """A slice of `segment` for `network`: `size` addresses (first fit), an explicit
    `start`..`end`, or the `largest` free slice. Node IPs and infrastructure addresses inside
    the slice become excludeIPs, pod reservations become reservedIPs."""
    if sum((size is not None, bool(start or end), largest)) != 1:
        raise PlannerRejected("give exactly one of: size, start and end, or largest")
    segment = NodeSegment.objects.select_for_update().get(pk=segment.pk)
    _check_segment_network(network, segment)
    if size is not None:
        first, last = _window_by_size(segment, segment_taken(segment), size)
    elif largest:
        first, last = _largest_window(segment, segment_taken(segment))
    else:
        first, last = _explicit_window(segment, start or "", end or "")
    family = segment.family
    excluded = segment_excluded(segment).union(_unnameable_ipv6(family, first, last))
    subnet = Subnet(
        network=network,
        segment=segment,
        name=name,
        cidr=segment.cidr,
        gateway=segment.gateway,
        start=int_to_text(first, family),
        end=int_to_text(last, family),
        exclude_ips=_addresses_in(family, excluded, first, last),
        reserved_ips=_addresses_in(
            family, _reservations(segment, ReservationKindChoices.POD), first, last
        ),
        net_id=segment.vlan_id,
        description=description,
    )
    return save_new_subnet(subnet)


# -- pools -------------------------------------------------------------------------------------


def pool_blocks(pool: AddressPool):
    """Subnets of every cluster whose CIDR lies in the pool's range."""
    return Subnet.objects.filter(
        family=pool.family, first_key__lte=pool.last_key, last_key__gte=pool.first_key
    )


def pool_taken(pool: AddressPool) -> IntervalSet:
    blocks = _ranges(pool_blocks(pool), "first_key", "last_key")
    return blocks.union(_reservations(pool, ReservationKindChoices.INFRASTRUCTURE))


def pool_range(pool: AddressPool) -> tuple[int, int]:
    return key_value(pool.first_key), key_value(pool.last_key)


def pool_free(pool: AddressPool, limit: int) -> list[FreeInterval]:
    lo, hi = pool_range(pool)
    return _free_intervals(pool.family, pool_taken(pool), lo, hi, limit)


def _check_pool_request(pool: AddressPool, network: Network, prefixlen: int) -> None:
    if network.type not in POOL_NETWORK_TYPES[pool.purpose]:
        raise PlannerRejected(
            f"pool {pool.name} is for {pool.get_purpose_display()} subnets, network "
            f"{network.name} is {network.type}",
            field="network",
        )
    if network.effective_mode == NetworkModeChoices.VLAN:
        raise PlannerRejected(
            f"network {network.name} is VLAN: carve its subnets from a node segment",
            field="network",
        )
    family = pool.family
    low = max(pool.parsed_cidr.prefixlen, LARGEST_BLOCK_PREFIX[family])
    high = SMALLEST_BLOCK_PREFIX[family]
    if not low <= prefixlen <= high:
        raise PlannerRejected(
            f"prefix length must be /{low}../{high} in pool {pool.name} ({pool.cidr})",
            field="prefixlen",
        )


@transaction.atomic
def carve_pool(
    pool: AddressPool, *, network: Network, name: str, prefixlen: int, description: str = ""
) -> Subnet:
    """The first free aligned /`prefixlen` block of `pool`, as a Subnet of `network`."""
    pool = AddressPool.objects.select_for_update().get(pk=pool.pk)
    _check_pool_request(pool, network, prefixlen)
    taken = pool_taken(pool)
    lo, hi = pool_range(pool)
    first = taken.first_fit_block(prefixlen, pool.family, lo, hi)
    if first is None:
        best = largest_block(taken.iter_free(lo, hi), FAMILY_BITS[pool.family])
        detail = (
            f"the largest free block is {int_to_text(best[0], pool.family)}/{best[1]}"
            if best
            else "it is full"
        )
        raise NoSpaceError(f"no free /{prefixlen} in pool {pool.name}; {detail}")
    last = first + (1 << (FAMILY_BITS[pool.family] - prefixlen)) - 1
    subnet = Subnet(
        network=network,
        pool=pool,
        name=name,
        cidr=f"{int_to_text(first, pool.family)}/{prefixlen}",
        reserved_ips=_addresses_in(
            pool.family, _reservations(pool, ReservationKindChoices.POD), first, last
        ),
        description=description,
    )
    return save_new_subnet(subnet)
