"""The Network and Subnet CRs of a plan, as `kubectl apply`-able YAML, and the node labels
their selectors need."""

from dataclasses import dataclass, field

import yaml

from planner.models import Cluster, Network, Subnet
from planner.services.specs import network_spec, subnet_spec


@dataclass(frozen=True)
class ClusterManifests:
    objects: list[dict]
    # node name -> the labels the cluster's Underlay selectors expect on it
    node_labels: dict[str, dict[str, str]] = field(default_factory=dict)


def network_manifest(network: Network) -> dict:
    return network_spec(network).to_k8s()


def subnet_manifest(subnet: Subnet) -> dict:
    return subnet_spec(subnet).to_k8s()


def node_labels(cluster: Cluster, networks: list[Network]) -> dict[str, dict[str, str]]:
    """Planned nodes of the cluster whose labels satisfy an Underlay selector: those labels
    must be on the live node for Hybridnet to put it in the network."""
    wanted: dict[str, dict[str, str]] = {}
    for node in cluster.nodes.order_by("name"):
        for network in networks:
            selector = network.node_selector
            if selector and all(node.labels.get(k) == v for k, v in selector.items()):
                wanted.setdefault(node.name, {}).update(selector)
    return wanted


def cluster_manifests(cluster: Cluster) -> ClusterManifests:
    """Networks first, then Subnets (the order `kubectl apply` must create them in)."""
    networks = list(cluster.networks.order_by("name"))
    names = {network.pk: network.name for network in networks}
    subnets = cluster.subnets.order_by("name")
    objects = [network_spec(network).to_k8s() for network in networks]
    objects += [subnet_spec(subnet, names[subnet.network_id]).to_k8s() for subnet in subnets]
    return ClusterManifests(objects=objects, node_labels=node_labels(cluster, networks))


def label_commands(labels: dict[str, dict[str, str]]) -> list[str]:
    return [
        "kubectl label node {} {} --overwrite".format(
            name, " ".join(f"{key}={value}" for key, value in sorted(pairs.items()))
        )
        for name, pairs in labels.items()
    ]


def to_yaml(objects: list[dict], node_labels: dict[str, dict[str, str]] | None = None) -> str:
    """A multi-document YAML stream; the node labels, if any, as commands in a comment."""
    header = "".join(f"# {command}\n" for command in label_commands(node_labels or {}))
    body = yaml.safe_dump_all(objects, sort_keys=False, default_flow_style=False)
    return header + body
