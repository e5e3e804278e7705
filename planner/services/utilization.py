"""How full segments, pools and subnets are: planned capacity, and observed use once pulled.

The segments or pools of a page are measured together: their subnets' ranges are read in
one query, as keys rather than objects, their observed use summed in another, and their nodes and
reservations come prefetched (see planner/querysets.py), so a page of N rows costs a fixed
number of queries; counts are interval arithmetic, never a listing of addresses.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery, Sum

from ipam.intervals import Interval, IntervalSet
from planner.addressing import key_value
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, NodeSegment, ObservedSubnetStatus, Subnet
from planner.querysets import WINDOW_FIELDS
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


def _summarise(lo: int, hi: int, fixed: IntervalSet, planned: IntervalSet) -> Utilization:
    whole = IntervalSet([(lo, hi)])
    fixed, planned = fixed.intersect(whole), planned.intersect(whole).subtract(fixed)
    size = hi - lo + 1
    return Utilization(size, fixed.size, planned.size, size - fixed.size - planned.size)


@dataclass(frozen=True)
class SpaceUsage:
    """How full a segment or pool is: planned, and the observed use of its subnets summed
    (`used`, `available`; None until one of them has been pulled)."""

    utilization: Utilization
    observed: dict[str, int] | None


def _taken_by_space(subnets: QuerySet, fields: tuple[str, str, str]) -> dict[int, IntervalSet]:
    """Per space id: the ranges its subnets take, as keys only (no objects, no status)."""
    space_field, first_field, last_field = fields
    rows = subnets.order_by(space_field, first_field).values_list(*fields)
    ranges: dict[int, list[Interval]] = {}
    for space_id, first, last in rows:
        ranges.setdefault(space_id, []).append((key_value(first), key_value(last)))
    return {space_id: IntervalSet.from_sorted(found) for space_id, found in ranges.items()}


def _observed_by_space(subnets: QuerySet, space_field: str) -> dict[int, dict[str, int]]:
    """Per space id: the last pulled use of its subnets, summed in one aggregate that starts
    from the statuses pulled (a status names its subnet by cluster and name), so a space
    of many subnets never pulled costs nothing."""
    space = subnets.filter(cluster_id=OuterRef("cluster_id"), name=OuterRef("subnet_name"))
    sums = (
        ObservedSubnetStatus.objects.annotate(space=Subquery(space.values(space_field)[:1]))
        .filter(space__isnull=False)
        .order_by()
        .values("space")
        .annotate(used=Sum("used"), available=Sum("available"))
    )
    return {row["space"]: {"used": row["used"], "available": row["available"]} for row in sums}


def _usages(
    spaces: Sequence[NodeSegment] | Sequence[AddressPool],
    space_field: str,
    key_fields: tuple[str, str],
    bounds: Callable[[Any], tuple[int, int, IntervalSet]],
) -> dict[int, SpaceUsage]:
    """Per space id: what `bounds` gives (first, last, fixed) and its subnets' ranges in it."""
    if not spaces:
        return {}
    subnets = Subnet.objects.filter(**{f"{space_field}__in": [space.pk for space in spaces]})
    taken = _taken_by_space(subnets, (space_field, *key_fields))
    observed = _observed_by_space(subnets, space_field)
    return {
        space.pk: SpaceUsage(
            _summarise(*bounds(space), taken.get(space.pk, IntervalSet())),
            observed.get(space.pk),
        )
        for space in spaces
    }


def _segment_bounds(segment: NodeSegment) -> tuple[int, int, IntervalSet]:
    return *segment_usable(segment), segment_fixed(segment)


def _pool_bounds(pool: AddressPool) -> tuple[int, int, IntervalSet]:
    return *pool_range(pool), reservations(pool, ReservationKindChoices.INFRASTRUCTURE)


def segment_usages(segments: Sequence[NodeSegment]) -> dict[int, SpaceUsage]:
    """Per segment id: its usable range less the gateway, node IPs and infrastructure
    reservations (fixed), and the slices' windows in it (planned)."""
    return _usages(segments, "segment_id", WINDOW_FIELDS, _segment_bounds)


def pool_usages(pools: Sequence[AddressPool]) -> dict[int, SpaceUsage]:
    """Per pool id: its range less infrastructure reservations (fixed), and its blocks'
    CIDRs (planned)."""
    return _usages(pools, "pool_id", ("first_key", "last_key"), _pool_bounds)


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
