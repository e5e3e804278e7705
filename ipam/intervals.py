"""Immutable sets of integers stored as sorted, merged, inclusive intervals.

Every operation costs O(n) or O(log n) in the number of intervals, never in the number of
addresses, so an IPv6 /48 answers as fast as an IPv4 /24.

Free space is searched by `gaps` and `first_fit_in`, over any stream of taken intervals
sorted by start: an IntervalSet, or rows read from a database in address order.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

Interval = tuple[int, int]


class IntervalSet:
    __slots__ = ("_starts", "_ends")

    def __init__(self, intervals: Iterable[Interval] = ()) -> None:
        """Build from intervals in any order; O(n log n)."""
        starts, ends = _merge_sorted(sorted(intervals))
        self._starts = starts
        self._ends = ends

    @classmethod
    def from_sorted(cls, intervals: Iterable[Interval]) -> IntervalSet:
        """Build from intervals already sorted by start (overlaps are still merged); O(n)."""
        result = cls.__new__(cls)
        result._starts, result._ends = _merge_sorted(intervals)
        return result

    @classmethod
    def _raw(cls, starts: list[int], ends: list[int]) -> IntervalSet:
        result = cls.__new__(cls)
        result._starts, result._ends = starts, ends
        return result

    # -- reading -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Interval]:
        return zip(self._starts, self._ends, strict=True)

    def __len__(self) -> int:
        """Number of intervals (not addresses: see `size`)."""
        return len(self._starts)

    def __bool__(self) -> bool:
        return bool(self._starts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        return self._starts == other._starts and self._ends == other._ends

    def __hash__(self) -> int:
        return hash((tuple(self._starts), tuple(self._ends)))

    def __repr__(self) -> str:
        return f"IntervalSet({list(self)!r})"

    @property
    def size(self) -> int:
        """Number of integers in the set."""
        return sum(self._ends) - sum(self._starts) + len(self._starts)

    def contains(self, value: int) -> bool:
        index = bisect_right(self._starts, value) - 1
        return index >= 0 and value <= self._ends[index]

    def largest(self) -> Interval | None:
        """The longest interval (the lowest one on ties), or None when empty."""
        best: Interval | None = None
        for start, end in self:
            if best is None or end - start > best[1] - best[0]:
                best = (start, end)
        return best

    # -- set algebra (linear sweeps) ---------------------------------------------------------

    def union(self, other: IntervalSet) -> IntervalSet:
        return IntervalSet.from_sorted(heapq.merge(self, other))

    def subtract(self, other: IntervalSet) -> IntervalSet:
        starts: list[int] = []
        ends: list[int] = []
        o_starts, o_ends = other._starts, other._ends
        j = 0
        for start, end in self:
            while j < len(o_starts) and o_ends[j] < start:
                j += 1
            cursor = start
            k = j
            while k < len(o_starts) and o_starts[k] <= end:
                if o_starts[k] > cursor:
                    starts.append(cursor)
                    ends.append(o_starts[k] - 1)
                cursor = max(cursor, o_ends[k] + 1)
                k += 1
            if cursor <= end:
                starts.append(cursor)
                ends.append(end)
        return IntervalSet._raw(starts, ends)

    def intersect(self, other: IntervalSet) -> IntervalSet:
        starts: list[int] = []
        ends: list[int] = []
        i = j = 0
        a_starts, a_ends, b_starts, b_ends = self._starts, self._ends, other._starts, other._ends
        while i < len(a_starts) and j < len(b_starts):
            lo = max(a_starts[i], b_starts[j])
            hi = min(a_ends[i], b_ends[j])
            if lo <= hi:
                starts.append(lo)
                ends.append(hi)
            if a_ends[i] < b_ends[j]:
                i += 1
            else:
                j += 1
        return IntervalSet._raw(starts, ends)

    def overlaps(self, other: IntervalSet) -> bool:
        """True when the two sets share at least one integer; stops at the first one."""
        small, large = (self, other) if len(self) <= len(other) else (other, self)
        for start, end in small:
            index = bisect_left(large._ends, start)
            if index < len(large._starts) and large._starts[index] <= end:
                return True
        return False


def _merge_sorted(intervals: Iterable[Interval]) -> tuple[list[int], list[int]]:
    """Merge overlapping and adjacent intervals of a start-sorted sequence."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in intervals:
        if start > end:
            raise ValueError(f"empty interval ({start}, {end})")
        if ends and start <= ends[-1] + 1:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


# -- searching a stream of taken intervals ------------------------------------------------------
# For taken space too large to load at once (rows read from a database in address order):
# the search stops at the first gap that fits, having read only what lies before it.


def gaps(taken: Iterable[Interval], lo: int, hi: int) -> Iterator[Interval]:
    """Lazily yield the maximal free intervals inside [lo, hi], lowest first, given the taken
    intervals sorted by start (they may overlap or nest)."""
    cursor = lo
    for start, end in taken:
        if start > hi:
            break
        if start > cursor:
            yield cursor, start - 1
        cursor = max(cursor, end + 1)
        if cursor > hi:
            return
    if cursor <= hi:
        yield cursor, hi


def first_fit_in(free: Iterable[Interval], size: int, alignment: int = 1) -> int | None:
    """Lowest multiple of `alignment` (a power of two) that starts `size` free integers
    inside one of the `free` intervals (sorted, disjoint), or None."""
    if size < 1:
        raise ValueError("size must be at least 1")
    mask = alignment - 1
    for start, end in free:
        candidate = (start + mask) & ~mask
        if candidate + size - 1 <= end:
            return candidate
    return None
