"""How full segments, pools and subnets are: planned capacity, and observed use once pulled.

The segments or pools of a page are measured together: their subnets' ranges and observed
use are read in one query, as keys and numbers rather than objects, and their nodes and
reservations come prefetched (see planner/querysets.py), so a page of N rows costs a fixed
number of queries; counts are interval arithmetic, never a listing of addresses.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from ipam.intervals import Interval, IntervalSet
from planner.addressing import key_value
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, NodeSegment, Subnet
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


def _taken_by_space(
    subnets: QuerySet, space_field: str, first_field: str, last_field: str
) -> tuple[dict[int, IntervalSet], dict[int, dict[str, int]]]:
    """Per space id: the ranges its subnets take, and their observed use summed."""
    rows = (
        subnets.with_observed_status()
        .order_by(space_field, first_field)
        .values_list(space_field, first_field, last_field, "observed_used", "observed_available")
    )
    ranges: dict[int, list[Interval]] = {}
    observed: dict[int, dict[str, int]] = {}
    for space_id, first, last, used, available in rows:
        ranges.setdefault(space_id, []).append((key_value(first), key_value(last)))
        if used is not None:
            sums = observed.setdefault(space_id, {"used": 0, "available": 0})
            sums["used"] += used
            sums["available"] += available
    taken = {space_id: IntervalSet.from_sorted(found) for space_id, found in ranges.items()}
    return taken, observed


def segment_usages(segments: Sequence[NodeSegment]) -> dict[int, SpaceUsage]:
    """Per segment id: its usable range less the gateway, node IPs and infrastructure
    reservations (fixed), and the slices' windows in it (planned)."""
    if not segments:
        return {}
    subnets = Subnet.objects.filter(segment_id__in=[segment.pk for segment in segments])
    taken, observed = _taken_by_space(subnets, "segment_id", *WINDOW_FIELDS)
    return {
        segment.pk: SpaceUsage(
            _summarise(
                *segment_usable(segment),
                segment_fixed(segment),
                taken.get(segment.pk, IntervalSet()),
            ),
            observed.get(segment.pk),
        )
        for segment in segments
    }


def pool_usages(pools: Sequence[AddressPool]) -> dict[int, SpaceUsage]:
    """Per pool id: its range less infrastructure reservations (fixed), and its blocks'
    CIDRs (planned)."""
    if not pools:
        return {}
    subnets = Subnet.objects.filter(pool_id__in=[pool.pk for pool in pools])
    taken, observed = _taken_by_space(subnets, "pool_id", "first_key", "last_key")
    return {
        pool.pk: SpaceUsage(
            _summarise(
                *pool_range(pool),
                reservations(pool, ReservationKindChoices.INFRASTRUCTURE),
                taken.get(pool.pk, IntervalSet()),
            ),
            observed.get(pool.pk),
        )
        for pool in pools
    }


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
