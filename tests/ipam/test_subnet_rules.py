"""Subnet admission rules S-1..S-14, SU-1..SU-8, SD-1 with Hybridnet's exact texts."""

import pytest

from ipam.admission import (
    ALLOWED_MESSAGE,
    ClusterState,
    RemoteSubnet,
    review_subnet_create,
    review_subnet_delete,
    review_subnet_update,
)
from ipam.spec import AddressRange, SubnetSpec
from tests.ipam.factories import ipinstance, network, subnet

NETWORKS = [
    network("vlan", selector={"rack": "a"}, net_id=100),
    network("vlan2", selector={"rack": "b"}, net_id=100),
    network("vlan-untagged", selector={"rack": "c"}),
    network(
        "bgp",
        mode="BGP",
        selector={"rack": "d"},
        net_id=65000,
        peers=[{"asn": 65001, "address": "10.255.0.1"}],
    ),
    network("global", type_="GlobalBGP"),
    network("overlay", type_="Overlay", net_id=4),
]


def ov(name, cidr, **kwargs):
    """An overlay subnet: no netID, gateway optional, so only the range rules speak."""
    return subnet(name, cidr, network="overlay", **kwargs)


def vl(name, cidr, gateway, **kwargs):
    return subnet(name, cidr, network="vlan", gateway=gateway, **kwargs)


def expected(rule, message):
    return (True, ALLOWED_MESSAGE, "") if message is None else (False, message, rule)


def outcome(decision):
    return decision.allowed, decision.message, decision.rule


def changed(obj, spec=None, **range_changes):
    new = {**obj, "spec": {**obj["spec"], **(spec or {})}}
    new["spec"]["range"] = {**obj["spec"]["range"], **range_changes}
    return new


S8 = "S-8"
# (rule, existing subnets, new subnet, expected message or None)
CREATE_CASES = [
    ("S-1", [], ov("s", "10.0.0.0/24"), None),
    ("S-1", [], subnet("s", "10.0.0.0/24", network=""), "must have parent network"),
    ("S-2", [], subnet("s", "10.0.0.0/24", network="bgp"), None),
    ("S-2", [], subnet("s", "10.0.0.0/24", network="nope"), "parent network nope does not exist"),
    ("S-3", [], vl("s", "10.0.0.0/24", "10.0.0.1", net_id=100), None),
    (
        "S-3",
        [],
        subnet("s", "10.0.0.0/24", network="vlan-untagged", gateway="10.0.0.1", net_id=0),
        None,
    ),
    (
        "S-3",
        [],
        subnet("s", "10.0.0.0/24", network="vlan-untagged", gateway="10.0.0.1"),
        "must have valid Net ID",
    ),
    (
        "S-3",
        [],
        vl("s", "10.0.0.0/24", "10.0.0.1", net_id=101),
        "have inconsistent Net ID with network",
    ),
    ("S-4", [], vl("s", "10.0.0.0/24", "10.0.0.1", config={"autoNatOutgoing": None}), None),
    (
        "S-4",
        [],
        vl("s", "10.0.0.0/24", "10.0.0.1", config={"autoNatOutgoing": False}),
        "must not set autoNatOutgoing with underlay subnet",
    ),
    ("S-5", [], vl("s", "10.0.0.0/24", "10.0.0.1"), None),
    (
        "S-5",
        [],
        subnet("s", "10.0.0.0/24", network="vlan"),
        "must assign gateway for a vlan subnet",
    ),
    ("S-6", [], subnet("s", "10.0.0.0/24", network="bgp"), None),
    (
        "S-6",
        [],
        subnet("s", "10.0.0.0/24", network="bgp", net_id=1),
        "must not assign net ID for (global) bgp subnet",
    ),
    (
        "S-6",
        [],
        subnet("s", "10.0.0.0/24", network="global", config={"autoNatOutgoing": True}),
        "must not set autoNatOutgoing with underlay subnet",
    ),
    ("S-7", [], ov("s", "10.0.0.0/24", config={"autoNatOutgoing": False}), None),
    ("S-7", [], ov("s", "10.0.0.0/24", net_id=4), "must not assign net ID for overlay subnet"),
    # S-8, ValidateAddressRange, one message after the other
    (
        S8,
        [],
        ov(
            "s",
            "10.0.0.0/24",
            gateway="10.0.0.1",
            start="10.0.0.10",
            end="10.0.0.20",
            reserved=["10.0.0.7"],
            excluded=["10.0.0.8"],
        ),
        None,
    ),
    (S8, [], ov("s", "10.0.0.0/24", version="5"), "unsupported IP Version 5"),
    (S8, [], changed(ov("s", "10.0.0.0/24"), version=""), "unsupported IP Version "),
    (S8, [], ov("s", "10.0.0.0/24", start="10.0.0.x"), "invalid range start 10.0.0.x"),
    (S8, [], ov("s", "10.0.0.0/24", end="10.0.0.300"), "invalid range end 10.0.0.300"),
    (S8, [], ov("s", "10.0.0.0/33"), "invalid range CIDR 10.0.0.0/33"),
    (
        S8,
        [],
        ov("s", "10.0.0.1/24"),
        "CIDR notation is not standard, should start from 10.0.0.0 but from 10.0.0.1",
    ),
    (S8, [], ov("s", "10.0.0.0/32"), "types of /32 or /128 cidrs is not supported"),
    (S8, [], ov("s", "fd00::/128"), "types of /32 or /128 cidrs is not supported"),
    (S8, [], ov("s", "10.0.0.0/24", start="10.0.1.1"), "start 10.0.1.1 is not in CIDR 10.0.0.0/24"),
    (S8, [], ov("s", "10.0.0.0/24", end="fd00::1"), "end fd00::1 is not in CIDR 10.0.0.0/24"),
    (
        S8,
        [],
        ov("s", "fd00::/120", start="FD00::20", end="fd00::10"),
        "subnet should have at least one available IP. start=fd00::20, end=fd00::10",
    ),
    (S8, [], ov("s", "10.0.0.0/24", gateway="10.0.0"), "invalid range gateway 10.0.0"),
    (
        S8,
        [],
        ov("s", "10.0.0.0/24", version="6", gateway="10.0.0.1"),
        "address families of ip version and gateway mismatch",
    ),
    (
        S8,
        [],
        ov("s", "10.0.0.0/24", gateway="10.0.1.1"),
        "gateway 10.0.1.1 is not in CIDR 10.0.0.0/24",
    ),
    (S8, [], ov("s", "10.0.0.0/24", reserved=["10.0.0.5", "bad"]), "invalid reserved ip bad"),
    (
        S8,
        [],
        ov("s", "10.0.0.0/24", reserved=["10.0.1.5"]),
        "reserved ip 10.0.1.5 is not in CIDR 10.0.0.0/24",
    ),
    (S8, [], ov("s", "10.0.0.0/24", excluded=["10.0.0.1.1"]), "invalid excluded ip 10.0.0.1.1"),
    (
        S8,
        [],
        ov("s", "10.0.0.0/24", excluded=["10.0.1.5"]),
        "excluded ip 10.0.1.5 is not in CIDR 10.0.0.0/24",
    ),
    # non-canonical texts and a version that contradicts the CIDR pass (quirks 1 and 4)
    (S8, [], ov("s", "fe20::/120", excluded=["FE20::10"], reserved=["fe20::00a0"]), None),
    (S8, [], ov("s", "10.0.0.0/24", version="6"), None),
    ("S-9", [], ov("s", "10.0.0.0/16"), None),
    ("S-9", [], ov("s", "10.0.0.0/15"), "subnet contains more than 65536 IPs"),
    ("S-9", [], ov("s", "fd00::/64", start="fd00::1", end="fd00::1:0"), None),
    (
        "S-9",
        [],
        ov("s", "fd00::/64", start="fd00::1", end="fd00::1:1"),
        "subnet contains more than 65536 IPs",
    ),
    ("S-9", [], ov("s", "fd00::/112"), None),
    ("S-9", [], ov("s", "fd00::/111"), "subnet contains more than 65536 IPs"),
    ("S-10", [], ov("s", "10.0.0.0/30"), None),
    ("S-10", [], ov("", "10.0.0.0/24"), "canonicalize subnet failed: subnet name can not be empty"),
    (
        "S-10",
        [],
        ov("s", "10.0.0.0/31"),
        "canonicalize subnet failed: CIDR 10.0.0.0/31 too small to allocate from",
    ),
    (
        "S-10",
        [],
        ov("s", "FD00::/127"),
        "canonicalize subnet failed: CIDR fd00::/127 too small to allocate from",
    ),
    ("S-11", [ov("a", "10.0.0.0/16")], ov("s", "10.1.0.0/24"), None),
    (
        "S-11",
        [ov("a", "10.0.0.0/16")],
        ov("s", "10.0.1.0/24"),
        "different but overlapped CIDR with existing subnet a, this is not suppored yet",
    ),
    (
        "S-11",
        [ov("a", "10.0.1.0/24")],
        ov("s", "10.0.0.0/16"),
        "different but overlapped CIDR with existing subnet a, this is not suppored yet",
    ),
    (
        "S-11",
        [ov("a", "fd00::/120")],
        ov("s", "fd00:0::/120"),
        "different but overlapped CIDR with existing subnet a, this is not suppored yet",
    ),
    # IPv4 and IPv6 never collide
    ("S-11", [ov("a", "::/0", start="::1", end="::1:0")], ov("s", "10.0.0.0/24"), None),
    (
        "S-12",
        [vl("a", "10.0.0.0/24", "10.0.0.1", start="10.0.0.10", end="10.0.0.20")],
        vl("s", "10.0.0.0/24", "10.0.0.1", start="10.0.0.21", end="10.0.0.30"),
        None,
    ),
    (
        "S-12",
        [vl("a", "10.0.0.0/24", "10.0.0.1", start="10.0.0.10", end="10.0.0.20")],
        subnet("s", "10.0.0.0/24", network="vlan2", gateway="10.0.0.1", start="10.0.0.21"),
        "the same CIDR with existing subnet a, this is allowed but need to be in the same network",
    ),
    (
        "S-13",
        [vl("a", "10.0.0.0/24", "10.0.0.1", start="10.0.0.10", end="10.0.0.20")],
        vl("s", "10.0.0.0/24", "10.0.0.1", start="10.0.0.15", end="10.0.0.30"),
        "overlap with existing subnet a",
    ),
    (
        "S-13",
        [vl("a", "10.0.0.0/24", "10.0.0.1", start="10.0.0.10", end="10.0.0.20")],
        vl("s", "10.0.0.0/24", "10.0.0.1", start="10.0.0.5", end="10.0.0.30"),
        "overlap with existing subnet a",
    ),
    # quirk 2: only endpoints are tested, and excluded endpoints do not count
    (
        "S-13",
        [vl("a", "10.0.0.0/24", "10.0.0.1", start="10.0.0.10", end="10.0.0.20")],
        vl(
            "s",
            "10.0.0.0/24",
            "10.0.0.1",
            start="10.0.0.5",
            end="10.0.0.30",
            excluded=["10.0.0.10", "10.0.0.20"],
        ),
        None,
    ),
    # the first conflicting subnet in list order names the denial
    (
        "S-13",
        [
            vl("b", "10.0.0.0/24", "10.0.0.1", start="10.0.0.40", end="10.0.0.50"),
            vl("a", "10.0.0.0/24", "10.0.0.1", start="10.0.0.10", end="10.0.0.20"),
        ],
        vl("s", "10.0.0.0/24", "10.0.0.1"),
        "overlap with existing subnet b",
    ),
]


@pytest.mark.parametrize(("rule", "existing", "obj", "message"), CREATE_CASES)
def test_subnet_create(rule, existing, obj, message):
    state = ClusterState.from_objects([*NETWORKS, *existing])
    assert outcome(review_subnet_create(state, SubnetSpec.from_k8s(obj))) == expected(rule, message)


REMOTE = RemoteSubnet("r1", AddressRange(version="4", cidr="10.8.0.0/16"))


@pytest.mark.parametrize(
    ("options", "cidr", "message"),
    [
        ({"remote_subnets": [REMOTE]}, "10.8.1.0/24", None),  # gate off
        ({"multicluster": True, "remote_subnets": [REMOTE]}, "10.9.0.0/24", None),
        (
            {"multicluster": True, "remote_subnets": [REMOTE]},
            "10.8.1.0/24",
            "overlap with existing RemoteSubnet r1",
        ),
    ],
)
def test_subnet_create_against_remote_subnets(options, cidr, message):
    state = ClusterState.from_objects(NETWORKS, **options)
    decision = review_subnet_create(state, SubnetSpec.from_k8s(ov("s", cidr)))
    assert outcome(decision) == expected("S-14", message)


BASE_VLAN = vl(
    "s",
    "10.0.0.0/24",
    "10.0.0.1",
    start="10.0.0.10",
    end="10.0.0.20",
    excluded=["10.0.0.11", "10.0.0.12"],
    reserved=["10.0.0.13"],
)
BASE_OVERLAY = ov("s", "10.0.0.0/24", config={"autoNatOutgoing": True})
BASE_BGP = subnet("s", "10.0.0.0/24", network="bgp")


UPDATE_CASES = [
    ("SU-1", BASE_VLAN, changed(BASE_VLAN, {"config": {"private": True}}), None),
    ("SU-1", BASE_VLAN, changed(BASE_VLAN, {"network": "vlan2"}), "must not change parent network"),
    ("SU-2", BASE_OVERLAY, BASE_OVERLAY, None),
    (
        "SU-2",
        subnet("s", "10.0.0.0/24", network="gone"),
        subnet("s", "10.0.0.0/24", network="gone"),
        'Network.networking.alibaba.com "gone" not found',
    ),
    ("SU-3", BASE_VLAN, changed(BASE_VLAN, reservedIPs=["10.0.0.14"]), None),
    ("SU-3", BASE_VLAN, changed(BASE_VLAN, {"netID": 100}), "must not change net ID"),
    (
        "SU-3",
        BASE_VLAN,
        changed(BASE_VLAN, {"config": {"autoNatOutgoing": False}}),
        "must not set autoNatOutgoing with vlan subnet",
    ),
    ("SU-4", BASE_OVERLAY, changed(BASE_OVERLAY, {"config": {"autoNatOutgoing": False}}), None),
    (
        "SU-4",
        BASE_OVERLAY,
        changed(BASE_OVERLAY, {"netID": 4}),
        "must not assign net ID for overlay subnet",
    ),
    ("SU-5", BASE_BGP, changed(BASE_BGP, {"config": {"private": True}}), None),
    (
        "SU-5",
        BASE_BGP,
        changed(BASE_BGP, {"netID": 4}),
        "must not assign net ID for (global) bgp subnet",
    ),
    (
        "SU-5",
        BASE_BGP,
        changed(BASE_BGP, {"config": {"autoNatOutgoing": True}}),
        "must not set autoNatOutgoing with (global) bgp subnet",
    ),
    ("SU-6", BASE_VLAN, changed(BASE_VLAN, reservedIPs=["10.0.0.19", "10.0.0.200"]), None),
    (
        "SU-6",
        BASE_VLAN,
        changed(BASE_VLAN, reservedIPs=["10.0.0.999"]),
        "invalid reserved ip 10.0.0.999",
    ),
    ("SU-7", BASE_VLAN, changed(BASE_VLAN, cidr="10.0.0.0/24"), None),
    ("SU-7", BASE_VLAN, changed(BASE_VLAN, start="10.0.0.9"), "must not change range start"),
    ("SU-7", BASE_VLAN, changed(BASE_VLAN, end="10.0.0.21"), "must not change range end"),
    ("SU-7", BASE_VLAN, changed(BASE_VLAN, gateway="10.0.0.254"), "must not change range gateway"),
    # same network, different text: still a change
    ("SU-7", BASE_VLAN, changed(BASE_VLAN, cidr="10.0.0.0/024"), "must not change range CIDR"),
    # quirk 1: version can change when there is no gateway
    ("SU-7", BASE_OVERLAY, changed(BASE_OVERLAY, version="6"), None),
    ("SU-8", BASE_VLAN, changed(BASE_VLAN, excludeIPs=["10.0.0.12", "10.0.0.11"]), None),
    (
        "SU-8",
        BASE_VLAN,
        changed(BASE_VLAN, excludeIPs=["10.0.0.11"]),
        "must not change excluded IPs",
    ),
    (
        "SU-8",
        BASE_VLAN,
        changed(BASE_VLAN, excludeIPs=["10.0.0.11", "10.0.0.11"]),
        "must not change excluded IPs",
    ),
]


@pytest.mark.parametrize(("rule", "old", "new", "message"), UPDATE_CASES)
def test_subnet_update(rule, old, new, message):
    state = ClusterState.from_objects([*NETWORKS, old])
    decision = review_subnet_update(state, SubnetSpec.from_k8s(old), SubnetSpec.from_k8s(new))
    assert outcome(decision) == expected(rule, message)


DELETE_CASES = [
    ([ipinstance("10.0.0.5", "other")], "s", "SD-1", None),
    (
        [ipinstance("10.0.0.5", "s"), ipinstance("10.0.0.6", "s", node=None, namespace="b")],
        "s",
        "SD-1",
        "still have using ips [10.0.0.5 10.0.0.6]",
    ),
    ([], "ghost", "NOT-FOUND", 'subnets.networking.alibaba.com "ghost" not found'),
]


@pytest.mark.parametrize(("instances", "name", "rule", "message"), DELETE_CASES)
def test_subnet_delete(instances, name, rule, message):
    state = ClusterState.from_objects([*NETWORKS, BASE_VLAN, *instances])
    assert outcome(review_subnet_delete(state, name)) == expected(rule, message)


def test_state_keeps_list_order_and_indexes_through_updates_and_removals():
    state = ClusterState.from_objects(
        [*NETWORKS, ov("a", "10.0.0.0/16"), ov("b", "10.0.0.0/16", start="10.0.200.1")]
    )
    state.put_subnet(SubnetSpec.from_k8s(ov("a", "10.0.0.0/16", end="10.0.100.0")))
    new = SubnetSpec.from_k8s(ov("s", "10.0.0.0/16"))
    assert review_subnet_create(state, new).message == "overlap with existing subnet a"
    state.remove_subnet("a")
    assert review_subnet_create(state, new).message == "overlap with existing subnet b"
    state.remove_subnet("b")
    assert review_subnet_create(state, new).allowed
