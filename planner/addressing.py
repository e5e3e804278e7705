"""Parsing of address and CIDR text typed by users, and the sortable keys stored beside it.

Input is normalised to Hybridnet's canonical text (SPEC 5.6); anything ambiguous is refused
with a message that names the problem, never silently rewritten into something else.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from netaddr import AddrFormatError, IPAddress, IPNetwork

from planner.constants import ADDRESS_KEY_LENGTH

ADDRESS_BYTES = ADDRESS_KEY_LENGTH - 1
IPV4_MAPPED_PREFIX = IPNetwork("::ffff:0:0/96")


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


def key_to_text(key: bytes) -> str:
    family, value = key[0], int.from_bytes(key[1:], "big")
    return str(IPAddress(value, family))


def parse_address(text: str) -> ParsedAddress:
    """An IPv4 or IPv6 address in any spelling netaddr reads, returned in canonical text."""
    raw = (text or "").strip()
    if "/" in raw:
        raise ValidationError(f"{raw!r} is a CIDR, not a single address")
    try:
        address = IPAddress(raw, flags=0)
    except (AddrFormatError, ValueError, TypeError):
        raise ValidationError(f"{raw!r} is not a valid IP address") from None
    if "." not in raw and address.version == 4:
        # netaddr accepts integers such as "10"; a network engineer never means that.
        raise ValidationError(f"{raw!r} is not a valid IP address")
    if address.version == 6 and address in IPV4_MAPPED_PREFIX:
        raise ValidationError(f"{raw!r} is an IPv4-mapped IPv6 address: write the IPv4 address")
    return ParsedAddress(address.version, int(address), str(address))


def parse_cidr(text: str) -> ParsedCidr:
    """A network in CIDR form without host bits, returned in canonical text."""
    raw = (text or "").strip()
    address_text, slash, length_text = raw.partition("/")
    if not slash or not length_text.isdigit():
        raise ValidationError(f"{raw!r} is not in CIDR form (address/prefix length)")
    address = parse_address(address_text)
    max_length = 32 if address.family == 4 else 128
    prefixlen = int(length_text)
    if prefixlen > max_length:
        raise ValidationError(f"{raw!r}: prefix length /{prefixlen} exceeds /{max_length}")
    network = IPNetwork(f"{address.text}/{prefixlen}")
    if network.network != IPAddress(address.value, address.family):
        raise ValidationError(
            f"{raw!r} has host bits set: the network address is {network.network}/{prefixlen}"
        )
    return ParsedCidr(
        address.family, int(network.first), int(network.last), prefixlen, str(network)
    )
