"""Aligned CIDR blocks inside integer ranges (no enumeration of addresses)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ipam.intervals import Interval


def cidr_blocks(start: int, end: int, bits: int) -> Iterator[tuple[int, int]]:
    """The fewest aligned blocks covering [start, end] exactly, as (first, prefixlen), lowest
    first: at most 2 * bits of them, whatever the size of the range."""
    while start <= end:
        # The largest block aligned at `start` that still ends inside the range.
        aligned = start & -start if start else 1 << bits
        fitting = 1 << ((end - start + 1).bit_length() - 1)
        size = min(aligned, fitting)
        yield start, bits - size.bit_length() + 1
        start += size


def ancestors(first: int, prefixlen: int, bits: int) -> Iterator[tuple[int, int]]:
    """The blocks strictly containing the /prefixlen block at `first`, as (first, prefixlen),
    widest first: a CIDR is aligned, so these are the only blocks that start at or below it
    and reach past its start."""
    for length in range(prefixlen):
        yield first & ~((1 << (bits - length)) - 1), length


def largest_block(free: Iterable[Interval], bits: int) -> tuple[int, int] | None:
    """The largest aligned block inside any of the free intervals (the lowest on ties), as
    (first, prefixlen), or None when nothing is free."""
    best: tuple[int, int] | None = None
    for start, end in free:
        for first, prefixlen in cidr_blocks(start, end, bits):
            if best is None or prefixlen < best[1]:
                best = (first, prefixlen)
    return best
