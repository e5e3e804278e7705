"""Parsing of address and CIDR text typed by users, and the sortable keys stored beside it.

Input is normalised to Hybridnet's canonical text (SPEC 5.6); anything ambiguous is refused
with a message that names the problem, never silently rewritten into something else.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from ipam.addresses import int_to_text, parse_ip
from ipam.addresses import parse_cidr as parse_go_cidr
from ipam.blocks import ancestors
from ipam.constants import FAMILY_BITS, IPV4
from ipam.errors import AddressError
from planner.constants import ADDRESS_KEY_LENGTH

ADDRESS_BYTES = ADDRESS_KEY_LENGTH - 1
# The family byte of keys no stored address has (containing_cidr_keys pads with them).
NO_FAMILY = 0


@dataclass(frozen=True)
class ParsedAddress:
    family: int
    value: int
    text: str

    @property
    def key(self) -> bytes:
        return address_key(self.family, self.value)


@dataclass(frozen=True)
class ParsedCidr:
    family: int
    first: int
    last: int
    prefixlen: int
    text: str

    @property
    def first_key(self) -> bytes:
        return address_key(self.family, self.first)

    @property
    def last_key(self) -> bytes:
        return address_key(self.family, self.last)

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def contains(self, address: ParsedAddress) -> bool:
        return address.family == self.family and self.first <= address.value <= self.last


def address_key(family: int, value: int) -> bytes:
    """17 bytes that sort like the address: the family, then the value big-endian."""
    return bytes([family]) + value.to_bytes(ADDRESS_BYTES, "big")


def key_value(key: bytes) -> int:
    """The address a stored key holds, as an integer (the family byte dropped)."""
    return int.from_bytes(key[1:], "big")


def containing_cidr_keys(family: int, address: int) -> list[bytes]:
    """Where a CIDR that starts below `address` but reaches it would start: a CIDR is
    aligned, so it can only be one of the blocks containing the address. With a range
    lookup from the address on, this finds every CIDR overlapping a span in a few index
    reads, not by reading every CIDR below.

    Always one key per prefix length, the list padded with keys no address has (family
    byte 0): a statement looking them up then has the same text, and so the same prepared
    plan, whatever the address."""
    bits = FAMILY_BITS[family]
    starts = sorted({start for start, _ in ancestors(address, bits, bits) if start < address})
    padding = range(bits - len(starts))
    return [address_key(family, start) for start in starts] + [
        address_key(NO_FAMILY, index) for index in padding
    ]


def key_to_text(key: bytes) -> str:
    return int_to_text(key_value(key), key[0])


def parse_address(text: str) -> ParsedAddress:
    """An IPv4 or IPv6 address as Go reads it, returned in canonical text."""
    raw = (text or "").strip()
    if "/" in raw:
        raise ValidationError(f"{raw!r} is a CIDR, not a single address")
    try:
        family, value = parse_ip(raw)
    except AddressError:
        raise ValidationError(f"{raw!r} is not a valid IP address") from None
    if family == IPV4 and ":" in raw:
        # Go would read it as IPv4; say so rather than store a different spelling.
        raise ValidationError(f"{raw!r} is an IPv4-mapped IPv6 address: write the IPv4 address")
    return ParsedAddress(family, value, int_to_text(value, family))


def parse_cidr(text: str) -> ParsedCidr:
    """A network in CIDR form without host bits, returned in canonical text."""
    raw = (text or "").strip()
    address_text, slash, length_text = raw.partition("/")
    if not slash or not length_text.isdigit():
        raise ValidationError(f"{raw!r} is not in CIDR form (address/prefix length)")
    address = parse_address(address_text)
    prefixlen, max_length = int(length_text), FAMILY_BITS[address.family]
    if prefixlen > max_length:
        raise ValidationError(f"{raw!r}: prefix length /{prefixlen} exceeds /{max_length}")
    network = parse_go_cidr(f"{address.text}/{prefixlen}")
    if network.has_host_bits:
        raise ValidationError(f"{raw!r} has host bits set: the network address is {network.text}")
    return ParsedCidr(address.family, network.first, network.last, prefixlen, network.text)
