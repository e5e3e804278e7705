"""The offline review core: input reading, CREATE/UPDATE/DELETE replay, usage document."""

import json

import pytest
import yaml

from ipam.errors import ReviewInputError
from ipam.review import NOT_ROUTED_MESSAGE, load_objects, review, usage
from tests.ipam.factories import ipinstance, network, node, subnet

OVERLAY = network("init", type_="Overlay", mode="VXLAN", net_id=4)
INIT = subnet("init", "100.64.0.0/16", network="init")


def dump(*objects):
    return yaml.safe_dump_all(objects)


def test_load_multi_document_yaml_json_list_and_kubectl_list():
    assert [o["metadata"]["name"] for o in load_objects(dump(OVERLAY, INIT) + "---\n")] == [
        "init",
        "init",
    ]
    assert len(load_objects(json.dumps([OVERLAY, INIT]))) == 2
    wrapped = {"apiVersion": "v1", "kind": "List", "items": [OVERLAY, INIT]}
    assert len(load_objects(yaml.safe_dump(wrapped))) == 2
    assert load_objects("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: [unclosed", "unreadable YAML at line "),
        ("- just a string\n", "object 1: not a mapping"),
        (dump({"kind": "Pod", "metadata": {"name": "p"}}), "object 1: unknown kind 'Pod'"),
        (
            dump(OVERLAY, {"kind": "Subnet", "metadata": {}}),
            "object 2: Subnet without metadata.name",
        ),
        (
            dump({"kind": "Network", "metadata": {"name": "n"}, "spec": {"netID": "4"}}),
            "Network/n: spec.netID must be an integer",
        ),
        (
            dump(
                {
                    "kind": "Subnet",
                    "metadata": {"name": "s"},
                    "spec": {"network": "n", "range": {"version": 4, "cidr": "10.0.0.0/24"}},
                }
            ),
            "Subnet/s: spec.range.version must be a string",
        ),
    ],
)
def test_unreadable_input_is_a_review_input_error(text, message):
    with pytest.raises(ReviewInputError, match=message.replace("[", r"\[")):
        load_objects(text)


def _summary(result):
    return [
        (r["kind"], r["name"], r["operation"], r["allowed"], r["message"])
        for r in result["results"]
    ]


def test_create_then_later_objects_see_earlier_allowed_ones():
    result = review([], [OVERLAY, INIT, subnet("clash", "100.64.1.0/24", network="init")])
    assert result["allowed"] is False
    assert _summary(result) == [
        ("Network", "init", "CREATE", True, "validation pass"),
        ("Subnet", "init", "CREATE", True, "validation pass"),
        (
            "Subnet",
            "clash",
            "CREATE",
            False,
            "different but overlapped CIDR with existing subnet init, this is not suppored yet",
        ),
    ]
    assert result["results"][2]["rule"] == "S-11"


def test_denied_objects_do_not_join_the_state():
    second = network("other", type_="Overlay", mode="VXLAN", net_id=5)
    child = subnet("s", "10.0.0.0/24", network="other")
    result = review([OVERLAY], [second, child])
    assert _summary(result)[1][3:] == (False, "parent network other does not exist")


def test_update_compares_with_the_state_object():
    changed = subnet("init", "100.64.0.0/16", network="init", start="100.64.0.10")
    result = review([OVERLAY, INIT], [changed])
    assert _summary(result) == [("Subnet", "init", "UPDATE", False, "must not change range start")]


def test_delete_mode_and_ordering_of_deletes():
    pod_ip = ipinstance("100.64.0.5", "init", network="init", prefix=16)
    result = review([OVERLAY, INIT, pod_ip], [pod_ip, INIT, OVERLAY], delete=True)
    assert result["allowed"] is True
    assert [r["message"] for r in result["results"]] == [
        NOT_ROUTED_MESSAGE,
        "validation pass",
        "validation pass",
    ]
    blocked = review([OVERLAY, INIT, pod_ip], [INIT, OVERLAY], delete=True)
    assert [r["message"] for r in blocked["results"]] == [
        "still have using ips [100.64.0.5]",
        "still have child subnet init",
    ]


def test_ipinstances_and_nodes_are_always_allowed_and_join_the_state():
    objects = [node("n1", rack="a"), ipinstance("100.64.0.9", "init", network="init", prefix=16)]
    result = review([OVERLAY, INIT], objects)
    assert [(r["operation"], r["allowed"], r["message"]) for r in result["results"]] == [
        ("CREATE", True, NOT_ROUTED_MESSAGE),
        ("CREATE", True, NOT_ROUTED_MESSAGE),
    ]
    # the new node is seen by the planner's live-label check (N-3 itself only reads nodeList)
    u1 = network("u1", type_="Underlay", mode="VLAN", selector={"rack": "a"})
    u2 = network("u2", type_="Underlay", mode="VLAN", selector={"rack": "a"})
    last = review([], [*objects, u1, u2])["results"][-1]
    assert last["allowed"] is True
    assert [f["code"] for f in last["planner"]] == ["UNDERLAY_NODES_OVERLAP"]


def test_planner_findings_are_reported_beside_an_allowed_decision():
    sloppy = subnet("s", "10.0.0.0/24", network="init", excluded=["10.0.0.5", "10.0.0.5"])
    result = review([OVERLAY], [sloppy])["results"][0]
    assert result["allowed"] is True
    assert [(f["level"], f["code"], f["field"]) for f in result["planner"]] == [
        ("error", "DUPLICATE", "spec.range.excludeIPs")
    ]


def test_multicluster_options_reach_the_state():
    result = review([OVERLAY], [OVERLAY], delete=True, multicluster=True, remote_cluster_count=1)
    assert _summary(result)[0][4] == "still have remote cluster. number=1"


def test_usage_document():
    objs = [
        OVERLAY,
        INIT,
        ipinstance("100.64.0.5", "init", network="init", prefix=16),
        ipinstance("100.64.0.6", "init", network="init", node=None, prefix=16),
    ]
    assert usage(objs) == {
        "subnets": {"init": {"total": 65534, "used": 2, "available": 65532}},
        "networks": {
            "init": {
                "IPv4": {"total": 65534, "used": 2, "available": 65532},
                "IPv6": {"total": 0, "used": 0, "available": 0},
                "DualStack": {"available": 0},
            }
        },
    }


def test_an_object_with_only_generate_name_is_reviewed_under_a_generated_name():
    """The API server names it before Hybridnet's webhook sees it, as prefix + 5 characters."""
    unnamed = subnet("", "100.64.1.0/24", network="init")
    unnamed["metadata"] = {"generateName": "burst-"}
    (loaded,) = load_objects(dump(unnamed))
    name = loaded["metadata"]["name"]
    assert name.startswith("burst-") and len(name) == len("burst-") + 5
    assert set(name.removeprefix("burst-")) <= set("bcdfghjklmnpqrstvwxz2456789")
    # The same input reviews under the same name, so a review can be repeated.
    assert load_objects(dump(unnamed))[0]["metadata"]["name"] == name
    result = review([OVERLAY, INIT], [loaded])
    assert _summary(result) == [
        (
            "Subnet",
            name,
            "CREATE",
            False,
            "different but overlapped CIDR with existing subnet init, this is not suppored yet",
        )
    ]
