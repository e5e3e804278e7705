"""netaddr as the independent oracle of ipam's integer arithmetic: fed integers of a family,
never text (its parser is not Go's), and read back as integers."""

from collections.abc import Iterable

from hypothesis import strategies as st
from netaddr import IPAddress, IPNetwork, IPRange, IPSet, iprange_to_cidrs

from ipam.constants import FAMILY_BITS, IPV4, IPV6
from ipam.intervals import Interval

FAMILIES = [IPV4, IPV6]


def ip_range(first: int, last: int, family: int) -> IPRange:
    # The version must be given: netaddr reads an integer below 2**32 as IPv4.
    return IPRange(IPAddress(first, family), IPAddress(last, family))


def ip_set(intervals: Iterable[Interval], family: int) -> IPSet:
    return IPSet(ip_range(first, last, family) for first, last in intervals)


def ranges(ip_set: IPSet) -> list[Interval]:
    """The set's maximal runs of addresses, lowest first."""
    return [(run.first, run.last) for run in ip_set.iter_ipranges()]


def cover(first: int, last: int, family: int) -> list[IPNetwork]:
    """The fewest CIDRs covering first..last exactly, lowest first."""
    return iprange_to_cidrs(IPAddress(first, family), IPAddress(last, family))


@st.composite
def nearby_addresses(draw, family: int) -> list[int]:
    """A few addresses anywhere in the family's space, with their neighbours: intervals drawn
    from them overlap, touch and miss one another by one address often, start and end on
    block boundaries, and in IPv6 span anything from one address to most of the space."""
    bits = FAMILY_BITS[family]
    top = (1 << bits) - 1
    # Some aligned on a block boundary of any size, as CIDRs' ends are.
    aligned = st.builds(
        lambda high, shift: (high << shift) & top, st.integers(0, 0xFFFF), st.integers(0, bits)
    )
    points = draw(st.lists(st.one_of(st.integers(0, top), aligned), min_size=1, max_size=6))
    return sorted(
        {point + step for point in points for step in (-1, 0, 1) if 0 <= point + step <= top}
    )


@st.composite
def interval_lists(draw, addresses: list[int], max_size: int = 10) -> list[Interval]:
    ends = st.sampled_from(addresses)
    pairs = draw(st.lists(st.tuples(ends, ends), max_size=max_size))
    return [(min(pair), max(pair)) for pair in pairs]
