"""The allocatable set of a Subnet (SPEC §5.1) and the webhook's capacity formula (S-9).

`canonicalize` mirrors Hybridnet's `ipam/types.Subnet.Canonicalize` (S-10): it fills the start
and end defaults and refuses the subnets IPAM cannot load. Everything after it is integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ipam.addresses import Cidr, int_to_text, is_canonical_ip, try_parse_cidr, try_parse_ip
from ipam.constants import IPV4, MAX_SUBNET_CAPACITY
from ipam.intervals import IntervalSet
from ipam.spec import AddressRange, SubnetSpec

INT64_MAX = (1 << 63) - 1


class CanonicalizeError(ValueError):
    """IPAM refuses the subnet; the text is Hybridnet's (S-10 prefixes it)."""


def default_start(cidr: Cidr) -> int:
    """§5.1 rule 1: the network address + 1 (`utils.NextIP`)."""
    return cidr.first + 1


def default_end(cidr: Cidr) -> int:
    """§5.1 rule 2 (`utils.LastIP`): IPv4 broadcast - 1, IPv6 the last address."""
    return cidr.last - 1 if cidr.family == IPV4 else cidr.last


def _parsed_in(text: str, cidr: Cidr) -> int | None:
    """`net.ParseIP(text)`, kept only when it lies in `cidr` (Go's `IPNet.Contains`)."""
    parsed = try_parse_ip(text) if text else None
    if parsed is None or not cidr.contains(*parsed):
        return None
    return parsed[1]


def _canonical_values(texts: tuple[str, ...], cidr: Cidr) -> frozenset[int]:
    """Addresses of `cidr` listed by their canonical text: IPAM matches `ip.String()`
    against raw entries, so a non-canonical entry matches nothing (§5.6, quirk 4)."""
    values = set()
    for text in texts:
        if is_canonical_ip(text):
            value = _parsed_in(text, cidr)
            if value is not None:
                values.add(value)
    return frozenset(values)


@dataclass(frozen=True)
class SubnetWindow:
    """A canonicalized subnet: what Hybridnet's IPAM holds in memory."""

    cidr: Cidr
    start: int
    end: int
    gateway: int | None
    excluded: frozenset[int]
    reserved_texts: tuple[str, ...]

    @property
    def family(self) -> int:
        return self.cidr.family

    @cached_property
    def bounds(self) -> tuple[int, int]:
        """start..end clipped to the CIDR (may be empty: lo > hi)."""
        return max(self.start, self.cidr.first), min(self.end, self.cidr.last)

    def contains(self, family: int, value: int) -> bool:
        """`Subnet.Contains`: allocatable (§5.1 rule 3)."""
        lo, hi = self.bounds
        return (
            family == self.cidr.family
            and lo <= value <= hi
            and value != self.gateway
            and value not in self.excluded
        )

    @cached_property
    def allocatable(self) -> IntervalSet:
        """Every allocatable address, reserved ones included."""
        lo, hi = self.bounds
        if lo > hi:
            return IntervalSet()
        holes = set(self.excluded)
        if self.gateway is not None:
            holes.add(self.gateway)
        return IntervalSet([(lo, hi)]).subtract(IntervalSet((v, v) for v in holes))

    @cached_property
    def reserved(self) -> frozenset[int]:
        """§5.1 rule 4: reserved IPs kept by IPAM (canonical text and allocatable)."""
        return frozenset(
            v
            for v in _canonical_values(self.reserved_texts, self.cidr)
            if self.contains(self.family, v)
        )

    @cached_property
    def total(self) -> int:
        """§5.1 rule 5."""
        return self.allocatable.size - len(self.reserved)


def canonicalize(subnet: SubnetSpec) -> SubnetWindow:
    """`Canonicalize` + `Validate` of Hybridnet's IPAM subnet, in its order and wording."""
    if not subnet.name:
        raise CanonicalizeError("subnet name can not be empty")
    if not subnet.network:
        raise CanonicalizeError("subnet's partent network can not be empty")  # sic
    return canonicalize_range(subnet.range)


def canonicalize_range(rng: AddressRange) -> SubnetWindow:
    """The part of `canonicalize` that reads `spec.range`."""
    cidr = try_parse_cidr(rng.cidr)
    if cidr is None:
        raise CanonicalizeError("CIDR is invalid")
    if cidr.prefixlen > cidr.bits - 2:
        raise CanonicalizeError(f"CIDR {cidr.text} too small to allocate from")
    # No host-bits check: `TransferSubnetForIPAM` hands IPAM the masked network of ParseCIDR,
    # so IPAM silently works on the network address (S-8 rejects host bits on new subnets).
    bounds = {}
    for label, text in (("gateway", rng.gateway), ("start", rng.start), ("end", rng.end)):
        parsed = try_parse_ip(text) if text else None
        if parsed is not None and not cidr.contains(*parsed):
            raise CanonicalizeError(
                f"{label} {int_to_text(parsed[1], parsed[0])} not in CIDR {cidr.text}"
            )
        bounds[label] = parsed[1] if parsed else None
    start = default_start(cidr) if bounds["start"] is None else bounds["start"]
    end = default_end(cidr) if bounds["end"] is None else bounds["end"]
    return SubnetWindow(
        cidr,
        start,
        end,
        bounds["gateway"],
        _canonical_values(rng.exclude_ips, cidr),
        rng.reserved_ips,
    )


def try_canonicalize(subnet: SubnetSpec) -> SubnetWindow | None:
    try:
        return canonicalize(subnet)
    except CanonicalizeError:
        return None


def total(subnet: SubnetSpec) -> int:
    """§5.1 Total; 0 for a subnet IPAM cannot load."""
    window = try_canonicalize(subnet)
    return 0 if window is None else window.total


def range_total(rng: AddressRange) -> int:
    """§5.1 Total of a named Subnet of a named Network with this `spec.range`."""
    try:
        return canonicalize_range(rng).total
    except CanonicalizeError:
        return 0


def webhook_capacity(subject: SubnetSpec | AddressRange) -> int:
    """S-9 `CalculateCapacity`: |end - start| + 1 - len(excludeIPs), with the §2.2 defaults.

    Gateway and reserved IPs are not subtracted; every excludeIPs entry is, even duplicates and
    entries outside start..end (quirk 5)."""
    rng = subject.range if isinstance(subject, SubnetSpec) else subject
    cidr = try_parse_cidr(rng.cidr)
    if cidr is None:
        return INT64_MAX
    start = try_parse_ip(rng.start) if rng.start else None
    end = try_parse_ip(rng.end) if rng.end else None
    start = start or (cidr.family, default_start(cidr))
    end = end or (cidr.family, default_end(cidr))
    span = abs(end[1] - start[1]) + 1 if start[0] == end[0] else 0
    return span - len(rng.exclude_ips)


def exceeds_capacity(subject: SubnetSpec | AddressRange) -> bool:
    """S-9: more than MAX_SUBNET_CAPACITY by the webhook's formula."""
    return webhook_capacity(subject) > MAX_SUBNET_CAPACITY


def range_window(rng: AddressRange) -> IntervalSet | None:
    """The address set `utils.go:Intersect` enumerates: start..end with defaults, minus
    canonical-text excludeIPs. The gateway and reserved IPs stay in; it is not clipped to the
    CIDR. None when the CIDR does not parse."""
    cidr = try_parse_cidr(rng.cidr)
    if cidr is None:
        return None
    start = try_parse_ip(rng.start) if rng.start else None
    end = try_parse_ip(rng.end) if rng.end else None
    lo = start[1] if start else default_start(cidr)
    hi = end[1] if end else default_end(cidr)
    if lo > hi:
        return IntervalSet()
    excluded = set()
    for text in rng.exclude_ips:
        parsed = try_parse_ip(text) if is_canonical_ip(text) else None
        if parsed is not None and parsed[0] == cidr.family:
            excluded.add(parsed[1])
    return IntervalSet([(lo, hi)]).subtract(IntervalSet((v, v) for v in excluded))


def ranges_intersect(a: AddressRange, b: AddressRange) -> bool:
    """`utils.go:Intersect`: same raw version, nested CIDRs, and a shared window address."""
    if a.version != b.version:
        return False
    cidr_a, cidr_b = try_parse_cidr(a.cidr), try_parse_cidr(b.cidr)
    if cidr_a is None or cidr_b is None or not cidr_a.nests_with(cidr_b):
        return False
    window_a, window_b = range_window(a), range_window(b)
    return bool(window_a and window_b and window_a.overlaps(window_b))
