"""Small builders for planner rows, so each test states only what it is about."""

import ipaddress

from planner.choices import NetworkTypeChoices, PoolPurposeChoices
from planner.models import AddressPool, Cluster, Network, Node, NodeSegment, Site, Subnet


def make_site(name: str = "site-a") -> Site:
    return Site.objects.get_or_create(name=name)[0]


def make_segment(
    cidr: str = "192.168.56.0/24",
    gateway: str = "192.168.56.1",
    name: str = "seg-a",
    site: Site | None = None,
) -> NodeSegment:
    segment = NodeSegment(site=site or make_site(), name=name, cidr=cidr, gateway=gateway)
    segment.full_clean()
    segment.save()
    return segment


def make_pool(cidr: str = "100.64.0.0/10", name: str = "overlay") -> AddressPool:
    pool = AddressPool(name=name, cidr=cidr, purpose=PoolPurposeChoices.OVERLAY)
    pool.full_clean()
    pool.save()
    return pool


def make_cluster(name: str = "prod-a") -> Cluster:
    return Cluster.objects.create(name=name)


def make_network(
    cluster: Cluster, name: str = "underlay-1", type: str = NetworkTypeChoices.UNDERLAY, **values
) -> Network:
    values.setdefault("node_selector", {"network": name} if type == "Underlay" else {})
    network = Network(cluster=cluster, name=name, type=type, **values)
    network.full_clean()
    network.save()
    return network


def make_clusters_with_networks(count: int) -> tuple[list[Network], list[Network]]:
    """Clusters c0, c1, ... each with an Underlay VLAN Network `underlay` (netID 0) and the
    overlay `init`: their underlay Networks, and their overlay ones."""
    underlay, overlay = [], []
    for index in range(count):
        cluster = make_cluster(f"c{index}")
        underlay.append(make_network(cluster, "underlay", net_id=0))
        overlay.append(make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4))
    return underlay, overlay


def make_node(
    segment: NodeSegment, ip: str, name: str = "node-1", cluster: Cluster | None = None
) -> Node:
    node = Node(segment=segment, ip=ip, name=name, cluster=cluster)
    node.full_clean()
    node.save()
    return node


def make_subnet(network: Network, name: str, cidr: str, **values) -> Subnet:
    subnet = Subnet(network=network, name=name, cidr=cidr, **values)
    subnet.full_clean()
    subnet.save()
    return subnet


def slice_of(segment: NodeSegment, network: Network, name: str, start: str, end: str) -> Subnet:
    """An unsaved slice of `segment` placed by hand at start..end, with the segment's CIDR
    and gateway and the network's netID."""
    return Subnet(
        network=network,
        segment=segment,
        name=name,
        cidr=segment.cidr,
        gateway=segment.gateway,
        start=start,
        end=end,
        net_id=network.net_id,
    )


def bulk_overlay_blocks(network: Network, count: int, first: str = "100.64.0.0/26") -> None:
    """`count` consecutive blocks of `first`'s size for an overlay `network`, straight to the
    table (keys derived by the model, no review per row): many Subnets, quickly."""
    start = ipaddress.ip_network(first)
    size = start.num_addresses
    subnets = []
    for index in range(count):
        block = ipaddress.ip_network((int(start.network_address) + index * size, start.prefixlen))
        subnet = Subnet(
            cluster_id=network.cluster_id, network=network, name=f"block-{index}", cidr=str(block)
        )
        subnet.normalize_addresses()
        subnets.append(subnet)
    Subnet.objects.bulk_create(subnets)
