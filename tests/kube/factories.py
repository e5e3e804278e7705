"""Hybridnet objects in Kubernetes form, small enough to read in a test."""

from planner.kube.constants import API_VERSION

IPINSTANCE_LABEL_SUBNET = "networking.alibaba.com/subnet"


def network(name: str, net_id: int | None = 4, network_type: str = "Overlay") -> dict:
    return {
        "apiVersion": API_VERSION,
        "kind": "Network",
        "metadata": {"name": name},
        "spec": {"type": network_type, "netID": net_id},
    }


def subnet(name: str, cidr: str = "10.0.0.0/24", network_name: str = "net1", **range_: str) -> dict:
    return {
        "apiVersion": API_VERSION,
        "kind": "Subnet",
        "metadata": {"name": name},
        "spec": {"network": network_name, "range": {"version": "4", "cidr": cidr, **range_}},
    }


def ipinstance(ip: str, prefix_length: int = 16, subnet_name: str = "s1") -> dict:
    """An IPInstance named after its address, as hybridnet-manager names them."""
    return {
        "apiVersion": API_VERSION,
        "kind": "IPInstance",
        "metadata": {
            "name": ip.replace(".", "-"),
            "labels": {IPINSTANCE_LABEL_SUBNET: subnet_name},
        },
        "spec": {
            "network": "net1",
            "subnet": subnet_name,
            "address": {"version": "4", "ip": f"{ip}/{prefix_length}"},
        },
    }
