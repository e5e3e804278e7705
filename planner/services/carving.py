"""Carving: underlay slices out of node segments, aligned blocks out of address pools.

Each carve runs in one transaction holding a row lock on its segment or pool from the search
until the new Subnet is checked and stored (save_placed_subnet), so carves of different
segments run in parallel and carves of one segment queue; on PostgreSQL an exclusion
constraint on the subnets' windows is the backstop. Free space is searched with interval
arithmetic over what is stored, read in address order (planner.services.space), never by
listing addresses.
"""

from django.core.exceptions import ValidationError

from ipam.addresses import int_to_text
from ipam.blocks import largest_block
from ipam.constants import FAMILY_BITS, IPV6, MAX_SUBNET_CAPACITY
from ipam.intervals import IntervalSet, gaps
from planner.addressing import address_key, parse_address
from planner.changelog import recording_changes
from planner.choices import (
    ChangeSourceChoices,
    NetworkModeChoices,
    ReservationKindChoices,
)
from planner.models import AddressPool, Network, NodeSegment, Subnet
from planner.models.sites import POOL_NETWORK_TYPES
from planner.querysets import WINDOW_FIELDS
from planner.services.errors import NoSpaceError, PlanConflictError, PlannerRejected
from planner.services.space import (
    claim_first_fit,
    keep_node_addresses,
    largest_free,
    pool_range,
    pool_taken,
    reservations,
    segment_excluded,
    segment_taken,
    segment_usable,
    span_text,
)
from planner.services.subnets import save_placed_subnet

# S-10: the smallest subnets IPAM allocates from; S-9: the largest whose default start..end
# stays within 65536 addresses (a /16 holds 65534, a /112 65535).
SMALLEST_BLOCK_PREFIX = {4: 30, 6: 126}
LARGEST_BLOCK_PREFIX = {4: 16, 6: 112}
# Quirk 10: IPv6 text that ends in "::" (a multiple of 2^32) or starts with "::" (below
# 2^96, e.g. ::1:0:0:0:0) makes an invalid IPInstance name.
IPV6_TRAILING_ZEROS = 1 << 32
IPV6_LEADING_ZEROS_END = 1 << 96


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


def _window_by_size(segment: NodeSegment, size: int) -> tuple[int, int]:
    if not 1 <= size <= MAX_SUBNET_CAPACITY:
        raise PlannerRejected(f"size must be 1..{MAX_SUBNET_CAPACITY}", field="size")
    lo, hi = segment_usable(segment)
    first = claim_first_fit(segment, lambda floor: segment_taken(segment, floor), lo, hi, size)
    if first is None:
        largest = largest_free(segment_taken(segment), lo, hi)
        free = (
            f"the largest free block is {span_text(segment.family, *largest)} "
            f"({largest[1] - largest[0] + 1} addresses)"
            if largest
            else "it is full"
        )
        raise NoSpaceError(f"no space for {size} addresses in segment {segment.name}; {free}")
    return first, first + size - 1


def _largest_window(segment: NodeSegment) -> tuple[int, int]:
    largest = largest_free(segment_taken(segment), *segment_usable(segment))
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
    clash = Subnet.objects.select_related("cluster").first_overlapping(
        segment.family,
        address_key(segment.family, first),
        address_key(segment.family, last),
        WINDOW_FIELDS,
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


@recording_changes(ChangeSourceChoices.CARVE)
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
    the slice become excludeIPs, pod reservations become reservedIPs. The segment is read
    again, locked: only its id counts, and NodeSegment.DoesNotExist says it is gone."""
    if sum((size is not None, bool(start or end), largest)) != 1:
        raise PlannerRejected("give exactly one of: size, start and end, or largest")

    def place(segment: NodeSegment) -> Subnet:
        # What the carve reads of the locked segment more than once: node addresses
        # (reservations are kept by `reservations`).
        keep_node_addresses(segment)
        _check_segment_network(network, segment)
        if size is not None:
            first, last = _window_by_size(segment, size)
        elif largest:
            first, last = _largest_window(segment)
        else:
            first, last = _explicit_window(segment, start or "", end or "")
        family = segment.family
        excluded = segment_excluded(segment).union(_unnameable_ipv6(family, first, last))
        return Subnet(
            network=network,
            segment=segment,
            name=name,
            cidr=segment.cidr,
            gateway=segment.gateway,
            start=int_to_text(first, family),
            end=int_to_text(last, family),
            exclude_ips=_addresses_in(family, excluded, first, last),
            reserved_ips=_addresses_in(
                family, reservations(segment, ReservationKindChoices.POD), first, last
            ),
            net_id=segment.vlan_id,
            description=description,
        )

    return save_placed_subnet(NodeSegment, segment.pk, place)


# -- pools -------------------------------------------------------------------------------------


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


@recording_changes(ChangeSourceChoices.CARVE)
def carve_pool(
    pool: AddressPool, *, network: Network, name: str, prefixlen: int, description: str = ""
) -> Subnet:
    """The first free aligned /`prefixlen` block of `pool`, as a Subnet of `network`. The
    pool is read again, locked: only its id counts, and AddressPool.DoesNotExist says it is
    gone."""

    def place(pool: AddressPool) -> Subnet:
        _check_pool_request(pool, network, prefixlen)
        lo, hi = pool_range(pool)
        block = 1 << (FAMILY_BITS[pool.family] - prefixlen)
        first = claim_first_fit(pool, lambda floor: pool_taken(pool, floor), lo, hi, block, block)
        if first is None:
            best = largest_block(gaps(pool_taken(pool), lo, hi), FAMILY_BITS[pool.family])
            detail = (
                f"the largest free block is {int_to_text(best[0], pool.family)}/{best[1]}"
                if best
                else "it is full"
            )
            raise NoSpaceError(f"no free /{prefixlen} in pool {pool.name}; {detail}")
        last = first + block - 1
        return Subnet(
            network=network,
            pool=pool,
            name=name,
            cidr=f"{int_to_text(first, pool.family)}/{prefixlen}",
            reserved_ips=_addresses_in(
                pool.family, reservations(pool, ReservationKindChoices.POD), first, last
            ),
            description=description,
        )

    return save_placed_subnet(AddressPool, pool.pk, place)
