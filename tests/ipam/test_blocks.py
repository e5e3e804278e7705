"""Aligned blocks inside ranges: exact cover, alignment, largest block; against netaddr too."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipam.blocks import ancestors, cidr_blocks, largest_block
from ipam.constants import FAMILY_BITS
from ipam.intervals import IntervalSet
from tests.ipam.netaddr_oracle import FAMILIES, cover, interval_lists, nearby_addresses

BITS = 32


def test_cover_of_an_unaligned_range():
    # 10.0.0.5-10.0.0.20 = .5/32 .6/31 .8/29 .16/30 .20/32
    base = 10 << 24
    blocks = list(cidr_blocks(base + 5, base + 20, BITS))
    assert [(first - base, length) for first, length in blocks] == [
        (5, 32),
        (6, 31),
        (8, 29),
        (16, 30),
        (20, 32),
    ]


def test_whole_ipv6_space_is_one_block():
    assert list(cidr_blocks(0, (1 << 128) - 1, 128)) == [(0, 0)]


def test_largest_block_prefers_size_then_lowest():
    free = [(1, 2), (8, 15), (24, 31)]
    assert largest_block(free, BITS) == (8, 29)
    assert largest_block([], BITS) is None


@given(st.integers(0, (1 << BITS) - 1), st.integers(0, 1 << 20))
def test_blocks_cover_exactly_and_are_aligned(start, length):
    end = min(start + length, (1 << BITS) - 1)
    cursor = start
    blocks = list(cidr_blocks(start, end, BITS))
    for first, prefixlen in blocks:
        size = 1 << (BITS - prefixlen)
        assert first == cursor and first % size == 0
        cursor = first + size
    assert cursor == end + 1
    assert len(blocks) <= 2 * BITS


def test_ancestors_are_the_aligned_blocks_that_contain_a_block():
    # 10.1.0.0/16 lies in 10.0.0.0/15, 10.0.0.0/14, ... 0.0.0.0/0.
    first = 0x0A010000
    found = list(ancestors(first, 16, 32))
    assert len(found) == 16
    assert found[0] == (0, 0)
    assert found[-1] == (0x0A000000, 15)
    assert all(start <= first < start + (1 << (32 - length)) for start, length in found)
    assert list(ancestors(first, 0, 32)) == []


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=60)
@given(data=st.data())
def test_blocks_are_netaddrs_cover_of_the_range(family, data):
    ends = st.sampled_from(data.draw(nearby_addresses(family)))
    first, last = sorted(data.draw(st.tuples(ends, ends)))
    expected = [(cidr.first, cidr.prefixlen) for cidr in cover(first, last, family)]
    assert list(cidr_blocks(first, last, FAMILY_BITS[family])) == expected


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=60)
@given(data=st.data())
def test_largest_block_is_the_widest_cidr_of_netaddrs_covers(family, data):
    free = list(IntervalSet(data.draw(interval_lists(data.draw(nearby_addresses(family))))))
    covers = [cidr for first, last in free for cidr in cover(first, last, family)]
    widest = min(covers, key=lambda cidr: (cidr.prefixlen, cidr.first), default=None)
    expected = None if widest is None else (widest.first, widest.prefixlen)
    assert largest_block(free, FAMILY_BITS[family]) == expected
