"""Planner rows as the plain Hybridnet objects of ipam/, the one source of rendered CRs."""

from collections.abc import Iterable

from django.db.models import F, Q

from ipam.admission import ClusterState
from ipam.constants import LABEL_NETWORK, LABEL_NODE, LABEL_SUBNET
from ipam.spec import BGPPeer, IPInstanceSpec, NetworkSpec, NodeSpec, SubnetSpec
from planner.constants import MANAGED_BY_LABELS
from planner.models import Cluster, Network, Node, ObservedIPInstance, Subnet


def bgp_peer(peer: dict) -> BGPPeer:
    return BGPPeer(
        asn=peer.get("asn") or 0,
        address=peer.get("address", ""),
        graceful_restart_seconds=peer.get("gracefulRestartSeconds"),
        password=peer.get("password", ""),
        does_not_route_traffic=bool(peer.get("doesNotRouteTraffic")),
        allow_not_established=bool(peer.get("allowNotEstablished")),
    )


def network_spec(network: Network, node_list: Iterable[str] = ()) -> NetworkSpec:
    return NetworkSpec(
        name=network.name,
        type=network.type,
        mode=network.mode,
        net_id=network.net_id,
        node_selector=dict(network.node_selector),
        has_config=bool(network.bgp_peers),
        bgp_peers=tuple(bgp_peer(peer) for peer in network.bgp_peers),
        node_list=tuple(sorted(node_list)),
        labels=MANAGED_BY_LABELS,
    )


def subnet_spec(subnet: Subnet, network_name: str | None = None) -> SubnetSpec:
    return SubnetSpec(
        name=subnet.name,
        network=network_name or subnet.network.name,
        range=subnet.address_range(),
        net_id=subnet.net_id,
        auto_nat_outgoing=subnet.auto_nat_outgoing,
        private=subnet.private,
        labels=MANAGED_BY_LABELS,
    )


def node_spec(node: Node) -> NodeSpec:
    return NodeSpec(name=node.name, labels=dict(node.labels))


def ipinstance_spec(observed: ObservedIPInstance) -> IPInstanceSpec:
    labels = {LABEL_SUBNET: observed.subnet_name, LABEL_NETWORK: observed.network_name}
    if observed.node_name:
        labels[LABEL_NODE] = observed.node_name
    return IPInstanceSpec(
        name=observed.name,
        namespace=observed.namespace,
        network=observed.network_name,
        subnet=observed.subnet_name,
        ip=observed.ip,
        node_name=observed.node_name,
        pod_name=observed.pod_name,
        labels=labels,
    )


def _subnet_specs(cluster: Cluster, where: Q | None) -> list[SubnetSpec]:
    subnets = cluster.subnets.all() if where is None else cluster.subnets.filter(where)
    subnets = subnets.annotate(network_name=F("network__name")).order_by("pk")
    return [subnet_spec(subnet, subnet.network_name) for subnet in subnets]


def planned_state(
    cluster: Cluster,
    *,
    with_ipinstances: bool = True,
    with_nodes: bool = True,
    subnets_where: Q | None = None,
    networks: Iterable[Network] | None = None,
) -> ClusterState:
    """What Hybridnet's webhook would see once the cluster's plan is applied: the planned
    Networks (with the planned nodes their selectors match), Subnets and Nodes, and the
    IPInstances last observed. A review that no rule of which reads IPInstances or Nodes
    leaves them out (`with_ipinstances`, `with_nodes`), one that reads only some Subnets
    reads only those (`subnets_where`), and one that reads only some
    Networks, which the caller holds, is given those (`networks`)."""
    nodes = [node_spec(node) for node in cluster.nodes.all()] if with_nodes else []
    planned_networks = list(cluster.networks.all() if networks is None else networks)
    network_specs = []
    for network in planned_networks:
        members = [node.name for node in nodes if node.matches(network.node_selector)]
        network_specs.append(network_spec(network, members if network.node_selector else ()))
    return ClusterState(
        networks=network_specs,
        subnets=_subnet_specs(cluster, subnets_where),
        ipinstances=(
            [ipinstance_spec(observed) for observed in cluster.ip_instances.all()]
            if with_ipinstances
            else []
        ),
        nodes=nodes,
    )
