"""How full segments, pools and subnets are: planned capacity, and observed use once pulled.

Reads prefetched relations only (see planner/querysets.py), so a list of N rows costs a fixed
number of queries, and counts with interval arithmetic, never by listing addresses.
"""

from dataclasses import dataclass

from ipam.intervals import IntervalSet
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, NodeSegment, Subnet
from planner.services.space import (
    instance_ranges,
    pool_range,
    reservations,
    segment_fixed,
    segment_usable,
)

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


def segment_utilization(segment: NodeSegment) -> Utilization:
    lo, hi = segment_usable(segment)
    slices = instance_ranges(segment.subnets.all(), "window_first_key", "window_last_key")
    return _summarise(lo, hi, segment_fixed(segment), slices)


def pool_utilization(pool: AddressPool) -> Utilization:
    lo, hi = pool_range(pool)
    blocks = instance_ranges(pool.subnets.all(), "first_key", "last_key")
    infrastructure = reservations(pool, ReservationKindChoices.INFRASTRUCTURE)
    return _summarise(lo, hi, infrastructure, blocks)


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
