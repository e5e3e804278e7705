"""The plan's comparison of desired and live objects, on plain dicts (no cluster, no database)."""

import copy

from planner.constants import MANAGED_BY_LABELS
from planner.sync.diff import ChangeAction, diff_cluster, subnets_to_delete

API_VERSION = "networking.alibaba.com/v1"


def network(name="underlay-1", **spec):
    spec = {"type": "Underlay", "mode": "VLAN", "netID": 0, "nodeSelector": {"net": name}, **spec}
    return {
        "apiVersion": API_VERSION,
        "kind": "Network",
        "metadata": {"name": name, "labels": dict(MANAGED_BY_LABELS)},
        "spec": spec,
    }


def subnet(name="s1", network_name="underlay-1", **range_):
    range_ = {"version": "4", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", **range_}
    return {
        "apiVersion": API_VERSION,
        "kind": "Subnet",
        "metadata": {"name": name, "labels": dict(MANAGED_BY_LABELS)},
        "spec": {"network": network_name, "range": range_, "netID": 0},
    }


def live(obj, **extra_labels):
    """`obj` as the apiserver returns it: metadata and status filled in, Hybridnet's labels."""
    stored = copy.deepcopy(obj)
    stored["metadata"].update(resourceVersion="42", uid="u-1", creationTimestamp="2026-01-01")
    stored["metadata"]["labels"].update(extra_labels)
    stored["status"] = {"total": 253, "used": 1}
    return stored


def by_name(changes):
    return {(c.kind, c.name): c for c in changes}


def diff(desired, networks=(), subnets=(), nodes=(), node_labels=None, ips=None):
    return by_name(
        diff_cluster(
            desired, node_labels or {}, list(networks), list(subnets), list(nodes), ips or {}
        )
    )


def test_missing_objects_are_created_with_every_rendered_field():
    changes = diff([network(), subnet()])
    create = changes[("Subnet", "s1")]
    assert create.action == ChangeAction.CREATE
    assert create.field_changes()["spec.range.cidr"] == {"before": None, "after": "10.0.0.0/24"}
    assert changes[("Network", "underlay-1")].action == ChangeAction.CREATE


def test_status_metadata_and_hybridnets_labels_are_no_difference():
    desired = [network(), subnet(excludeIPs=["10.0.0.9", "10.0.0.8"])]
    stored = live(subnet(excludeIPs=["10.0.0.8", "10.0.0.9"]), **{"networking.alibaba.com/x": "y"})
    changes = diff(desired, [live(network())], [stored])
    assert {c.action for c in changes.values()} == {ChangeAction.UNCHANGED}


def test_a_mutable_field_is_an_update_with_before_and_after():
    desired = subnet(reservedIPs=["10.0.0.5"])
    [change] = [c for c in diff([desired], subnets=[live(subnet())]).values()]
    assert change.action == ChangeAction.UPDATE
    assert change.field_changes() == {
        "spec.range.reservedIPs": {"before": None, "after": ["10.0.0.5"]}
    }


def test_an_immutable_field_is_a_replacement_naming_the_field_and_the_pods():
    [change] = diff([subnet(start="10.0.0.10")], subnets=[live(subnet())]).values()
    assert change.action == ChangeAction.REPLACE
    assert change.field_changes()["spec.range.start"] == {
        "before": None,
        "after": "10.0.0.10",
        "rule": "SU-7",
    }
    assert "spec.range.start (SU-7)" in change.reason
    assert "move the pods on the Subnet" in change.reason


def test_network_type_empty_and_underlay_are_one_type():
    [change] = diff([network(type="Underlay")], networks=[live(network(type=""))]).values()
    assert change.action == ChangeAction.UPDATE


def test_a_field_dropped_from_the_plan_counts_only_where_hybridplan_owned_it():
    ours = live(subnet(reservedIPs=["10.0.0.5"]))
    ours["metadata"]["managedFields"] = [
        {"manager": "hybridplan", "fieldsV1": {"f:spec": {"f:range": {"f:reservedIPs": {}}}}}
    ]
    theirs = copy.deepcopy(ours)
    theirs["metadata"]["managedFields"][0]["manager"] = "kubectl"
    assert diff([subnet()], subnets=[ours])[("Subnet", "s1")].action == ChangeAction.UPDATE
    assert diff([subnet()], subnets=[theirs])[("Subnet", "s1")].action == ChangeAction.UNCHANGED


def test_our_objects_no_longer_planned_are_deleted_others_left_alone():
    foreign = live(subnet("theirs"))
    foreign["metadata"]["labels"] = {}
    changes = diff([network()], [live(network())], [live(subnet("gone")), foreign])
    assert changes[("Subnet", "gone")].action == ChangeAction.DELETE
    assert not changes[("Subnet", "gone")].blocked
    assert changes[("Subnet", "theirs")].action == ChangeAction.UNMANAGED
    assert subnets_to_delete([network()], [live(subnet("gone")), foreign]) == ["gone"]


def test_a_delete_with_ips_in_use_is_blocked_naming_them_and_keeps_its_network():
    changes = diff(
        [],
        [live(network())],
        [live(subnet("gone"))],
        ips={"gone": ["10.0.0.7", "10.0.0.8"]},
    )
    subnet_delete = changes[("Subnet", "gone")]
    assert subnet_delete.blocked_by == ("10.0.0.7", "10.0.0.8")
    assert "10.0.0.7, 10.0.0.8" in subnet_delete.reason and "SD-1" in subnet_delete.reason
    network_delete = changes[("Network", "underlay-1")]
    assert network_delete.blocked_by == ("gone",) and "ND-1" in network_delete.reason


def test_node_labels_missing_on_live_nodes_and_missing_nodes():
    nodes = [{"metadata": {"name": "n1", "labels": {"kubernetes.io/os": "linux"}}}]
    wanted = {"n1": {"net": "underlay-1"}, "n2": {"net": "underlay-1"}}
    changes = diff([], nodes=nodes, node_labels=wanted)
    n1 = changes[("Node", "n1")]
    assert n1.action == ChangeAction.UPDATE and n1.desired == {"net": "underlay-1"}
    assert n1.field_changes() == {"metadata.labels.net": {"before": None, "after": "underlay-1"}}
    assert changes[("Node", "n2")].action == ChangeAction.MISSING


def test_ipv6_subnets_compare_as_ipv4_ones():
    v6 = {"version": "6", "cidr": "fd00:10::/64", "gateway": "fd00:10::1"}
    desired = subnet("v6", excludeIPs=["fd00:10::9", "fd00:10::2"], **v6)
    stored = live(subnet("v6", excludeIPs=["fd00:10::2", "fd00:10::9"], **v6))
    assert diff([desired], subnets=[stored])[("Subnet", "v6")].action == ChangeAction.UNCHANGED
    moved = subnet("v6", excludeIPs=["fd00:10::2"], **v6)
    [change] = diff([moved], subnets=[stored]).values()
    assert change.action == ChangeAction.REPLACE
    assert change.field_changes()["spec.range.excludeIPs"]["rule"] == "SU-8"
