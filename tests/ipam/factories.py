"""Small builders of Kubernetes-form Hybridnet objects for the ipam tests."""

from ipam.constants import API_VERSION, LABEL_NETWORK, LABEL_NODE, LABEL_SUBNET


def network(
    name, type_=None, mode=None, net_id=None, selector=None, peers=None, node_list=None, **extra
):
    spec = {}
    for key, value in (
        ("type", type_),
        ("mode", mode),
        ("netID", net_id),
        ("nodeSelector", selector),
    ):
        if value is not None:
            spec[key] = value
    if peers is not None:
        spec["config"] = {"bgpPeers": peers}
    obj = {"apiVersion": API_VERSION, "kind": "Network", "metadata": {"name": name}, "spec": spec}
    if node_list is not None:
        obj["status"] = {"nodeList": node_list}
    obj.update(extra)
    return obj


def subnet(name, cidr, network="net", version=None, net_id=None, config=None, **range_):
    rng = {"version": version or ("6" if ":" in cidr else "4"), "cidr": cidr}
    for key, value in range_.items():
        rng[{"reserved": "reservedIPs", "excluded": "excludeIPs"}.get(key, key)] = value
    spec = {"network": network, "range": rng}
    if net_id is not None:
        spec["netID"] = net_id
    if config is not None:
        spec["config"] = config
    return {"apiVersion": API_VERSION, "kind": "Subnet", "metadata": {"name": name}, "spec": spec}


def ipinstance(
    address,
    subnet,
    network="net",
    node="node1",
    prefix=24,
    namespace="default",
    name=None,
    spec_subnet=None,
):
    labels = {LABEL_SUBNET: subnet, LABEL_NETWORK: network}
    if node:
        labels[LABEL_NODE] = node
    return {
        "apiVersion": API_VERSION,
        "kind": "IPInstance",
        "metadata": {
            "name": name or address.replace(".", "-").replace(":", "-"),
            "namespace": namespace,
            "labels": labels,
        },
        "spec": {
            "network": network,
            "subnet": spec_subnet or subnet,
            "address": {"ip": f"{address}/{prefix}", "version": "6" if ":" in address else "4"},
            "binding": {"nodeName": node or "", "podName": "pod"},
        },
    }


def node(name, **labels):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}
