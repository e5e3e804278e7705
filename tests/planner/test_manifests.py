"""Rendered CRs: canonical, reviewed clean by Hybridnet's rules, with the node labels."""

import pytest
import yaml
from django.core.management import call_command

from ipam.admission import ClusterState, review_network_create, review_subnet_create
from ipam.spec import NetworkSpec, SubnetSpec
from planner.models import Cluster, Subnet
from planner.services.manifests import cluster_manifests, subnet_manifest, to_yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_cluster():
    call_command("load_demo")
    return Cluster.objects.get()


def test_demo_manifests_are_the_seeds_objects(demo_cluster):
    manifests = cluster_manifests(demo_cluster)
    kinds = [(obj["kind"], obj["metadata"]["name"]) for obj in manifests.objects]
    assert kinds == [
        ("Network", "init"),
        ("Network", "underlay-network1"),
        ("Subnet", "init"),
        ("Subnet", "underlay-subnet1"),
    ]
    underlay = manifests.objects[1]
    assert underlay["spec"] == {
        "type": "Underlay",
        "mode": "VLAN",
        "netID": 0,
        "nodeSelector": {"network": "network1"},
    }
    slice_ = manifests.objects[3]
    assert slice_["apiVersion"] == "networking.alibaba.com/v1"
    assert slice_["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "hybridplan"}
    assert slice_["spec"] == {
        "network": "underlay-network1",
        "range": {
            "version": "4",
            "cidr": "192.168.56.0/24",
            "gateway": "192.168.56.1",
            "start": "192.168.56.100",
            "end": "192.168.56.199",
        },
        "netID": 0,
    }
    assert manifests.objects[2]["spec"]["config"] == {"autoNatOutgoing": True}
    assert manifests.node_labels == {"izf8zdygpbo4hx57g2wah8z": {"network": "network1"}}


def test_manifests_pass_hybridnet_review_in_order(demo_cluster):
    """Applied one by one to an empty cluster with the nodes, each object is admitted."""
    manifests = cluster_manifests(demo_cluster)
    state = ClusterState()
    for obj in manifests.objects:
        if obj["kind"] == "Network":
            spec = NetworkSpec.from_k8s(obj)
            decision = review_network_create(state, spec)
            state.put_network(spec)
        else:
            spec = SubnetSpec.from_k8s(obj)
            decision = review_subnet_create(state, spec)
            state.put_subnet(spec)
        assert decision.allowed, (obj["metadata"]["name"], decision.message)


def test_yaml_is_a_kubectl_stream_with_label_commands(demo_cluster):
    manifests = cluster_manifests(demo_cluster)
    text = to_yaml(manifests.objects, manifests.node_labels)
    assert text.startswith(
        "# kubectl label node izf8zdygpbo4hx57g2wah8z network=network1 --overwrite\n"
    )
    assert list(yaml.safe_load_all(text)) == manifests.objects
    single = subnet_manifest(Subnet.objects.get(name="init"))
    assert yaml.safe_load(to_yaml([single])) == single
