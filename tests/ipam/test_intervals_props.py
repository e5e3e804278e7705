"""Interval arithmetic: examples plus hypothesis properties checked against plain Python sets
and, over whole address families, against netaddr."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from netaddr import IPAddress

from ipam.constants import FAMILY_BITS
from ipam.intervals import IntervalSet, first_fit_in, gaps
from tests.ipam.netaddr_oracle import (
    FAMILIES,
    cover,
    interval_lists,
    ip_set,
    nearby_addresses,
    ranges,
)

UNIVERSE = 200  # small enough to compare with explicit sets of integers


def _interval(draw_lo, draw_len):
    return (draw_lo, min(UNIVERSE - 1, draw_lo + draw_len))


intervals = st.lists(
    st.builds(_interval, st.integers(0, UNIVERSE - 1), st.integers(0, 20)), max_size=25
)


def as_set(interval_set):
    return {value for start, end in interval_set for value in range(start, end + 1)}


def expand(raw):
    return {value for start, end in raw for value in range(start, end + 1)}


def test_build_merges_overlapping_and_adjacent():
    built = IntervalSet([(10, 12), (1, 3), (4, 5), (11, 20), (30, 30)])
    assert list(built) == [(1, 5), (10, 20), (30, 30)]
    assert built.size == 5 + 11 + 1
    assert len(built) == 3


def test_from_sorted_matches_constructor():
    raw = [(1, 3), (2, 8), (9, 9), (20, 25)]
    assert IntervalSet.from_sorted(raw) == IntervalSet(reversed(raw))


def test_empty_interval_is_rejected():
    with pytest.raises(ValueError):
        IntervalSet([(5, 4)])


def test_contains_and_largest():
    taken = IntervalSet([(10, 19), (30, 59), (70, 70)])
    assert [v for v in (9, 10, 19, 20, 45, 70, 71) if taken.contains(v)] == [10, 19, 45, 70]
    assert taken.largest() == (30, 59)
    assert IntervalSet().largest() is None


def first_fit(taken: IntervalSet, count: int, lo: int, hi: int, alignment: int = 1):
    return first_fit_in(gaps(taken, lo, hi), count, alignment)


def test_first_fit_examples():
    taken = IntervalSet([(0, 9), (12, 19), (40, 99)])
    assert first_fit(taken, 2, 0, 99) == 10
    assert first_fit(taken, 3, 0, 99) == 20
    assert first_fit(taken, 20, 0, 99) == 20
    assert first_fit(taken, 21, 0, 99) is None
    assert first_fit(taken, 5, 25, 39) == 25
    assert first_fit(taken, 1, 100, 99) is None
    with pytest.raises(ValueError):
        first_fit(taken, 0, 0, 10)


def test_gaps_within_a_range():
    taken = IntervalSet([(2, 3), (6, 6), (9, 12)])
    assert list(gaps(taken, 0, 15)) == [(0, 1), (4, 5), (7, 8), (13, 15)]
    assert list(gaps(taken, 3, 10)) == [(4, 5), (7, 8)]
    assert list(gaps(taken, 9, 12)) == []


def test_aligned_first_fit_in_ipv4_and_ipv6():
    # 10.0.0.0/24 taken up to .70: the first free /26 is 10.0.0.128
    taken = IntervalSet([(0x0A000000, 0x0A000046)])
    assert first_fit(taken, 64, 0x0A000000, 0x0A0000FF, 64) == 0x0A000080
    assert first_fit(taken, 256, 0x0A000000, 0x0A0000FF, 256) is None
    # fd00::/48 with the first /64 taken: the second /64 is returned
    pool = 0xFD00 << 112
    block = 1 << 64
    taken6 = IntervalSet([(pool, pool + block - 1)])
    assert first_fit(taken6, block, pool, pool + (1 << 80) - 1, block) == pool + block


@settings(max_examples=150)
@given(intervals, intervals)
def test_algebra_matches_python_sets(raw_a, raw_b):
    a, b = IntervalSet(raw_a), IntervalSet(raw_b)
    assert as_set(a) == expand(raw_a)
    assert a.size == len(expand(raw_a))
    assert as_set(a.union(b)) == expand(raw_a) | expand(raw_b)
    assert as_set(a.subtract(b)) == expand(raw_a) - expand(raw_b)
    assert as_set(a.intersect(b)) == expand(raw_a) & expand(raw_b)
    assert a.overlaps(b) == bool(expand(raw_a) & expand(raw_b))
    # results are normalised: sorted, disjoint, not adjacent
    for result in (a.union(b), a.subtract(b), a.intersect(b)):
        pairs = list(result)
        assert all(prev[1] + 1 < nxt[0] for prev, nxt in zip(pairs, pairs[1:], strict=False))
        assert result == IntervalSet(pairs)


@settings(max_examples=150)
@given(intervals, st.integers(0, UNIVERSE - 1), st.integers(0, UNIVERSE - 1))
def test_free_and_taken_partition_the_range(raw, lo, hi):
    lo, hi = min(lo, hi), max(lo, hi)
    taken = IntervalSet(raw)
    free = as_set(gaps(taken, lo, hi))
    whole = set(range(lo, hi + 1))
    assert free | (as_set(taken) & whole) == whole
    assert not free & as_set(taken)
    for value in whole:
        assert taken.contains(value) == (value not in free)


@settings(max_examples=150)
@given(intervals, st.integers(1, 30), st.integers(0, UNIVERSE - 1), st.integers(0, UNIVERSE))
def test_first_fit_returns_lowest_fitting_run(raw, count, lo, hi):
    taken_values = expand(raw)
    found = first_fit_in(gaps(sorted(raw), lo, hi), count)
    fitting = [
        start
        for start in range(lo, hi - count + 2)
        if not any(v in taken_values for v in range(start, start + count))
    ]
    assert found == (fitting[0] if fitting else None)


@settings(max_examples=150)
@given(intervals, st.integers(0, 7))
def test_aligned_first_fit_returns_lowest_aligned_free_block(raw, host_bits):
    # an 8-bit "family": the search bounded to [0, 255]
    block = 1 << host_bits
    taken_values = expand(raw)
    found = first_fit_in(gaps(sorted(raw), 0, 255), block, block)
    fitting = [
        start
        for start in range(0, 256, block)
        if not any(v in taken_values for v in range(start, start + block))
    ]
    assert found == (fitting[0] if fitting else None)


@settings(max_examples=100)
@given(st.lists(st.integers(1, 12), min_size=1, max_size=30), intervals)
def test_carving_repeatedly_never_hands_out_an_address_twice(requests, raw):
    taken = IntervalSet(raw)
    carved = []
    for count in requests:
        start = first_fit(taken, count, 0, UNIVERSE - 1)
        if start is None:
            continue
        piece = IntervalSet([(start, start + count - 1)])
        assert not piece.overlaps(taken)
        carved.append(piece)
        taken = taken.union(piece)
    for index, piece in enumerate(carved):
        assert not any(piece.overlaps(other) for other in carved[index + 1 :])


# -- the streaming search: what carving uses on rows read in address order ---------------------


def free_runs(taken_values: set[int], lo: int, hi: int) -> list[tuple[int, int]]:
    """The maximal runs of values in [lo, hi] missing from `taken_values`."""
    runs: list[tuple[int, int]] = []
    for value in range(lo, hi + 1):
        if value in taken_values:
            continue
        if runs and runs[-1][1] == value - 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


@settings(max_examples=150)
@given(intervals, st.integers(0, UNIVERSE - 1), st.integers(0, UNIVERSE - 1))
def test_gaps_of_a_sorted_stream_are_the_free_intervals(raw, lo, hi):
    lo, hi = min(lo, hi), max(lo, hi)
    # Unmerged and overlapping, as rows come from a table: only sorted by start.
    assert list(gaps(sorted(raw), lo, hi)) == free_runs(expand(raw), lo, hi)


def test_gaps_stop_reading_once_past_the_range():
    read = []

    def stream():
        for interval in [(0, 4), (10, 12), (50, 60), (70, 80)]:
            read.append(interval)
            yield interval

    assert list(gaps(stream(), 0, 20)) == [(5, 9), (13, 20)]
    assert read == [(0, 4), (10, 12), (50, 60)]


def test_first_fit_in_reads_only_up_to_the_fit():
    taken = iter([(0, 9), (12, 19), (40, 49), (60, 69)])
    assert first_fit_in(gaps(taken, 0, 99), 8, 8) == 24
    assert next(taken) == (60, 69)  # never read


def test_first_fit_in_rejects_an_empty_request():
    with pytest.raises(ValueError):
        first_fit_in([(0, 9)], 0)


# -- whole address families, against netaddr ---------------------------------------------------
# The examples above compare with Python sets of a 200-integer universe; these draw addresses
# anywhere in IPv4 and IPv6 and compare with netaddr's IPSet, which never enumerates either.


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_algebra_agrees_with_netaddr(family, data):
    addresses = data.draw(nearby_addresses(family))
    raw_a, raw_b = data.draw(interval_lists(addresses)), data.draw(interval_lists(addresses))
    a, b = IntervalSet(raw_a), IntervalSet(raw_b)
    oracle_a, oracle_b = ip_set(raw_a, family), ip_set(raw_b, family)
    assert list(a) == ranges(oracle_a)
    assert a.size == oracle_a.size
    assert list(a.union(b)) == ranges(oracle_a | oracle_b)
    assert list(a.subtract(b)) == ranges(oracle_a - oracle_b)
    assert list(a.intersect(b)) == ranges(oracle_a & oracle_b)
    assert a.overlaps(b) == (not oracle_a.isdisjoint(oracle_b))
    for value in addresses:
        assert a.contains(value) == (IPAddress(value, family) in oracle_a)


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_free_space_search_agrees_with_netaddr(family, data):
    addresses = data.draw(nearby_addresses(family))
    raw = data.draw(interval_lists(addresses))
    lo, hi = sorted(data.draw(st.tuples(st.sampled_from(addresses), st.sampled_from(addresses))))
    free = ip_set([(lo, hi)], family) - ip_set(raw, family)
    # Unmerged and overlapping, as rows come from a table: only sorted by start.
    assert list(gaps(sorted(raw), lo, hi)) == ranges(free)

    size = data.draw(st.integers(1, hi - lo + 2))
    first_long_enough = next((run.first for run in free.iter_ipranges() if run.size >= size), None)
    assert first_fit_in(gaps(sorted(raw), lo, hi), size) == first_long_enough

    # An aligned block lies inside a free run's exact CIDR cover; the lowest is the start of
    # the first cover CIDR at least as large.
    prefixlen = data.draw(st.integers(0, FAMILY_BITS[family]))
    block = 1 << (FAMILY_BITS[family] - prefixlen)
    covers = [cidr for run in free.iter_ipranges() for cidr in cover(run.first, run.last, family)]
    lowest_block = next((cidr.first for cidr in covers if cidr.prefixlen <= prefixlen), None)
    assert first_fit_in(gaps(sorted(raw), lo, hi), block, block) == lowest_block
