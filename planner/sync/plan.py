"""The plan of one cluster: its planned objects against what the cluster holds now, read
through the gateway, as a list of changes that reads like `terraform plan`.

The comparison is client-side (planner.sync.diff) and never a server-side dry run per
object: a dry run costs one request per changed object, which a plan of 500 new Subnets could
not afford within its second. Conflicts and denials show in the apply's results instead.
"""

from ipam.addresses import try_parse_ip
from ipam.spec import IPInstanceSpec
from planner.kube.gateway import KubeGateway
from planner.models import Cluster
from planner.services.manifests import cluster_manifests
from planner.sync.diff import ClusterPlan, diff_cluster, subnets_to_delete


def plan_cluster(cluster: Cluster, gateway: KubeGateway) -> ClusterPlan:
    """The changes that make `cluster`'s live objects match its plan."""
    manifests = cluster_manifests(cluster)
    live_networks = gateway.list_networks()
    live_subnets = gateway.list_subnets()
    live_nodes = gateway.list_nodes() if manifests.node_labels else []
    ips_by_subnet = {
        name: sorted(
            (IPInstanceSpec.from_k8s(obj).address for obj in gateway.subnet_ipinstances(name)),
            key=_address_order,
        )
        for name in subnets_to_delete(manifests.objects, live_subnets)
    }
    changes = diff_cluster(
        manifests.objects,
        manifests.node_labels,
        live_networks,
        live_subnets,
        live_nodes,
        {name: ips for name, ips in ips_by_subnet.items() if ips},
    )
    return ClusterPlan(cluster=cluster.name, changes=changes)


def _address_order(text: str) -> tuple:
    """Lowest address first (as text, "10.0.0.10" would come before "10.0.0.9"); what does
    not parse, last."""
    address = try_parse_ip(text)
    return (0, address.family, address.value) if address else (1, 0, 0)
