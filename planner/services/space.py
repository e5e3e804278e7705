"""What is taken and what is free in a node segment or an address pool.

Taken ranges are read from the database in address order, a batch at a time, and searched
lazily (`ipam.intervals.gaps`): a carve stops reading at the first gap that fits, so it
costs what lies before that gap, not the size of the space. It starts at the space's hint
(`free_from_key`, below which everything is taken), so what lies before the gap is only
what was freed since, not every subnet carved from the bottom. Only the small sets (node
IPs, reservations, the gateway) are read whole.
"""

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice

from django.db.models import Exists, OuterRef

from ipam.addresses import Cidr, int_to_text, parse_cidr
from ipam.allocatable import default_end, default_start
from ipam.blocks import cidr_blocks
from ipam.constants import FAMILY_BITS
from ipam.intervals import Interval, IntervalSet, first_fit_in, gaps
from planner.addressing import address_key, containing_cidr_keys, key_value, parse_address
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, Node, NodeSegment, Reservation, Subnet
from planner.querysets import (
    CIDR_FIELDS,
    LISTED_NODES,
    LISTED_RESERVATIONS,
    WINDOW_FIELDS,
    cidrs_reaching,
    triggers_keep_spaces,
)


@dataclass(frozen=True)
class FreeInterval:
    start: str
    end: str
    size: int
    cidrs: tuple[str, ...]  # the fewest CIDRs covering start..end exactly, lowest first


def span_text(family: int, first: int, last: int) -> str:
    return f"{int_to_text(first, family)}-{int_to_text(last, family)}"


def addresses_as_ranges(keys: Iterable[bytes]) -> IntervalSet:
    """Single addresses, given as keys, as one-address ranges."""
    return IntervalSet((value, value) for value in map(key_value, keys))


def instance_ranges(rows, first_field: str, last_field: str) -> IntervalSet:
    """The ranges of rows already read (prefetched), from their key attributes."""
    return IntervalSet(
        (key_value(getattr(row, first_field)), key_value(getattr(row, last_field))) for row in rows
    )


def free_interval(family: int, start: int, end: int) -> FreeInterval:
    cover = cidr_blocks(start, end, FAMILY_BITS[family])
    return FreeInterval(
        int_to_text(start, family),
        int_to_text(end, family),
        end - start + 1,
        tuple(Cidr(family, first, prefixlen).text for first, prefixlen in cover),
    )


def free_intervals(
    family: int, taken: Iterator[Interval], lo: int, hi: int, limit: int
) -> list[FreeInterval]:
    return [free_interval(family, start, end) for start, end in islice(gaps(taken, lo, hi), limit)]


def largest_free(taken: Iterator[Interval], lo: int, hi: int) -> Interval | None:
    """The largest free interval (the lowest on ties): reads the whole space, so only for
    telling why nothing fits."""
    return IntervalSet.from_sorted(gaps(taken, lo, hi)).largest()


# Where `reservations` keeps, on a segment or pool it read them for, the ranges of each kind.
RESERVED_RANGES_ATTRIBUTE = "_reserved_ranges"


def reservations(parent: NodeSegment | AddressPool, kind: str) -> IntervalSet:
    """The parent's reservations of `kind`: from what a list prefetched, else from one query
    for every kind, whose ranges the parent keeps (a carve asks for two kinds, some twice;
    the prefetch machinery would cost it more than the query)."""
    listed = getattr(parent, LISTED_RESERVATIONS, None)
    if listed is not None:
        rows = [row for row in listed if row.kind == kind]
        return instance_ranges(rows, "start_key", "end_key")
    kept = getattr(parent, RESERVED_RANGES_ATTRIBUTE, None)
    if kept is None:
        rows = parent.reservations.order_by("start_key").values_list("kind", "start_key", "end_key")
        by_kind: dict[str, list[Interval]] = {}
        for row_kind, first, last in rows:
            by_kind.setdefault(row_kind, []).append((key_value(first), key_value(last)))
        kept = {row_kind: IntervalSet.from_sorted(ranges) for row_kind, ranges in by_kind.items()}
        setattr(parent, RESERVED_RANGES_ATTRIBUTE, kept)
    return kept.get(kind, IntervalSet())


# The annotation `locked` reads with a space: whether it has any reservation.
HAS_RESERVATIONS = "has_reservations"


def locked(model: type[NodeSegment | AddressPool], pk: int) -> NodeSegment | AddressPool:
    """The space `pk`, read again and locked until the transaction ends. Whether it has
    reservations is read in the same statement: one without any (most pools) needs no
    second read for them. Raises the model's DoesNotExist if it is gone."""
    space_field = model.reservations.field.name
    any_reservation = Exists(Reservation.objects.filter(**{space_field: OuterRef("pk")}))
    space = (
        model.objects.select_for_update().annotate(**{HAS_RESERVATIONS: any_reservation}).get(pk=pk)
    )
    if not getattr(space, HAS_RESERVATIONS):
        setattr(space, RESERVED_RANGES_ATTRIBUTE, {})
    return space


# Where `keep_node_addresses` keeps, on a segment being carved, its node IPs.
NODE_ADDRESSES_ATTRIBUTE = "_node_addresses"


def _read_node_addresses(segment: NodeSegment) -> IntervalSet:
    return addresses_as_ranges(segment.nodes.values_list("ip_key", flat=True))


def keep_node_addresses(segment: NodeSegment) -> None:
    """Reads the node IPs of a segment being carved once, for the several times the carve
    asks for them (its lock is held: they do not change meanwhile)."""
    setattr(segment, NODE_ADDRESSES_ATTRIBUTE, _read_node_addresses(segment))


def node_addresses(segment: NodeSegment) -> IntervalSet:
    """The segment's node IPs: from what a list prefetched or a carve kept, else one
    key-only query."""
    listed = getattr(segment, LISTED_NODES, None)
    if listed is not None:
        return addresses_as_ranges(node.ip_key for node in listed)
    kept = getattr(segment, NODE_ADDRESSES_ATTRIBUTE, None)
    return _read_node_addresses(segment) if kept is None else kept


# -- node segments -------------------------------------------------------------------------------


def segment_usable(segment: NodeSegment) -> Interval:
    """Hybridnet's default start..end of the segment's CIDR (SPEC 5.1): not the network
    address, and for IPv4 not the broadcast address."""
    cidr = parse_cidr(segment.cidr)
    return default_start(cidr), default_end(cidr)


def segment_excluded(segment: NodeSegment) -> IntervalSet:
    """Node IPs and infrastructure reservations: inside a slice they become excludeIPs."""
    infrastructure = reservations(segment, ReservationKindChoices.INFRASTRUCTURE)
    return node_addresses(segment).union(infrastructure)


def segments_excluded(segment_ids: set[int]) -> dict[int, IntervalSet]:
    """What segment_excluded gives, for many segments in two key-only queries (a page of
    slices): by segment id, none for a segment without any."""
    node_keys: dict[int, list[bytes]] = {}
    for segment_id, key in Node.objects.filter(segment_id__in=segment_ids).values_list(
        "segment_id", "ip_key"
    ):
        node_keys.setdefault(segment_id, []).append(key)
    infrastructure: dict[int, list[Interval]] = {}
    for segment_id, first, last in Reservation.objects.filter(
        segment_id__in=segment_ids, kind=ReservationKindChoices.INFRASTRUCTURE
    ).values_list("segment_id", "start_key", "end_key"):
        infrastructure.setdefault(segment_id, []).append((key_value(first), key_value(last)))
    return {
        segment_id: addresses_as_ranges(node_keys.get(segment_id, ())).union(
            IntervalSet(infrastructure.get(segment_id, ()))
        )
        for segment_id in node_keys.keys() | infrastructure.keys()
    }


def segment_gateway(segment: NodeSegment) -> IntervalSet:
    if not segment.gateway:
        return IntervalSet()
    value = parse_address(segment.gateway).value
    return IntervalSet([(value, value)])


def segment_fixed(segment: NodeSegment) -> IntervalSet:
    """What is never for pods: node IPs, infrastructure reservations, the gateway."""
    return segment_excluded(segment).union(segment_gateway(segment))


def _windows_from(family: int, floor_key: bytes, last_key: bytes) -> Iterator[Interval]:
    """Subnets' windows in address order from `floor_key` on, after the one starting below
    that may reach it (windows never overlap one another)."""
    windows = Subnet.objects.filter(family=family)
    return windows.ranges_reaching_in_order(WINDOW_FIELDS, floor_key, last_key)


def _cidrs_from(family: int, floor: int, last_key: bytes) -> Iterator[Interval]:
    """Subnets' CIDRs in address order from `floor` on, after those starting below that
    reach it: a CIDR is aligned, so one of the few blocks containing `floor`."""
    floor_key = address_key(family, floor)
    starts = containing_cidr_keys(family, floor)
    # Below the floor, as they all are: a range on the key leads the planner to its index.
    reaching = Subnet.objects.filter(
        cidrs_reaching(family, floor_key, starts), first_key__lt=floor_key
    ).order_by()
    for first, last in sorted(reaching.values_list(*CIDR_FIELDS)):
        yield key_value(first), key_value(last)
    yield from Subnet.objects.filter(family=family).ranges_in_order(
        CIDR_FIELDS, floor_key, last_key
    )


def segment_taken(segment: NodeSegment, floor: int | None = None) -> Iterator[Interval]:
    """Slices, node IPs, infrastructure reservations and the gateway, in address order: the
    slices from `floor` on (a search from there reads nothing below it), by default all."""
    floor_key = segment.first_key if floor is None else address_key(segment.family, floor)
    slices = _windows_from(segment.family, floor_key, segment.last_key)
    return heapq.merge(slices, segment_fixed(segment))


def segment_free(segment: NodeSegment, limit: int) -> list[FreeInterval]:
    lo, hi = segment_usable(segment)
    floor = search_floor(segment, lo)
    return free_intervals(segment.family, segment_taken(segment, floor), floor, hi, limit)


# -- address pools -------------------------------------------------------------------------------


def pool_range(pool: AddressPool) -> Interval:
    return key_value(pool.first_key), key_value(pool.last_key)


def pool_taken(pool: AddressPool, floor: int | None = None) -> Iterator[Interval]:
    """Blocks and infrastructure reservations, in address order: the blocks from `floor` on
    (a search from there reads nothing below it), by default all."""
    floor = key_value(pool.first_key) if floor is None else floor
    infrastructure = reservations(pool, ReservationKindChoices.INFRASTRUCTURE)
    blocks = _cidrs_from(pool.family, floor, pool.last_key)
    return heapq.merge(blocks, infrastructure)


def pool_free(pool: AddressPool, limit: int) -> list[FreeInterval]:
    lo, hi = pool_range(pool)
    floor = search_floor(pool, lo)
    return free_intervals(pool.family, pool_taken(pool, floor), floor, hi, limit)


# -- where first fit starts ----------------------------------------------------------------------


def search_floor(space: NodeSegment | AddressPool, lo: int) -> int:
    """Where a search of the space for free addresses starts: everything below is taken."""
    if space.free_from_key is None or not triggers_keep_spaces():
        return lo
    return max(lo, key_value(space.free_from_key))


def claim_first_fit(
    space: NodeSegment | AddressPool,
    taken: Callable[[int], Iterator[Interval]],
    lo: int,
    hi: int,
    size: int,
    alignment: int = 1,
) -> int | None:
    """Claims for a new subnet the lowest start of `size` free addresses (a multiple of
    `alignment`) in [lo, hi]: searched from the space's hint, which is then raised in the
    database past what the subnet will take. `taken(floor)` streams what is taken from
    `floor` on. The caller holds the space's lock and stores the subnet in the same
    transaction (a failure rolls the hint back with it)."""
    floor = search_floor(space, lo)
    free = gaps(taken(floor), floor, hi)
    lowest_gap = next(free, None)
    if lowest_gap is None:
        return None
    first = first_fit_in(chain([lowest_gap], free), size, alignment)
    if first is None or not triggers_keep_spaces():
        return first
    still_free = first + size if first == lowest_gap[0] else lowest_gap[0]
    # Past `hi` (the space is now full) may lie past the family's last address: keep `floor`.
    if floor != still_free <= hi:
        _raise_hint(space, address_key(space.family, still_free))
    return first


def _raise_hint(space: NodeSegment | AddressPool, key: bytes) -> None:
    type(space).objects.filter(pk=space.pk).update(free_from_key=key)
