"""Planner checks stricter than the webhook (SPEC §11, §12)."""

import pytest

from ipam.admission import ClusterState, review_subnet_create
from ipam.planner_checks import check_network, check_subnet
from ipam.spec import NetworkSpec, SubnetSpec
from tests.ipam.factories import network, node, subnet

EXPLICIT = {"type_": "Underlay", "mode": "VLAN"}
VLAN = network("vlan", selector={"rack": "a"}, net_id=100, **EXPLICIT)
OVERLAY = network("overlay", type_="Overlay", mode="VXLAN", net_id=4)
NODES = [node("n1", rack="a"), node("n2", rack="b"), node("n3", rack="c")]


def codes(findings):
    return [(f.level, f.code, f.field) for f in findings]


def network_findings(obj, state=(), old=None):
    state = ClusterState.from_objects([*NODES, *state])
    return check_network(
        state, NetworkSpec.from_k8s(obj), NetworkSpec.from_k8s(old) if old else None
    )


def bgp(peers, net_id=65000):
    return network(
        "b", selector={"rack": "b"}, net_id=net_id, peers=peers, type_="Underlay", mode="BGP"
    )


@pytest.mark.parametrize(
    ("obj", "state", "old", "expected"),
    [
        (VLAN, [], None, []),
        (OVERLAY, [], None, []),
        (
            network("u", selector={"rack": "a"}),
            [],
            None,
            [
                ("warning", "IMPLICIT_DEFAULT", "spec.type"),
                ("warning", "IMPLICIT_DEFAULT", "spec.mode"),
            ],
        ),
        (
            network("vlan", selector={"rack": "a"}, net_id=100, type_="Underlay", mode="VLAN"),
            [],
            network("vlan", selector={"rack": "a"}, net_id=100, mode="VLAN"),
            [("error", "IMMUTABLE", "spec.type")],
        ),
        (
            network("v", selector={"rack": "a"}, net_id=4095, **EXPLICIT),
            [],
            None,
            [("error", "NETID_RANGE", "spec.netID")],
        ),
        (network("v", selector={"rack": "a"}, net_id=0, **EXPLICIT), [], None, []),
        (
            network("o", type_="Overlay", mode="VXLAN", net_id=0),
            [],
            None,
            [("error", "NETID_RANGE", "spec.netID")],
        ),
        (
            network("o", type_="Overlay", mode="VXLAN", net_id=16_777_216),
            [],
            None,
            [("error", "NETID_RANGE", "spec.netID")],
        ),
        (
            bgp([{"asn": 65001, "address": "10.0.0.1"}], net_id=-5),
            [],
            None,
            [("error", "NETID_RANGE", "spec.netID")],
        ),
        (
            bgp([{"asn": -1, "address": "10.0.0.1"}]),
            [],
            None,
            [("error", "BGP_PEER_ASN", "spec.config.bgpPeers[0].asn")],
        ),
        (
            bgp(
                [
                    {"asn": 1, "address": "10.0.0.1"},
                    {"asn": 1, "address": "10.0.0.2", "doesNotRouteTraffic": True},
                ]
            ),
            [],
            None,
            [],
        ),
        (
            bgp([{"asn": 1, "address": "10.0.0.1"}, {"asn": 1, "address": "10.0.0.2"}]),
            [],
            None,
            [("error", "BGP_ROUTING_PEERS", "spec.config.bgpPeers")],
        ),
        (
            bgp(
                [
                    {"asn": 1, "address": "10.0.0.1"},
                    {"asn": 1, "address": "10.0.0.1", "doesNotRouteTraffic": True},
                ]
            ),
            [],
            None,
            [("warning", "DUPLICATE", "spec.config.bgpPeers")],
        ),
        (
            network("u", selector={"rack": "zzz"}, **EXPLICIT),
            [],
            None,
            [("warning", "NO_NODES", "spec.nodeSelector")],
        ),
        # quirk 3: live labels count even when the other network's status is not written yet
        (
            network("u2", selector={"rack": "a"}, **EXPLICIT),
            [VLAN],
            None,
            [("error", "UNDERLAY_NODES_OVERLAP", "spec.nodeSelector")],
        ),
        # ... and so does a lagging status.nodeList
        (
            network("u2", selector={"rack": "c"}, **EXPLICIT),
            [network("u1", selector={"rack": "x"}, node_list=["n3"], **EXPLICIT)],
            None,
            [("error", "UNDERLAY_NODES_OVERLAP", "spec.nodeSelector")],
        ),
        # selector updates are checked too (N-3 only runs on create)
        (
            network("vlan", selector={"rack": "b"}, net_id=100, **EXPLICIT),
            [VLAN, network("other", selector={"rack": "b"}, **EXPLICIT)],
            VLAN,
            [("error", "UNDERLAY_NODES_OVERLAP", "spec.nodeSelector")],
        ),
    ],
)
def test_network_checks(obj, state, old, expected):
    assert codes(network_findings(obj, state, old)) == expected


def test_overlap_message_names_the_network_and_nodes():
    [finding] = network_findings(network("u2", selector={"rack": "a"}, **EXPLICIT), [VLAN])
    assert finding.message == (
        "spec.nodeSelector selects node(s) n1 already in underlay network "
        "vlan; a node must be in one underlay network"
    )


def vs(name, cidr, gateway="10.0.0.1", **kwargs):
    return subnet(name, cidr, network="vlan", gateway=gateway, **kwargs)


def subnet_findings(obj, state=(), old=None):
    state = ClusterState.from_objects([VLAN, OVERLAY, *state])
    return check_subnet(state, SubnetSpec.from_k8s(obj), SubnetSpec.from_k8s(old) if old else None)


@pytest.mark.parametrize(
    ("obj", "state", "old", "expected"),
    [
        (
            vs(
                "s",
                "10.0.0.0/24",
                start="10.0.0.10",
                end="10.0.0.20",
                reserved=["10.0.0.11"],
                excluded=["10.0.0.12"],
            ),
            [],
            None,
            [],
        ),
        (
            subnet("s", "fd00:0::/120", network="overlay"),
            [],
            None,
            [("error", "NON_CANONICAL", "spec.range.cidr")],
        ),
        (
            vs("s", "10.0.0.0/24", gateway="::ffff:10.0.0.1"),
            [],
            None,
            [("error", "NON_CANONICAL", "spec.range.gateway")],
        ),
        (
            subnet(
                "s", "fe20::/120", network="overlay", excluded=["FE20::10"], reserved=["fe20::00a0"]
            ),
            [],
            None,
            [
                ("error", "NON_CANONICAL", "spec.range.reservedIPs[0]"),
                ("error", "NON_CANONICAL", "spec.range.excludeIPs[0]"),
            ],
        ),
        (
            subnet("s", "fd00::/120", network="overlay", version="4"),
            [],
            None,
            [("error", "VERSION_MISMATCH", "spec.range.version")],
        ),
        (
            subnet("s", "10.0.0.0/24", network="overlay", version="6"),
            [],
            subnet("s", "10.0.0.0/24", network="overlay"),
            [
                ("error", "IMMUTABLE", "spec.range.version"),
                ("error", "VERSION_MISMATCH", "spec.range.version"),
            ],
        ),
        (
            vs("s", "10.0.0.0/24", gateway="10.0.0.0"),
            [],
            None,
            [("error", "EDGE_ADDRESS", "spec.range.gateway")],
        ),
        (
            vs("s", "10.0.0.0/24", gateway="10.0.0.255"),
            [],
            None,
            [("error", "EDGE_ADDRESS", "spec.range.gateway")],
        ),
        (
            vs("s", "10.0.0.0/24", start="10.0.0.0", end="10.0.0.255"),
            [],
            None,
            [
                ("error", "EDGE_ADDRESS", "spec.range.start"),
                ("error", "EDGE_ADDRESS", "spec.range.end"),
            ],
        ),
        # IPv6 has no broadcast address: the last address is a normal end
        (subnet("s", "fd00::/120", network="overlay", end="fd00::ff"), [], None, []),
        (
            vs(
                "s",
                "10.0.0.0/24",
                start="10.0.0.10",
                end="10.0.0.20",
                reserved=["10.0.0.5"],
                excluded=["10.0.0.30"],
            ),
            [],
            None,
            [
                ("warning", "OUTSIDE_WINDOW", "spec.range.reservedIPs[0]"),
                ("warning", "OUTSIDE_WINDOW", "spec.range.excludeIPs[0]"),
            ],
        ),
        (
            vs("s", "10.0.0.0/24", reserved=["10.0.0.1"]),
            [],
            None,
            [("warning", "ON_GATEWAY", "spec.range.reservedIPs[0]")],
        ),
        (
            vs("s", "10.0.0.0/24", reserved=["10.0.0.7", "10.0.0.7"]),
            [],
            None,
            [("error", "DUPLICATE", "spec.range.reservedIPs")],
        ),
        (
            vs("s", "10.0.0.0/24", reserved=["10.0.0.7"], excluded=["10.0.0.7"]),
            [],
            None,
            [("warning", "RESERVED_EXCLUDED", "spec.range.reservedIPs[0]")],
        ),
        (
            subnet("s", "fd00::/64", network="overlay", start="fd00::1:0:0", end="fd00::1:ffff"),
            [],
            None,
            [],
        ),
        (
            subnet(
                "s",
                "fd00:1:2:3::/64",
                network="overlay",
                start="fd00:1:2:3:4::",
                end="fd00:1:2:3:4::ff",
            ),
            [],
            None,
            [("warning", "IPV6_DNS_NAME", "spec.range.start")],
        ),
        (
            subnet("s", "::/64", network="overlay", start="::1:0", end="::1:ff"),
            [],
            None,
            [
                ("warning", "IPV6_DNS_NAME", "spec.range.start"),
                ("warning", "IPV6_DNS_NAME", "spec.range.end"),
            ],
        ),
        (
            subnet("s", "10.0.0.0/24", network="vlan", gateway="10.0.0.1", net_id=5000),
            [],
            None,
            [("error", "NETID_RANGE", "spec.netID")],
        ),
    ],
)
def test_subnet_checks(obj, state, old, expected):
    assert codes(subnet_findings(obj, state, old)) == expected


def test_quirk_2_window_overlap_admitted_by_webhook_is_a_planner_error():
    existing = vs("a", "10.0.0.0/24", start="10.0.0.10", end="10.0.0.20")
    new = vs(
        "s", "10.0.0.0/24", start="10.0.0.5", end="10.0.0.30", excluded=["10.0.0.10", "10.0.0.20"]
    )
    state = ClusterState.from_objects([VLAN, existing])
    assert review_subnet_create(state, SubnetSpec.from_k8s(new)).allowed  # what Hybridnet does
    [finding] = subnet_findings(new, [existing])
    assert (finding.level, finding.code) == ("error", "WINDOW_OVERLAP")
    assert finding.message == (
        "spec.range shares 9 allocatable address(es) with subnet a, first 10.0.0.11-10.0.0.19"
    )


def test_disjoint_windows_in_one_cidr_are_fine():
    existing = vs("a", "10.0.0.0/24", start="10.0.0.10", end="10.0.0.20")
    assert (
        subnet_findings(vs("s", "10.0.0.0/24", start="10.0.0.21", end="10.0.0.30"), [existing])
        == []
    )
