"""Go `net` semantics of address parsing and canonical text (SPEC §5.6)."""

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipam.addresses import (
    Cidr,
    canonical_cidr,
    canonical_ip,
    int_to_text,
    is_canonical,
    parse_cidr,
    parse_ip,
    try_parse_ip,
)
from ipam.constants import IPV4, IPV6
from ipam.errors import AddressError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.5", "10.0.0.5"),
        ("FE20::10", "fe20::10"),
        ("fe20::00a0", "fe20::a0"),
        ("fe20:0:0:0:0:0:0:1", "fe20::1"),
        ("0:0:0:0:0:0:0:0", "::"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("1:0:0:0:0:0:0:0", "1::"),
        # a single zero group is never compressed
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        # the first of two equally long runs is compressed
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        # the longer run wins even when it comes second
        ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
        # Go prints IPv4-mapped IPv6 as dotted IPv4; IPv4-compatible stays hex
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("::ffff:0102:0304", "1.2.3.4"),
        ("::1.2.3.4", "::102:304"),
        ("::1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"),
        # leading zeros are fine in hex groups, even next to an IPv4 tail
        ("fe80:01::1.2.3.4", "fe80:1::102:304"),
    ],
)
def test_canonical_ip_matches_go(text, expected):
    assert canonical_ip(text) == expected
    assert is_canonical(expected)
    assert is_canonical(text) == (text == expected)


@pytest.mark.parametrize(
    "text",
    [
        "1.2.3",
        "010.0.0.1",
        "1.2.3.04",
        "::ffff:01.2.3.4",
        "1.2.3.256",
        " 1.2.3.4",
        "1.2.3.4\n",
        "fe80::1%eth0",
        "12345::",
        "1::2:3:4:5:6:7:8",
        "",
        "10.0.0.0/24",
        "x",
        "1.2.3.4\x00",
    ],
)
def test_go_rejects(text):
    assert try_parse_ip(text) is None
    with pytest.raises(AddressError):
        canonical_ip(text)


def test_mapped_address_is_ipv4():
    assert parse_ip("::ffff:10.0.0.5") == (IPV4, 0x0A000005)
    assert parse_ip("fe20::1") == (IPV6, (0xFE20 << 112) + 1)


def test_an_address_holds_its_family_value_and_canonical_text():
    address = parse_ip("::FFFF:10.0.0.5")
    assert (address.family, address.value, address.text) == (IPV4, 0x0A000005, "10.0.0.5")
    assert parse_ip("FE20::0001").text == "fe20::1"


def test_a_mapped_network_prints_as_the_ipv4_network_go_prints():
    # Go's IPNet.String() of ::ffff:1.2.3.0/120 is "1.2.3.0/24", as parse_cidr reads it back.
    mapped = Cidr(IPV6, 0xFFFF_0102_0300, 120)
    assert mapped.text == "1.2.3.0/24"
    assert parse_cidr(mapped.text) == Cidr(IPV4, 0x01020300, 24)
    assert Cidr(IPV6, 0xFFFF << 32, 96).text == "0.0.0.0/0"
    assert Cidr(IPV6, 0, 80).text == "::/80"


@pytest.mark.parametrize(
    ("text", "family", "first", "prefixlen", "host_bits", "canonical"),
    [
        ("10.0.0.0/24", IPV4, 0x0A000000, 24, False, "10.0.0.0/24"),
        ("10.0.0.1/24", IPV4, 0x0A000000, 24, True, "10.0.0.0/24"),
        ("10.0.0.0/024", IPV4, 0x0A000000, 24, False, "10.0.0.0/24"),
        # Go's dtoi takes any number of leading zeros
        ("10.0.0.0/00000000000000000024", IPV4, 0x0A000000, 24, False, "10.0.0.0/24"),
        ("FD00:0::/120", IPV6, 0xFD00 << 112, 120, False, "fd00::/120"),
        # Go's Contains and String treat a mapped /104 as the IPv4 /8
        ("::ffff:10.0.0.0/104", IPV4, 0x0A000000, 8, False, "10.0.0.0/8"),
    ],
)
def test_parse_cidr(text, family, first, prefixlen, host_bits, canonical):
    cidr = parse_cidr(text)
    assert (cidr.family, cidr.first, cidr.prefixlen) == (family, first, prefixlen)
    assert cidr.has_host_bits is host_bits
    assert canonical_cidr(text) == canonical
    assert is_canonical(text) == (text == canonical)


@pytest.mark.parametrize(
    "text",
    [
        "10.0.0.0",
        "10.0.0.0/33",
        "10.0.0.0/",
        "fd00::/129",
        "10.0.0.0/x",
        "10.0.0.0/-1",
        "10.0.0.0/ 8",
        "10.0.0.0/+8",
        # only ASCII digits: Go's dtoi stops at any other
        "10.0.0.0/\uff12\uff14",
        "10.0.0.0/\u0662\u0664",
        "10.0.0.0/\u00b2",
        "10.0.0.0/16777216",
        "10.0.0.0/" + "9" * 5000,
    ],
)
def test_parse_cidr_rejects(text):
    with pytest.raises(AddressError):
        parse_cidr(text)


def test_top_of_the_space_does_not_overflow():
    cidr = parse_cidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120")
    assert cidr.last == (1 << 128) - 1
    assert int_to_text(cidr.last, IPV6) == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    assert parse_cidr("255.255.255.0/24").last == (1 << 32) - 1


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=(1 << 128) - 1))
def test_ipv6_text_round_trips_and_agrees_with_rfc5952(value):
    text = int_to_text(value, IPV6)
    family, parsed = parse_ip(text)
    if family == IPV4:  # mapped range: printed dotted, read back as IPv4
        assert parsed == value & 0xFFFFFFFF
        return
    assert parsed == value
    # Python's own formatter also follows RFC 5952 outside the mapped range
    assert text == ipaddress.IPv6Address(value).compressed


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=(1 << 32) - 1))
def test_ipv6_text_below_2_to_the_32_is_hex_not_dotted(value):
    # The C library writes "::1.2.3.4" there; Go and RFC 5952 write "::102:304".
    assert int_to_text(value, IPV6) == ipaddress.IPv6Address(value).compressed


@pytest.mark.parametrize(
    "value, text",
    [(0, "::"), (1, "::1"), (0x10000, "::1:0"), (0x01020304, "::102:304"), (1 << 32, "::1:0:0")],
)
def test_ipv6_text_of_low_addresses(value, text):
    assert int_to_text(value, IPV6) == text


@settings(max_examples=100)
@given(st.integers(min_value=0, max_value=(1 << 32) - 1))
def test_ipv4_text_round_trips(value):
    assert parse_ip(int_to_text(value, IPV4)) == (IPV4, value)
