"""Immutable sets of integers stored as sorted, merged, inclusive intervals.

Every operation costs O(n) or O(log n) in the number of intervals, never in the number of
addresses, so an IPv6 /48 answers as fast as an IPv4 /24.

The search methods (`first_fit`, `first_fit_block`, `iter_free`) read the set as the TAKEN
addresses and search the gaps between them.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from itertools import islice

from ipam.constants import FAMILY_BITS

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

    # -- searching the gaps (the set is what is taken) ---------------------------------------

    def iter_free(self, lo: int, hi: int, limit: int | None = None) -> Iterator[Interval]:
        """Lazily yield the maximal free intervals inside [lo, hi], lowest first."""
        produced = 0
        cursor = lo
        index = bisect_left(self._ends, lo)
        starts, ends = self._starts, self._ends
        while cursor <= hi and (limit is None or produced < limit):
            if index < len(starts) and starts[index] <= hi:
                gap_end = starts[index] - 1
                next_cursor = ends[index] + 1
                index += 1
            else:
                gap_end, next_cursor = hi, hi + 1
            if cursor <= gap_end:
                yield cursor, gap_end
                produced += 1
            cursor = max(cursor, next_cursor)

    def free_within(self, lo: int, hi: int) -> IntervalSet:
        """The complement of the set inside [lo, hi]."""
        return IntervalSet.from_sorted(self.iter_free(lo, hi))

    def first_fit(self, count: int, lo: int, hi: int) -> int | None:
        """Lowest start of `count` consecutive free integers inside [lo, hi], or None."""
        if count < 1:
            raise ValueError("count must be at least 1")
        return self._first_gap(lo, hi, count, 0)

    def first_fit_block(
        self, prefixlen: int, family: int, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        """Lowest start of a free, aligned /prefixlen block inside [lo, hi] (default: the
        whole address space of `family`), or None."""
        bits = FAMILY_BITS[family]
        if not 0 <= prefixlen <= bits:
            raise ValueError(f"prefix length {prefixlen} out of range for {bits}-bit addresses")
        block = 1 << (bits - prefixlen)
        lo = 0 if lo is None else lo
        hi = (1 << bits) - 1 if hi is None else hi
        return self._first_gap(lo, hi, block, block - 1)

    def _first_gap(self, lo: int, hi: int, size: int, mask: int) -> int | None:
        """Lowest `a` with a % (mask + 1) == 0 and [a, a + size - 1] free inside [lo, hi].

        A tight loop over consecutive (end, next start) pairs rather than `iter_free`: it
        is the hot path when 100,000 subnets sit before the first hole."""
        starts, ends = self._starts, self._ends
        first, stop = bisect_left(ends, lo), bisect_right(starts, hi)
        head_end = starts[first] - 1 if first < stop else hi
        candidate = (lo + mask) & ~mask
        if candidate + size - 1 <= head_end:
            return candidate
        if first >= stop:
            return None
        for prev_end, next_start in zip(
            islice(ends, first, stop - 1), islice(starts, first + 1, stop), strict=True
        ):
            candidate = (prev_end + 1 + mask) & ~mask
            if candidate + size <= next_start:
                return candidate
        candidate = (max(lo, ends[stop - 1] + 1) + mask) & ~mask
        return candidate if candidate + size - 1 <= hi else None


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
