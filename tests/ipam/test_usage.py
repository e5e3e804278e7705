"""IPAM usage arithmetic (SPEC §5), with SPEC §5.1's examples verbatim."""

import pytest

from ipam.allocatable import canonicalize, total, webhook_capacity
from ipam.spec import IPInstanceSpec, NetworkSpec, SubnetSpec
from ipam.usage import cluster_usage, network_usage, subnet_usage
from tests.ipam.factories import ipinstance, network, subnet


def sub(cidr, **kwargs):
    return SubnetSpec.from_k8s(subnet("s", cidr, **kwargs))


def ips(*addresses, subnet_name="s", **kwargs):
    return [IPInstanceSpec.from_k8s(ipinstance(a, subnet_name, **kwargs)) for a in addresses]


# SPEC §5.1 "Examples (all cross-checked against the upstream code)", one row each.
@pytest.mark.parametrize(
    ("case", "kwargs", "expected_total"),
    [
        ("IPv4 /24 with gateway", dict(cidr="10.0.0.0/24", gateway="10.0.0.1"), 253),
        ("IPv4 /24 without gateway", dict(cidr="10.0.0.0/24"), 254),
        ("IPv6 /120 without gateway", dict(cidr="fd00::/120"), 255),
        ("IPv6 /120 with gateway", dict(cidr="fd00::/120", gateway="fd00::1"), 254),
        ("/30", dict(cidr="10.0.0.0/30"), 2),
        (
            "start .100 end .200, gateway outside",
            dict(cidr="10.0.0.0/24", gateway="10.0.0.1", start="10.0.0.100", end="10.0.0.200"),
            101,
        ),
        (
            "start .100 end .200, gateway inside",
            dict(cidr="10.0.0.0/24", gateway="10.0.0.150", start="10.0.0.100", end="10.0.0.200"),
            100,
        ),
        (
            "excludeIPs .105, .107 (inside) and .50 (outside)",
            dict(
                cidr="10.0.0.0/24",
                gateway="10.0.0.1",
                start="10.0.0.100",
                end="10.0.0.200",
                excluded=["10.0.0.105", "10.0.0.107", "10.0.0.50"],
            ),
            99,
        ),
    ],
)
def test_spec_5_1_examples(case, kwargs, expected_total):
    assert total(sub(**kwargs)) == expected_total, case


def test_spec_5_1_webhook_capacity_differs_from_total():
    s = sub(
        "10.0.0.0/24",
        gateway="10.0.0.1",
        start="10.0.0.100",
        end="10.0.0.200",
        excluded=["10.0.0.105", "10.0.0.107", "10.0.0.50"],
    )
    assert (total(s), webhook_capacity(s), webhook_capacity(s.range)) == (99, 98, 98)


@pytest.mark.parametrize(
    ("cidr", "kwargs", "capacity"),
    [
        ("10.0.0.0/16", {}, 65534),
        ("10.0.0.0/15", {}, 131070),
        ("fd00::/112", {}, 65535),
        ("fd00::/64", {}, (1 << 64) - 1),
        ("fd00::/64", dict(start="fd00::1", end="fd00::1:0"), 65536),
        # duplicates and out-of-window entries are subtracted too (quirk 5)
        (
            "10.0.0.0/24",
            dict(start="10.0.0.10", end="10.0.0.19", excluded=["10.0.0.1", "10.0.0.1"]),
            8,
        ),
        # only start given, beyond the default end: Go takes |end - start| + 1
        ("10.0.0.0/24", dict(start="10.0.0.255"), 2),
    ],
)
def test_webhook_capacity(cidr, kwargs, capacity):
    assert webhook_capacity(sub(cidr, **kwargs).range) == capacity


def test_start_end_defaults_ipv4_and_ipv6():
    v4 = canonicalize(sub("10.0.0.0/24"))
    assert (v4.start, v4.end) == (0x0A000001, 0x0A0000FE)  # broadcast excluded
    v6 = canonicalize(sub("fd00::/120"))
    assert (v6.start, v6.end) == ((0xFD00 << 112) + 1, (0xFD00 << 112) + 255)


def test_explicit_start_on_network_address_is_allocatable():
    assert total(sub("10.0.0.0/24", start="10.0.0.0", end="10.0.0.255")) == 256


def test_excluded_and_reserved_must_be_canonical_to_count():
    # FE20::10 and fe20::00a0 pass the webhook but IPAM ignores them (§5.6)
    base = total(sub("fe20::/120"))
    honoured = sub("fe20::/120", excluded=["fe20::10"], reserved=["fe20::a0"])
    ignored = sub("fe20::/120", excluded=["FE20::10"], reserved=["fe20::00a0"])
    assert (base, total(honoured), total(ignored)) == (255, 253, 255)


def test_reserved_outside_window_equal_to_gateway_or_excluded_is_ignored():
    s = sub(
        "10.0.0.0/24",
        gateway="10.0.0.1",
        start="10.0.0.10",
        end="10.0.0.19",
        excluded=["10.0.0.12"],
        reserved=["10.0.0.5", "10.0.0.1", "10.0.0.12", "10.0.0.15", "10.0.0.15"],
    )
    # 10 addresses, minus excluded .12, minus kept reserved .15 (once)
    assert total(s) == 8


def test_used_counts_retained_ips_and_skips_reserved_and_foreign_ones():
    s = sub("10.0.0.0/24", gateway="10.0.0.1", reserved=["10.0.0.9"], excluded=["10.0.0.8"])
    instances = (
        ips("10.0.0.2", "10.0.0.3")
        + ips("10.0.0.4", node=None)  # retained StatefulSet IP: still used
        + ips("10.0.0.9")  # on a reserved address: not counted
        + ips("10.0.0.8", "10.0.0.1", "10.0.0.255")  # excluded, gateway, broadcast: not allocatable
        + ips("10.0.0.5", subnet_name="other")  # other subnet's label
        + ips("10.0.0.6", spec_subnet="other")  # labelled here, spec.subnet elsewhere
        + ips("10.0.0.2", namespace="other-ns")  # same address twice counts once
    )
    usage = subnet_usage(s, instances)
    assert (usage.total, usage.used, usage.available) == (251, 3, 248)


def test_subnet_ipam_cannot_load_reports_zero():
    assert subnet_usage(sub("10.0.0.0/31"), ips("10.0.0.1")).as_dict() == {
        "total": 0,
        "used": 0,
        "available": 0,
    }


def test_network_statistics_dual_stack_private_and_other_networks():
    net = NetworkSpec.from_k8s(network("net", selector={"a": "b"}, net_id=0))
    subnets = [
        SubnetSpec.from_k8s(o)
        for o in (
            subnet("v4a", "10.0.0.0/24", gateway="10.0.0.1"),  # 253
            subnet("v4b", "10.0.1.0/30", config={"private": True}),  # 2, private counts
            subnet("v6", "fd00::/120", gateway="fd00::1"),  # 254
            subnet("elsewhere", "10.0.2.0/24", network="other"),
        )
    ]
    instances = (
        ips("10.0.0.2", "10.0.0.3", subnet_name="v4a")
        + ips("10.0.1.1", subnet_name="v4b")
        + ips("fd00::2", subnet_name="v6", prefix=120)
    )
    assert network_usage(net, subnets, instances) == {
        "IPv4": {"total": 255, "used": 3, "available": 252},
        "IPv6": {"total": 254, "used": 1, "available": 253},
        "DualStack": {"available": 252},
    }


def test_network_without_ipv6_has_no_dual_stack_room():
    net = NetworkSpec.from_k8s(network("net"))
    result = network_usage(net, [sub("10.0.0.0/24")], [])
    assert result["IPv6"] == {"total": 0, "used": 0, "available": 0}
    assert result["DualStack"] == {"available": 0}


def test_version_6_label_makes_the_subnet_count_as_ipv6():
    net = NetworkSpec.from_k8s(network("net"))
    result = network_usage(net, [sub("10.0.0.0/30", version="6")], [])
    assert (result["IPv4"]["total"], result["IPv6"]["total"]) == (0, 2)


def test_cluster_usage_shape():
    nets = [NetworkSpec.from_k8s(network("net")), NetworkSpec.from_k8s(network("empty"))]
    subs = [sub("10.0.0.0/30")]
    result = cluster_usage(nets, subs, ips("10.0.0.1"))
    assert result == {
        "subnets": {"s": {"total": 2, "used": 1, "available": 1}},
        "networks": {
            "net": {
                "IPv4": {"total": 2, "used": 1, "available": 1},
                "IPv6": {"total": 0, "used": 0, "available": 0},
                "DualStack": {"available": 0},
            },
            "empty": {
                "IPv4": {"total": 0, "used": 0, "available": 0},
                "IPv6": {"total": 0, "used": 0, "available": 0},
                "DualStack": {"available": 0},
            },
        },
    }


def test_large_ipv6_window_is_counted_without_enumeration():
    s = sub("fd00::/64", start="fd00::1", end="fd00::ffff:ffff", excluded=["fd00::5"])
    assert total(s) == (1 << 32) - 1 - 1
