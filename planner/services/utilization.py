"""How full segments, pools and subnets are: planned capacity, and observed use once pulled.

The segments or pools of a page are measured together, in a fixed number of queries
however many rows or subnets: on PostgreSQL, each space's planned size is kept on its row
by triggers, and only the subnets reaching the few addresses not planned for pods (fixed
ones, or outside the space) are read to correct it; elsewhere, every subnet's range is read
as keys. Observed use is summed in one join, nodes and reservations come prefetched
(see planner/querysets.py); counts are interval arithmetic, never a listing of addresses.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Sum

from ipam.constants import FAMILY_BITS
from ipam.intervals import Interval, IntervalSet
from planner.addressing import address_key, key_value
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, Network, NodeSegment, Subnet
from planner.querysets import CIDR_FIELDS, WINDOW_FIELDS, triggers_keep_spaces
from planner.services.space import pool_range, reservations, segment_fixed, segment_usable

PERCENT = 100


@dataclass(frozen=True)
class Utilization:
    size: int  # addresses in the segment's usable range, or in the pool
    fixed: int  # gateway, node IPs, infrastructure reservations: never for pods
    planned: int  # addresses inside carved slices or blocks
    free: int

    @property
    def percent_planned(self) -> float:
        usable = self.size - self.fixed
        return round(PERCENT * self.planned / usable, 2) if usable > 0 else 0.0


@dataclass(frozen=True)
class SpaceUsage:
    """How full a segment or pool is: planned, and the observed use of its subnets summed
    (`used`, `available`; None until one of them has been pulled)."""

    utilization: Utilization
    observed: dict[str, int] | None


# A space's first and last usable address, and its fixed addresses.
Bounds = tuple[int, int, IntervalSet]


@dataclass(frozen=True)
class SpaceKind:
    """Segments or pools: the subnets' foreign key to them, the keys of the range each
    subnet takes in them, and each one's bounds (first, last, fixed)."""

    model: type[NodeSegment] | type[AddressPool]
    space_field: str
    range_fields: tuple[str, str]
    bounds: Callable[[Any], Bounds]


def _segment_bounds(segment: NodeSegment) -> Bounds:
    return *segment_usable(segment), segment_fixed(segment)


def _pool_bounds(pool: AddressPool) -> Bounds:
    return *pool_range(pool), reservations(pool, ReservationKindChoices.INFRASTRUCTURE)


# A segment: its usable range less the gateway, node IPs and infrastructure reservations
# (fixed), and its slices' windows (planned). A pool: its range less infrastructure
# reservations, and its blocks' CIDRs.
SEGMENTS = SpaceKind(NodeSegment, "segment_id", WINDOW_FIELDS, _segment_bounds)
POOLS = SpaceKind(AddressPool, "pool_id", CIDR_FIELDS, _pool_bounds)


def _span(lo: int, hi: int) -> IntervalSet:
    """[lo, hi], or nothing where lo > hi: a /31 or /32 segment has no usable address."""
    return IntervalSet([(lo, hi)] if lo <= hi else [])


def space_bounds(spaces: Sequence, kind: SpaceKind) -> dict[int, Bounds]:
    return {space.pk: kind.bounds(space) for space in spaces}


def uncounted_by_space(spaces: Sequence, bounds: dict[int, Bounds]) -> dict[int, IntervalSet]:
    """Per space id: what a subnet of the space may cover but is not planned for pods: its
    fixed addresses, and any outside its range."""
    uncounted = {}
    for space in spaces:
        lo, hi, fixed = bounds[space.pk]
        outside = _span(0, (1 << FAMILY_BITS[space.family]) - 1).subtract(_span(lo, hi))
        uncounted[space.pk] = outside.union(fixed)
    return uncounted


def planned_from_ranges(
    spaces: Sequence, kind: SpaceKind, uncounted: dict[int, IntervalSet]
) -> dict[int, int]:
    """Per space id: planned addresses, from every range its subnets take (read whole),
    less what they cover of `uncounted` (uncounted_by_space)."""
    subnets = Subnet.objects.filter(**{f"{kind.space_field}__in": [space.pk for space in spaces]})
    rows = subnets.order_by(kind.space_field, kind.range_fields[0]).values_list(
        kind.space_field, *kind.range_fields
    )
    ranges: dict[int, list[Interval]] = {}
    for space_id, first, last in rows:
        ranges.setdefault(space_id, []).append((key_value(first), key_value(last)))
    return {
        space.pk: IntervalSet.from_sorted(ranges.get(space.pk, ()))
        .subtract(uncounted[space.pk])
        .size
        for space in spaces
    }


# In one statement, so both are read as of one moment: the spaces' kept sizes (not the
# `planned_size` the page read: a carve committed between two reads would count in one and
# not the other), and the subnets of each reaching into its probes (space id, first key,
# last key): those starting inside a probe, and the one starting highest below it (a
# space's subnets never overlap one another: windows by the exclusion constraint, a pool's
# blocks by the check of SubnetQuerySet.conflicts_with).
SIZES_AND_REACHING = """
SELECT id, planned_size, NULL, NULL FROM {table} WHERE id = ANY(%s)
UNION ALL
SELECT probe.space, NULL, reached.first, reached.last
  FROM unnest(%s::bigint[], %s::bytea[], %s::bytea[]) AS probe(space, lo, hi)
 CROSS JOIN LATERAL (
       (SELECT {first} AS first, {last} AS last FROM planner_subnet
         WHERE {space} = probe.space AND {first} BETWEEN probe.lo AND probe.hi)
       UNION ALL
       (SELECT {first}, {last} FROM planner_subnet
         WHERE {space} = probe.space AND {first} < probe.lo
         ORDER BY {first} DESC LIMIT 1)
 ) AS reached
 WHERE reached.last >= probe.lo
"""


def planned_from_sums(
    spaces: Sequence, kind: SpaceKind, uncounted: dict[int, IntervalSet]
) -> dict[int, int]:
    """Per space id: planned addresses, from the size triggers keep on its row (`planned_size`),
    less what its subnets cover of `uncounted` (uncounted_by_space), the few addresses not
    planned for pods: one statement reads the sizes and only the subnets reaching those
    addresses, however many the spaces hold."""
    families = {space.pk: space.family for space in spaces}
    probes = [
        (pk, address_key(families[pk], first), address_key(families[pk], last))
        for pk, ranges in uncounted.items()
        for first, last in ranges
    ]
    first_field, last_field = kind.range_fields
    statement = SIZES_AND_REACHING.format(
        table=kind.model._meta.db_table,
        space=kind.space_field,
        first=first_field,
        last=last_field,
    )
    probe_columns = [list(column) for column in zip(*probes, strict=True)] or [[], [], []]
    sizes: dict[int, int] = {}
    reached: dict[int, list[Interval]] = {}
    with connection.cursor() as cursor:
        cursor.execute(statement, [list(uncounted), *probe_columns])
        for space_id, size, first, last in cursor.fetchall():
            if size is not None:
                sizes[space_id] = int(size)
            else:
                reached.setdefault(space_id, []).append((key_value(first), key_value(last)))
    return {
        # A space deleted since the page was read has nothing planned.
        pk: sizes.get(pk, 0) - IntervalSet(reached.get(pk, ())).intersect(ranges).size
        for pk, ranges in uncounted.items()
    }


# The last pulled use of the spaces' subnets, summed per space: a status names its subnet by
# cluster and name.
OBSERVED_SUMS = """
SELECT subnet.{space}, SUM(status.used), SUM(status.available)
  FROM planner_observedsubnetstatus AS status
  JOIN planner_subnet AS subnet
    ON subnet.cluster_id = status.cluster_id AND subnet.name = status.subnet_name
 WHERE subnet.{space} IN ({ids})
 GROUP BY subnet.{space}
"""


def _observed_by_space(space_ids: list[int], space_field: str) -> dict[int, dict[str, int]]:
    """Per space id: the last pulled use of its subnets, None for a space none of whose
    subnets was pulled; summed by the database, in one join (no subnet reaches Python)."""
    statement = OBSERVED_SUMS.format(space=space_field, ids=", ".join(["%s"] * len(space_ids)))
    with connection.cursor() as cursor:
        cursor.execute(statement, space_ids)
        return {
            space_id: {"used": int(used), "available": int(available)}
            for space_id, used, available in cursor.fetchall()
        }


def _summarise(lo: int, hi: int, fixed: IntervalSet, planned: int) -> Utilization:
    whole = _span(lo, hi)
    size, fixed_size = whole.size, fixed.intersect(whole).size
    return Utilization(size, fixed_size, planned, size - fixed_size - planned)


def _usages(spaces: Sequence, kind: SpaceKind) -> dict[int, SpaceUsage]:
    if not spaces:
        return {}
    bounds = space_bounds(spaces, kind)
    measure = planned_from_sums if triggers_keep_spaces() else planned_from_ranges
    planned = measure(spaces, kind, uncounted_by_space(spaces, bounds))
    observed = _observed_by_space([space.pk for space in spaces], kind.space_field)
    return {
        space.pk: SpaceUsage(
            _summarise(*bounds[space.pk], planned[space.pk]), observed.get(space.pk)
        )
        for space in spaces
    }


def segment_usages(segments: Sequence[NodeSegment]) -> dict[int, SpaceUsage]:
    """Per segment id: its usable range less the gateway, node IPs and infrastructure
    reservations (fixed), and the slices' windows in it (planned)."""
    return _usages(segments, SEGMENTS)


def pool_usages(pools: Sequence[AddressPool]) -> dict[int, SpaceUsage]:
    """Per pool id: its range less infrastructure reservations (fixed), and its blocks'
    CIDRs (planned)."""
    return _usages(pools, POOLS)


def network_usages(networks: Sequence[Network]) -> dict[int, dict[str, Any]]:
    """Per network id: the planned capacity of its Subnets (SPEC 5.1 Total, summed), and
    their last pulled use summed as a segment's or a pool's is (None until one of them has
    been pulled): two queries for a whole page."""
    ids = [network.pk for network in networks]
    capacity = dict(
        Subnet.objects.filter(network_id__in=ids)
        .order_by()
        .values("network_id")
        .annotate(total=Sum("capacity"))
        .values_list("network_id", "total")
    )
    observed = _observed_by_space(ids, "network_id") if ids else {}
    return {pk: {"capacity": capacity.get(pk, 0), "observed": observed.get(pk)} for pk in ids}


def subnet_observed(subnet: Subnet) -> dict | None:
    """The last pulled status, from `SubnetQuerySet.with_observed_status()` annotations."""
    if getattr(subnet, "observed_total", None) is None:
        return None
    return {
        "total": subnet.observed_total,
        "used": subnet.observed_used,
        "available": subnet.observed_available,
        "observed_at": subnet.observed_at,
    }
