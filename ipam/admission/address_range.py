"""S-8 / SU-6: `pkg/apis/networking/v1/utils.go:ValidateAddressRange`, in its order."""

from __future__ import annotations

from ipam.addresses import int_to_text, try_parse_cidr, try_parse_ip
from ipam.admission.decision import check
from ipam.constants import FAMILY_BITS, VERSION_FAMILY
from ipam.spec import AddressRange


def validate_address_range(rng: AddressRange, rule: str) -> None:
    """Raise `Denied(rule, Hybridnet's text)` at the first problem of `rng`."""
    check(rng.version in VERSION_FAMILY, rule, f"unsupported IP Version {rng.version}")
    start = try_parse_ip(rng.start) if rng.start else None
    check(not rng.start or start is not None, rule, f"invalid range start {rng.start}")
    end = try_parse_ip(rng.end) if rng.end else None
    check(not rng.end or end is not None, rule, f"invalid range end {rng.end}")

    cidr = try_parse_cidr(rng.cidr)
    check(cidr is not None, rule, f"invalid range CIDR {rng.cidr}")
    check(
        not cidr.has_host_bits,
        rule,
        f"CIDR notation is not standard, should start from "
        f"{int_to_text(cidr.first, cidr.family)} but from {int_to_text(cidr.ip, cidr.family)}",
    )
    check(
        cidr.prefixlen != FAMILY_BITS[cidr.family],
        rule,
        "types of /32 or /128 cidrs is not supported",
    )

    check(
        start is None or cidr.contains(*start), rule, f"start {rng.start} is not in CIDR {rng.cidr}"
    )
    check(end is None or cidr.contains(*end), rule, f"end {rng.end} is not in CIDR {rng.cidr}")
    if start is not None and end is not None and start[0] == end[0]:
        check(
            start[1] <= end[1],
            rule,
            f"subnet should have at least one available IP. "
            f"start={int_to_text(start[1], start[0])}, end={int_to_text(end[1], end[0])}",
        )

    if rng.gateway:
        gateway = try_parse_ip(rng.gateway)
        check(gateway is not None, rule, f"invalid range gateway {rng.gateway}")
        check(
            gateway[0] == VERSION_FAMILY[rng.version],
            rule,
            "address families of ip version and gateway mismatch",
        )
        check(cidr.contains(*gateway), rule, f"gateway {rng.gateway} is not in CIDR {rng.cidr}")

    for label, texts in (("reserved", rng.reserved_ips), ("excluded", rng.exclude_ips)):
        for text in texts:
            parsed = try_parse_ip(text)
            check(parsed is not None, rule, f"invalid {label} ip {text}")
            check(cidr.contains(*parsed), rule, f"{label} ip {text} is not in CIDR {rng.cidr}")
