"""What the webhook can see of a cluster, with the indexes its rules need.

The webhook reads an informer cache whose list order is unspecified; here "list order" is the
order objects entered the state, which makes "the first conflicting subnet" deterministic.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any

from ipam.addresses import Cidr, try_parse_cidr
from ipam.allocatable import SubnetWindow, try_canonicalize
from ipam.blocks import ancestors
from ipam.constants import FAMILY_BITS, Kind
from ipam.spec import AddressRange, IPInstanceSpec, NetworkSpec, NodeSpec, SubnetSpec


@dataclass(frozen=True)
class RemoteSubnet:
    """A `multicluster.alibaba.com/v1` RemoteSubnet: only its name and range matter (S-14)."""

    name: str
    range: AddressRange


class ClusterState:
    def __init__(
        self,
        networks: Iterable[NetworkSpec] = (),
        subnets: Iterable[SubnetSpec] = (),
        ipinstances: Iterable[IPInstanceSpec] = (),
        nodes: Iterable[NodeSpec] = (),
        *,
        multicluster: bool = False,
        remote_subnets: Iterable[RemoteSubnet] = (),
        remote_cluster_count: int = 0,
    ) -> None:
        """`multicluster` is the MultiCluster feature gate (off by default, SPEC §3); the
        remote objects only matter when it is on (S-14, ND-2)."""
        self.multicluster = multicluster
        self.remote_subnets = list(remote_subnets)
        self.remote_cluster_count = remote_cluster_count
        self.networks: dict[str, NetworkSpec] = {}
        self.subnets: dict[str, SubnetSpec] = {}
        self.ipinstances: dict[tuple[str, str], IPInstanceSpec] = {}
        self.nodes: dict[str, NodeSpec] = {}
        self._seq = count()
        self._subnet_seq: dict[str, int] = {}
        self._subnet_cidr: dict[str, Cidr] = {}
        self._firsts: dict[int, list[int]] = defaultdict(list)  # per family, sorted
        self._by_first: dict[tuple[int, int], set[str]] = defaultdict(set)
        self._by_block: dict[tuple[int, int, int], set[str]] = defaultdict(set)
        self._by_network: dict[str, set[str]] = defaultdict(set)
        self._ips_by_subnet: dict[str, dict[tuple[str, str], IPInstanceSpec]] = defaultdict(dict)
        self._ips_by_node_network: dict[tuple[str | None, str | None], int] = defaultdict(int)
        self._nodes_by_label: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._windows: dict[str, tuple[SubnetSpec, SubnetWindow | None]] = {}
        for network in networks:
            self.put_network(network)
        for subnet in subnets:
            self.put_subnet(subnet)
        for instance in ipinstances:
            self.put_ipinstance(instance)
        for node in nodes:
            self.put_node(node)

    @classmethod
    def from_objects(cls, objects: Iterable[Mapping[str, Any]], **options: Any) -> ClusterState:
        """Build from Kubernetes dicts; kinds other than the four known ones are ignored."""
        state = cls(**options)
        for obj in objects:
            state.put_object(obj)
        return state

    # -- writing -----------------------------------------------------------------------------

    def put_object(self, obj: Mapping[str, Any]) -> None:
        kind = obj.get("kind")
        if kind == Kind.NETWORK:
            self.put_network(NetworkSpec.from_k8s(obj))
        elif kind == Kind.SUBNET:
            self.put_subnet(SubnetSpec.from_k8s(obj))
        elif kind == Kind.IPINSTANCE:
            self.put_ipinstance(IPInstanceSpec.from_k8s(obj))
        elif kind == Kind.NODE:
            self.put_node(NodeSpec.from_k8s(obj))

    def put_network(self, network: NetworkSpec) -> None:
        self.networks[network.name] = network

    def remove_network(self, name: str) -> None:
        self.networks.pop(name, None)

    def put_subnet(self, subnet: SubnetSpec) -> None:
        seq = self._subnet_seq.get(subnet.name)
        self.remove_subnet(subnet.name)
        self.subnets[subnet.name] = subnet
        self._subnet_seq[subnet.name] = next(self._seq) if seq is None else seq
        self._by_network[subnet.network].add(subnet.name)
        cidr = try_parse_cidr(subnet.range.cidr)
        if cidr is None:
            return  # unparsable CIDRs cannot take part in overlap checks
        self._subnet_cidr[subnet.name] = cidr
        insort(self._firsts[cidr.family], cidr.first)
        self._by_first[(cidr.family, cidr.first)].add(subnet.name)
        self._by_block[(cidr.family, cidr.first, cidr.prefixlen)].add(subnet.name)

    def remove_subnet(self, name: str) -> None:
        subnet = self.subnets.pop(name, None)
        if subnet is None:
            return
        del self._subnet_seq[name]
        self._by_network[subnet.network].discard(name)
        cidr = self._subnet_cidr.pop(name, None)
        if cidr is not None:
            firsts = self._firsts[cidr.family]
            del firsts[bisect_left(firsts, cidr.first)]
            self._by_first[(cidr.family, cidr.first)].discard(name)
            self._by_block[(cidr.family, cidr.first, cidr.prefixlen)].discard(name)

    def put_ipinstance(self, instance: IPInstanceSpec) -> None:
        key = (instance.namespace, instance.name)
        self.remove_ipinstance(*key)
        self.ipinstances[key] = instance
        self._ips_by_subnet[instance.subnet_label or ""][key] = instance
        self._ips_by_node_network[(instance.node_label, instance.network_label)] += 1

    def remove_ipinstance(self, namespace: str, name: str) -> None:
        instance = self.ipinstances.pop((namespace, name), None)
        if instance is not None:
            self._ips_by_subnet[instance.subnet_label or ""].pop((namespace, name), None)
            self._ips_by_node_network[(instance.node_label, instance.network_label)] -= 1

    def put_node(self, node: NodeSpec) -> None:
        self.remove_node(node.name)
        self.nodes[node.name] = node
        for pair in node.labels.items():
            self._nodes_by_label[pair].add(node.name)

    def remove_node(self, name: str) -> None:
        node = self.nodes.pop(name, None)
        if node is not None:
            for pair in node.labels.items():
                self._nodes_by_label[pair].discard(name)

    # -- reading -----------------------------------------------------------------------------

    def network_of_type(self, effective_type: str) -> NetworkSpec | None:
        """`checkNetworkTypeExist`: the first network of that effective type."""
        return next((n for n in self.networks.values() if n.effective_type == effective_type), None)

    def nodes_matching(self, selector: Mapping[str, str]) -> set[str]:
        """`ListActiveNodesToNames`: names of nodes whose labels match every pair. A
        terminating node contributes an empty string, as in Hybridnet (quirk 3)."""
        if selector:
            sets = [self._nodes_by_label.get(pair, set()) for pair in selector.items()]
            names = set.intersection(*sets)
        else:
            names = set(self.nodes)
        return {"" if self.nodes[name].terminating else name for name in names}

    def subnets_in_list_order(self, names: Iterable[str]) -> list[SubnetSpec]:
        return [self.subnets[name] for name in sorted(names, key=self._subnet_seq.__getitem__)]

    def child_subnets(self, network: str) -> list[SubnetSpec]:
        return self.subnets_in_list_order(self._by_network.get(network, ()))

    def subnets_nesting_with(self, cidr: Cidr) -> list[SubnetSpec]:
        """Subnets whose CIDR contains, equals or lies inside `cidr`, in list order. These are
        the only ones S-11, S-12 and S-13 can deny on: CIDR blocks never partially overlap."""
        names: set[str] = set()
        for block, prefixlen in ancestors(cidr.first, cidr.prefixlen, FAMILY_BITS[cidr.family]):
            names |= self._by_block.get((cidr.family, block, prefixlen), set())
        firsts = self._firsts.get(cidr.family, [])
        lo, hi = bisect_left(firsts, cidr.first), bisect_right(firsts, cidr.last)
        for first in sorted(set(firsts[lo:hi])):  # equal, descendants, and same-start ancestors
            names |= self._by_first[(cidr.family, first)]
        return self.subnets_in_list_order(names)

    def window(self, subnet: SubnetSpec) -> SubnetWindow | None:
        """IPAM's view of `subnet` (None if IPAM cannot load it), computed once per object:
        overlap checks ask for the same existing subnets again and again."""
        cached = self._windows.get(subnet.name)
        if cached is None or cached[0] is not subnet:
            cached = (subnet, try_canonicalize(subnet))
            self._windows[subnet.name] = cached
        return cached[1]

    def ipinstances_labelled(self, subnet: str) -> list[IPInstanceSpec]:
        return list(self._ips_by_subnet.get(subnet, {}).values())

    def count_ipinstances_on(self, node: str, network: str) -> int:
        """IPInstances labelled with both this node and this network (ND-3)."""
        return self._ips_by_node_network.get((node, network), 0)
