"""Reading and writing the Kubernetes form of Hybridnet objects (SPEC §2)."""

import pytest

from ipam.constants import API_VERSION
from ipam.errors import ReviewInputError
from ipam.spec import BGPPeer, IPInstanceSpec, NetworkSpec, NodeSpec, SubnetSpec
from tests.ipam.factories import ipinstance, network, node, subnet


def test_network_defaults_and_nullable_net_id():
    spec = NetworkSpec.from_k8s(network("u", selector={"rack": "a"}, net_id=None))
    assert (spec.type, spec.mode, spec.net_id) == ("", "", None)
    assert (spec.effective_type, spec.effective_mode) == ("Underlay", "VLAN")
    overlay = NetworkSpec.from_k8s(
        {"kind": "Network", "metadata": {"name": "o"}, "spec": {"type": "Overlay", "netID": None}}
    )
    assert (overlay.effective_mode, overlay.net_id) == ("VXLAN", None)
    # an unknown type keeps its raw mode (GetNetworkMode)
    assert NetworkSpec.from_k8s(network("x", type_="overlay")).effective_mode == ""


def test_network_round_trip_keeps_raw_values():
    obj = network(
        "b",
        type_="Underlay",
        mode="BGP",
        net_id=65000,
        selector={"rack": "a"},
        peers=[
            {
                "asn": 65001,
                "address": "10.0.0.1",
                "doesNotRouteTraffic": True,
                "gracefulRestartSeconds": 30,
                "password": "s3cret",
            }
        ],
    )
    spec = NetworkSpec.from_k8s(obj)
    assert spec.bgp_peers == (BGPPeer(65001, "10.0.0.1", 30, "s3cret", True, False),)
    assert spec.to_k8s() == {
        "apiVersion": API_VERSION,
        "kind": "Network",
        "metadata": {"name": "b"},
        "spec": obj["spec"],
    }
    assert NetworkSpec.from_k8s(spec.to_k8s()) == spec


def test_status_node_list_and_terminating():
    obj = network("u", selector={"a": "b"}, node_list=["n1", ""])
    obj["metadata"]["deletionTimestamp"] = "2024-07-10T00:00:00Z"
    spec = NetworkSpec.from_k8s(obj)
    assert (spec.node_list, spec.terminating) == (("n1", ""), True)


def test_subnet_keeps_raw_strings_and_null_vs_false():
    obj = subnet(
        "s",
        "FD00:0::/120",
        network="o",
        gateway="FD00::1",
        excluded=["FE20::10"],
        config={"autoNatOutgoing": False, "private": None},
    )
    spec = SubnetSpec.from_k8s(obj)
    assert (spec.range.cidr, spec.range.gateway, spec.range.exclude_ips) == (
        "FD00:0::/120",
        "FD00::1",
        ("FE20::10",),
    )
    assert (spec.auto_nat_outgoing, spec.private, spec.is_private, spec.is_ipv6) == (
        False,
        None,
        False,
        True,
    )
    assert SubnetSpec.from_k8s(spec.to_k8s()) == spec
    assert spec.to_k8s()["spec"]["config"] == {"autoNatOutgoing": False}


def test_subnet_without_config_renders_without_it():
    spec = SubnetSpec.from_k8s(subnet("s", "10.0.0.0/24", network="n", net_id=0))
    assert spec.to_k8s()["spec"] == {
        "network": "n",
        "netID": 0,
        "range": {"version": "4", "cidr": "10.0.0.0/24"},
    }


def test_ipinstance_binding_labels_and_retention():
    bound = IPInstanceSpec.from_k8s(ipinstance("10.0.0.5", "s", node="n1"))
    retained = IPInstanceSpec.from_k8s(ipinstance("10.0.0.6", "s", node=None))
    assert (bound.address, bound.retained, bound.node_label, bound.subnet_label) == (
        "10.0.0.5",
        False,
        "n1",
        "s",
    )
    assert (retained.retained, retained.node_label) == (True, None)


def test_node_selector_matching():
    spec = NodeSpec.from_k8s(node("n1", rack="a", zone="z"))
    assert spec.matches({"rack": "a"}) and spec.matches({})
    assert not spec.matches({"rack": "a", "zone": "y"})


@pytest.mark.parametrize(
    ("cls", "obj", "message"),
    [
        (
            NetworkSpec,
            {"metadata": {"name": "n"}, "spec": {"netID": True}},
            "Network/n: spec.netID must be an integer",
        ),
        (
            NetworkSpec,
            {"metadata": {"name": "n"}, "spec": {"nodeSelector": {"a": 1}}},
            "Network/n: spec.nodeSelector must map strings to strings",
        ),
        (
            NetworkSpec,
            {"metadata": {"name": "n"}, "spec": {"config": {"bgpPeers": ["x"]}}},
            "Network/n: spec.config.bgpPeers items must be mappings",
        ),
        (
            SubnetSpec,
            {"metadata": {"name": "s"}, "spec": {"range": {"excludeIPs": "10.0.0.1"}}},
            "Subnet/s: spec.range.excludeIPs must be a list of strings",
        ),
        (
            SubnetSpec,
            {"metadata": {"name": "s"}, "spec": {"config": {"private": "yes"}}},
            "Subnet/s: spec.config.private must be true or false",
        ),
        (SubnetSpec, "not a mapping", "Subnet: object is not a mapping"),
    ],
)
def test_wrong_field_types_are_named(cls, obj, message):
    with pytest.raises(ReviewInputError, match=message):
        cls.from_k8s(obj)
