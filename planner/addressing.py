"""Address and CIDR text typed by users, read into ipam's value types, and the sortable keys
stored beside them.

ipam reads the text as Go does; this adapter normalises it to Hybridnet's canonical text (SPEC
5.6) and refuses anything ambiguous with a ValidationError that names the problem, never
silently rewriting it into something else.
"""

from django.core.exceptions import ValidationError

from ipam.addresses import Address, Cidr, int_to_text, parse_cidr, parse_ip
from ipam.blocks import ancestors
from ipam.constants import FAMILY_BITS, IPV4
from ipam.errors import AddressError
from planner.constants import ADDRESS_KEY_LENGTH

ADDRESS_BYTES = ADDRESS_KEY_LENGTH - 1
# The family byte of keys no stored address has (containing_cidr_keys pads with them).
NO_FAMILY = 0


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


def parse_address(text: str) -> Address:
    """An IPv4 or IPv6 address as Go reads it (its `text` is the canonical spelling)."""
    raw = (text or "").strip()
    if "/" in raw:
        raise ValidationError(f"{raw!r} is a CIDR, not a single address")
    try:
        address = parse_ip(raw)
    except AddressError:
        raise ValidationError(f"{raw!r} is not a valid IP address") from None
    if address.family == IPV4 and ":" in raw:
        # Go would read it as IPv4; say so rather than store a different spelling.
        raise ValidationError(f"{raw!r} is an IPv4-mapped IPv6 address: write the IPv4 address")
    return address


def parse_network(text: str) -> Cidr:
    """A network in CIDR form without host bits (its `text` is the canonical spelling)."""
    raw = (text or "").strip()
    address_text, slash, length_text = raw.partition("/")
    if not slash or not length_text.isdigit():
        raise ValidationError(f"{raw!r} is not in CIDR form (address/prefix length)")
    if not length_text.isascii():
        # Full-width or other Unicode digits: Go reads only 0-9, and the address part alike.
        raise ValidationError(f"{raw!r}: write the prefix length with the ASCII digits 0-9")
    address = parse_address(address_text)
    try:
        network = parse_cidr(f"{address.text}/{length_text}")
    except AddressError:
        # The address is valid and the length all digits: only the length can be too long.
        length, max_length = length_text.lstrip("0") or "0", FAMILY_BITS[address.family]
        raise ValidationError(f"{raw!r}: prefix length /{length} exceeds /{max_length}") from None
    if network.has_host_bits:
        raise ValidationError(f"{raw!r} has host bits set: the network address is {network.text}")
    return network
