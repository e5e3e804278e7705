"""Network admission rules N-1..N-15, NU-1..NU-5, ND-1..ND-3 with Hybridnet's exact texts."""

import pytest

from ipam.admission import (
    ALLOWED_MESSAGE,
    ClusterState,
    review_network_create,
    review_network_delete,
    review_network_update,
)
from ipam.admission.network import BGP_UPDATE_WITHOUT_CONFIG
from ipam.spec import NetworkSpec
from tests.ipam.factories import ipinstance, network, node, subnet

PEER = {"asn": 65001, "address": "192.168.0.1"}
OVERLAY = network("init", type_="Overlay", net_id=4)
GLOBAL = network("global", type_="GlobalBGP")
RACK_A = network("u1", selector={"rack": "a"}, node_list=["n1"])
NODES = [node("n1", rack="a"), node("n2", rack="b")]


def decide_create(state_objs, obj):
    return review_network_create(ClusterState.from_objects(state_objs), NetworkSpec.from_k8s(obj))


# (rule, state, new network, expected message or None for allowed)
CREATE_CASES = [
    ("N-1", [], network("o", type_="Overlay", net_id=4), None),
    ("N-1", [], network("o", type_="overlay", net_id=4), "unknown network type overlay"),
    ("N-2", [], network("u", selector={"rack": "a"}), None),
    ("N-2", [], network("u"), "must have node selector for underlay network"),
    ("N-3", [*NODES, RACK_A], network("u2", selector={"rack": "b"}), None),
    (
        "N-3",
        [*NODES, RACK_A],
        network("u2", selector={"rack": "a"}),
        "underlay network cannot be overlapped",
    ),
    # selecting zero nodes is allowed
    ("N-3", [*NODES, RACK_A], network("u2", selector={"rack": "z"}), None),
    # a terminating node is an empty string on both sides: spurious denial (quirk 3)
    (
        "N-3",
        [
            {
                **node("n3", rack="c"),
                "metadata": {
                    "name": "n3",
                    "labels": {"rack": "c"},
                    "deletionTimestamp": "2024-01-01T00:00:00Z",
                },
            },
            network("u1", selector={"rack": "x"}, node_list=[""]),
        ],
        network("u2", selector={"rack": "c"}),
        "underlay network cannot be overlapped",
    ),
    ("N-4", [RACK_A], network("o", type_="Overlay", net_id=4), None),
    (
        "N-4",
        [OVERLAY],
        network("o", type_="Overlay", net_id=4),
        "must have one overlay network at most",
    ),
    ("N-5", [], network("o", type_="Overlay", net_id=4, selector={}), None),
    (
        "N-5",
        [],
        network("o", type_="Overlay", net_id=4, selector={"a": "b"}),
        "must not assign node selector for overlay network",
    ),
    ("N-6", [], network("o", type_="Overlay", net_id=0), None),
    ("N-6", [], network("o", type_="Overlay"), "must assign net ID for overlay network"),
    ("N-7", [OVERLAY], network("g", type_="GlobalBGP"), None),
    ("N-7", [GLOBAL], network("g", type_="GlobalBGP"), "must have one global bgp network at most"),
    ("N-8", [], network("g", type_="GlobalBGP", selector={}), None),
    (
        "N-8",
        [],
        network("g", type_="GlobalBGP", selector={"a": "b"}),
        "must not assign node selector for global bgp network",
    ),
    ("N-9", [], network("g", type_="GlobalBGP", mode="GlobalBGP"), None),
    (
        "N-9",
        [],
        network("g", type_="GlobalBGP", net_id=1),
        "must not assign net ID for global bgp network",
    ),
    ("N-10", [], network("u", mode="VLAN", selector={"a": "b"}), None),
    ("N-10", [], network("u", mode="vlan", selector={"a": "b"}), "unknown network mode vlan"),
    ("N-11", [], network("u", mode="BGP", selector={"a": "b"}, net_id=65000, peers=[PEER]), None),
    (
        "N-11",
        [],
        network("o", type_="Overlay", mode="BGP", net_id=4),
        "BGP mode can only be used for underlay network",
    ),
    (
        "N-11",
        [],
        network("g", type_="GlobalBGP", mode="BGP"),
        "BGP mode can only be used for underlay network",
    ),
    (
        "N-11",
        [],
        network("o", type_="Overlay", mode="VLAN", net_id=4),
        "VLAN mode can only be used for underlay network",
    ),
    (
        "N-11",
        [],
        network("u", mode="VXLAN", selector={"a": "b"}),
        "VXLAN mode can only be used for overlay network",
    ),
    (
        "N-11",
        [],
        network("u", mode="GlobalBGP", selector={"a": "b"}),
        "GlobalBGP mode can only be used for global bgp network",
    ),
    ("N-12", [], network("u", mode="BGP", selector={"a": "b"}, net_id=1, peers=[PEER]), None),
    (
        "N-12",
        [],
        network("u", mode="BGP", selector={"a": "b"}, peers=[PEER]),
        "must assign net ID for bgp network",
    ),
    (
        "N-13",
        [],
        network("u", mode="BGP", selector={"a": "b"}, net_id=65000, peers=[PEER, PEER]),
        None,
    ),
    (
        "N-13",
        [],
        network("u", mode="BGP", selector={"a": "b"}, net_id=65000, peers=[]),
        "at least one bgp router need to be set",
    ),
    (
        "N-13",
        [],
        network("u", mode="BGP", selector={"a": "b"}, net_id=65000),
        "at least one bgp router need to be set",
    ),
    (
        "N-14",
        [],
        network(
            "u", mode="BGP", selector={"a": "b"}, net_id=1, peers=[{"asn": 1, "address": "fd00::1"}]
        ),
        None,
    ),
    (
        "N-14",
        [],
        network(
            "u",
            mode="BGP",
            selector={"a": "b"},
            net_id=1,
            peers=[PEER, {"asn": 1, "address": "10.0.0.256"}],
        ),
        "invalid bgp peer ip address 10.0.0.256",
    ),
    (
        "N-15",
        [],
        network(
            "u",
            mode="BGP",
            selector={"a": "b"},
            net_id=1,
            peers=[{"address": "10.0.0.1", "asn": -1}],
        ),
        None,
    ),
    (
        "N-15",
        [],
        network(
            "u",
            mode="BGP",
            selector={"a": "b"},
            net_id=1,
            peers=[{"address": "10.0.0.1", "asn": 0}],
        ),
        "bgp peer 10.0.0.1's AS number need to be set",
    ),
    # peer by peer: the first peer's ASN is checked before the second peer's address
    (
        "N-15",
        [],
        network(
            "u",
            mode="BGP",
            selector={"a": "b"},
            net_id=1,
            peers=[{"address": "10.0.0.1", "asn": 0}, {"address": "x", "asn": 1}],
        ),
        "bgp peer 10.0.0.1's AS number need to be set",
    ),
]


@pytest.mark.parametrize(("rule", "state", "obj", "message"), CREATE_CASES)
def test_network_create(rule, state, obj, message):
    decision = decide_create(state, obj)
    if message is None:
        assert (decision.allowed, decision.message, decision.rule) == (True, ALLOWED_MESSAGE, "")
    else:
        assert (decision.allowed, decision.message, decision.rule) == (False, message, rule)


BGP = network("b", mode="BGP", selector={"a": "b"}, net_id=65000, peers=[PEER])

# (rule, old, new, expected message or None)
UPDATE_CASES = [
    (
        "NU-1",
        network("u", selector={"a": "b"}),
        network("u", type_="Underlay", selector={"a": "b"}),
        None,
    ),
    (
        "NU-1",
        network("u", selector={"a": "b"}),
        network("u", type_="Overlay"),
        "network type must not be changed",
    ),
    ("NU-2", network("u", selector={"a": "b"}), network("u", selector={"a": "c"}), None),
    (
        "NU-2",
        network("u", selector={"a": "b"}),
        network("u"),
        "must have node selector for underlay network",
    ),
    (
        "NU-2",
        OVERLAY,
        network("init", type_="Overlay", net_id=4, selector={"a": "b"}),
        "node selector must not be assigned for overlay network",
    ),
    (
        "NU-2",
        GLOBAL,
        network("global", type_="GlobalBGP", selector={"a": "b"}),
        "node selector must not be assigned for global bgp network",
    ),
    (
        "NU-2",
        network("x", type_="Weird"),
        network("x", type_="Weird"),
        "unknown network type Weird",
    ),
    (
        "NU-3",
        network("u", mode="VLAN", selector={"a": "b"}),
        network("u", mode="VLAN", selector={"a": "b"}),
        None,
    ),
    (
        "NU-3",
        network("u", selector={"a": "b"}),
        network("u", mode="VLAN", selector={"a": "b"}),
        "network mode must not be changed",
    ),
    (
        "NU-4",
        BGP,
        network(
            "b",
            mode="BGP",
            selector={"a": "b"},
            net_id=65000,
            peers=[{"address": "10.0.0.9", "asn": 0}],
        ),
        None,
    ),
    (
        "NU-4",
        BGP,
        network("b", mode="BGP", selector={"a": "b"}, net_id=65000, peers=[]),
        "at least one bgp router need to be set",
    ),
    (
        "NU-4",
        BGP,
        network(
            "b",
            mode="BGP",
            selector={"a": "b"},
            net_id=65000,
            peers=[{"address": "nope", "asn": 1}],
        ),
        "invalid bgp peer ip address nope",
    ),
    (
        "NU-4",
        BGP,
        network("b", mode="BGP", selector={"a": "b"}, net_id=65000),
        BGP_UPDATE_WITHOUT_CONFIG,
    ),
    (
        "NU-4",
        network("u", mode="Odd", selector={"a": "b"}),
        network("u", mode="Odd", selector={"a": "b"}),
        "unknown network mode Odd",
    ),
    (
        "NU-5",
        network("u", selector={"a": "b"}, net_id=4),
        network("u", selector={"a": "c"}, net_id=4),
        None,
    ),
    (
        "NU-5",
        network("u", selector={"a": "b"}, net_id=4),
        network("u", selector={"a": "b"}, net_id=5),
        "net ID must not be changed",
    ),
    (
        "NU-5",
        network("u", selector={"a": "b"}),
        network("u", selector={"a": "b"}, net_id=0),
        "net ID must not be changed",
    ),
]


@pytest.mark.parametrize(("rule", "old", "new", "message"), UPDATE_CASES)
def test_network_update(rule, old, new, message):
    decision = review_network_update(
        ClusterState(), NetworkSpec.from_k8s(old), NetworkSpec.from_k8s(new)
    )
    expected = (True, ALLOWED_MESSAGE, "") if message is None else (False, message, rule)
    assert (decision.allowed, decision.message, decision.rule) == expected


BGP_ON_N1 = network(
    "b", mode="BGP", selector={"rack": "a"}, net_id=65000, peers=[PEER], node_list=["n1"]
)
TERMINATING_CHILD = {
    **subnet("s2", "10.0.1.0/24", network="u1"),
    "metadata": {"name": "s2", "deletionTimestamp": "2024-01-01T00:00:00Z"},
}

# (rule, state, name, options, expected message or None)
DELETE_CASES = [
    ("ND-1", [RACK_A, subnet("s1", "10.0.0.0/24", network="other")], "u1", {}, None),
    (
        "ND-1",
        [RACK_A, subnet("s1", "10.0.0.0/24", network="u1"), TERMINATING_CHILD],
        "u1",
        {},
        "still have child subnet s1",
    ),
    ("ND-1", [RACK_A, TERMINATING_CHILD], "u1", {}, "still have child subnet s2"),
    ("ND-2", [OVERLAY], "init", {"remote_cluster_count": 2}, None),  # gate off
    ("ND-2", [OVERLAY], "init", {"multicluster": True}, None),
    (
        "ND-2",
        [OVERLAY],
        "init",
        {"multicluster": True, "remote_cluster_count": 2},
        "still have remote cluster. number=2",
    ),
    (
        "ND-3",
        [BGP_ON_N1, GLOBAL, ipinstance("10.0.0.5", "gs", network="global", node="n2")],
        "b",
        {},
        None,
    ),
    (
        "ND-3",
        [BGP_ON_N1, ipinstance("10.0.0.5", "gs", network="global", node="n1")],
        "b",
        {},
        None,
    ),  # no GlobalBGP network
    (
        "ND-3",
        [BGP_ON_N1, GLOBAL, ipinstance("10.0.0.5", "gs", network="global", node="n1")],
        "b",
        {},
        "still have global bgp ip instance in use",
    ),
    ("NOT-FOUND", [], "ghost", {}, 'networks.networking.alibaba.com "ghost" not found'),
]


@pytest.mark.parametrize(("rule", "state", "name", "options", "message"), DELETE_CASES)
def test_network_delete(rule, state, name, options, message):
    decision = review_network_delete(ClusterState.from_objects(state, **options), name)
    expected = (True, ALLOWED_MESSAGE, "") if message is None else (False, message, rule)
    assert (decision.allowed, decision.message, decision.rule) == expected
