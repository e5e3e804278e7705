"""IP address and CIDR text <-> integers, with the semantics of Go's `net` package.

Hybridnet parses with `net.ParseIP`/`net.ParseCIDR` and prints with `net.IP.String()`, so this
module reproduces both: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) *is* an IPv4 address
(Go's `To4()`), and is printed dotted. Everything after parsing is integer arithmetic.

Parsing calls `socket.inet_pton` directly, as netaddr's INET_PTON mode does underneath, with the
same leading-zero guard; going through netaddr's wrappers costs 4x more per address, which
dominates usage over 200,000 IPInstances. Printing calls `socket.inet_ntop`, except where
the C library's text differs from Go's (below 2^32, and the mapped range).
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from typing import NamedTuple

from ipam.constants import FAMILY_BITS, IPV4, IPV6
from ipam.errors import AddressError

_MAPPED_PREFIX = 0xFFFF << 32  # ::ffff:0:0/96
_MAPPED_MASK = ((1 << 96) - 1) << 32
_MAPPED_PREFIXLEN = 96
_V4_MASK = (1 << 32) - 1


def _is_mapped(value: int) -> bool:
    return value & _MAPPED_MASK == _MAPPED_PREFIX


# Go (like glibc) refuses "010.0.0.1"; some platforms' inet_pton read it as octal.
_LEADING_ZERO = re.compile(r"(?:^|\.)0\d")


def _parse_raw(text: str) -> tuple[int, int]:
    """Parse without the IPv4-mapped folding: (textual family, integer). inet_pton refuses
    short forms, zones, spaces and out-of-range parts, as `netip.ParseAddr` does."""
    if not isinstance(text, str):
        raise AddressError(f"invalid IP address {text!r}")
    family = IPV6 if ":" in text else IPV4
    dotted = text.rpartition(":")[2]  # IPv4, or the IPv4 tail of an IPv6 address
    try:
        if "." in dotted and _LEADING_ZERO.search(dotted):
            raise ValueError
        packed = socket.inet_pton(socket.AF_INET6 if family == IPV6 else socket.AF_INET, text)
    except (OSError, ValueError, TypeError):
        raise AddressError(f"invalid IP address {text!r}") from None
    return family, int.from_bytes(packed, "big")


class Address(NamedTuple):
    """An address as Go's `net.ParseIP` reads it. A tuple, so `family, value = parse_ip(text)`
    unpacks it, and addresses sort as their keys do: by family, then by value."""

    family: int
    value: int

    @property
    def text(self) -> str:
        """`net.IP.String()`: the canonical text."""
        return int_to_text(self.value, self.family)


def parse_ip(text: str) -> Address:
    """`net.ParseIP`; an IPv4-mapped IPv6 address is IPv4, as `To4()` says."""
    family, value = _parse_raw(text)
    if family == IPV6 and _is_mapped(value):
        return Address(IPV4, value & _V4_MASK)
    return Address(family, value)


def try_parse_ip(text: str) -> Address | None:
    """`parse_ip`, or None where Go's `net.ParseIP` returns nil."""
    try:
        return parse_ip(text)
    except AddressError:
        return None


@dataclass(frozen=True, slots=True)
class Cidr:
    """A parsed `net.ParseCIDR` result: the written address and the network it names."""

    family: int
    ip: int  # the address as written, host bits included
    prefixlen: int
    first: int = field(init=False)  # the network address
    last: int = field(init=False)  # the highest address (IPv4: broadcast)

    def __post_init__(self) -> None:
        # computed once: overlap checks and usage read them millions of times
        host = (1 << (FAMILY_BITS[self.family] - self.prefixlen)) - 1
        object.__setattr__(self, "first", self.ip & ~host)
        object.__setattr__(self, "last", (self.ip & ~host) | host)

    @property
    def bits(self) -> int:
        return FAMILY_BITS[self.family]

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    @property
    def has_host_bits(self) -> bool:
        return self.ip != self.first

    def contains(self, family: int, value: int) -> bool:
        """`IPNet.Contains`: families must match, then range membership."""
        return family == self.family and self.first <= value <= self.last

    def nests_with(self, other: Cidr) -> bool:
        """One contains the other's network address (CIDRs never partially overlap)."""
        return self.contains(other.family, other.first) or other.contains(self.family, self.first)

    @property
    def text(self) -> str:
        """`IPNet.String()` of the network: canonical CIDR text. Go prints an IPv4-mapped
        network of /96 or longer as the IPv4 network it stands for, as parse_cidr reads it."""
        if self.family == IPV6 and self.prefixlen >= _MAPPED_PREFIXLEN and _is_mapped(self.first):
            ipv4_prefixlen = self.prefixlen - _MAPPED_PREFIXLEN
            return f"{int_to_text(self.first & _V4_MASK, IPV4)}/{ipv4_prefixlen}"
        return f"{int_to_text(self.first, self.family)}/{self.prefixlen}"


# Go's `dtoi` gives up once the value reaches this (net/parse.go's `big`).
_DTOI_BIG = 0xFFFFFF


def _dtoi(text: str) -> int | None:
    """Go's `dtoi`: ASCII decimal digits only, any number of leading zeros, below `big`."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(_DTOI_BIG)):  # never parse a huge string of digits
        return None
    value = int(digits)
    return value if value < _DTOI_BIG else None


def parse_cidr(text: str) -> Cidr:
    """`net.ParseCIDR`. An IPv4-mapped IPv6 network of /96 or longer behaves in Go's
    `Contains` and `String` as the IPv4 network of (prefix - 96), so it is returned as one."""
    if not isinstance(text, str) or "/" not in text:
        raise AddressError(f"invalid CIDR {text!r}")
    addr, _, mask = text.partition("/")
    family, value = _parse_raw(addr)
    prefixlen = _dtoi(mask)
    if prefixlen is None or prefixlen > FAMILY_BITS[family]:
        raise AddressError(f"invalid CIDR {text!r}")
    if family == IPV6 and prefixlen >= _MAPPED_PREFIXLEN and _is_mapped(value):
        return Cidr(IPV4, value & _V4_MASK, prefixlen - _MAPPED_PREFIXLEN)
    return Cidr(family, value, prefixlen)


def try_parse_cidr(text: str) -> Cidr | None:
    try:
        return parse_cidr(text)
    except AddressError:
        return None


def int_to_text(value: int, family: int) -> str:
    """`net.IP.String()` of an integer address of `family`."""
    if family == IPV4:
        return socket.inet_ntoa(value.to_bytes(4, "big"))
    if _is_mapped(value):
        return int_to_text(value & _V4_MASK, IPV4)
    if value > _V4_MASK:
        # inet_ntop writes RFC 5952 text, as Go does: the first longest run of two or more
        # zero groups as "::", lowercase hex without leading zeros.
        return socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))
    # Below 2^32 inet_ntop writes the deprecated "::a.b.c.d"; Go writes hex, as RFC 5952 does.
    high, low = value >> 16, value & 0xFFFF
    if high:
        return f"::{high:x}:{low:x}"
    return f"::{low:x}" if low else "::"


def canonical_ip(text: str) -> str:
    """Go's canonical text of an address (raises AddressError if Go would not parse it)."""
    return parse_ip(text).text


def canonical_cidr(text: str) -> str:
    """Canonical `IPNet.String()` of a CIDR (host bits are masked off, as Go does)."""
    return parse_cidr(text).text


def is_canonical_ip(text: str) -> bool:
    parsed = try_parse_ip(text)
    return parsed is not None and parsed.text == text


def is_canonical_cidr(text: str) -> bool:
    parsed = try_parse_cidr(text)
    return parsed is not None and not parsed.has_host_bits and parsed.text == text


def is_canonical(text: str) -> bool:
    """Canonical address or canonical CIDR, whichever `text` claims to be."""
    return is_canonical_cidr(text) if "/" in text else is_canonical_ip(text)
