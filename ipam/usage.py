"""Subnet and Network usage as hybridnet-manager writes it into status (SPEC §5.2, §5.3)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ipam.addresses import try_parse_ip
from ipam.allocatable import SubnetWindow, try_canonicalize
from ipam.constants import FAMILY_NAMES, IPV4, IPV6
from ipam.spec import IPInstanceSpec, NetworkSpec, SubnetSpec


@dataclass(frozen=True)
class Usage:
    total: int = 0
    used: int = 0

    @property
    def available(self) -> int:
        return self.total - self.used

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.total + other.total, self.used + other.used)

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "used": self.used, "available": self.available}


def group_by_subnet_label(
    ipinstances: Iterable[IPInstanceSpec],
) -> dict[str, list[IPInstanceSpec]]:
    """The manager lists IPInstances per subnet by label `networking.alibaba.com/subnet`."""
    groups: dict[str, list[IPInstanceSpec]] = defaultdict(list)
    for instance in ipinstances:
        label = instance.subnet_label
        if label is not None:
            groups[label].append(instance)
    return groups


def _used(subnet: SubnetSpec, window: SubnetWindow, instances: Iterable[IPInstanceSpec]) -> int:
    """§5.2: distinct allocatable addresses held by IPInstances of this subnet (retained and
    terminating ones included), not counting kept reserved IPs."""
    held = set()
    contains = window.contains
    for instance in instances:
        if instance.subnet == subnet.name:
            parsed = try_parse_ip(instance.address)
            if parsed is not None and contains(*parsed):
                held.add(parsed[1])
    return len(held - window.reserved)


def _labelled_usage(subnet: SubnetSpec, labelled: Iterable[IPInstanceSpec]) -> Usage:
    window = try_canonicalize(subnet)
    if window is None:
        return Usage()
    return Usage(window.total, _used(subnet, window, labelled))


def subnet_usage(subnet: SubnetSpec, ipinstances: Iterable[IPInstanceSpec]) -> Usage:
    """Total/used/available of one subnet; only IPInstances labelled with the subnet count. A
    subnet IPAM cannot load (see `allocatable.canonicalize`) reports zeros."""
    return _labelled_usage(subnet, (i for i in ipinstances if i.subnet_label == subnet.name))


def family_of_subnet(subnet: SubnetSpec) -> int:
    """§5.3: IPv6 if version is "6", otherwise the family of the CIDR (IPv4 when unparsable)."""
    return IPV6 if subnet.is_ipv6 else IPV4


def _network_dict(per_family: Mapping[int, Usage]) -> dict[str, dict[str, int]]:
    v4, v6 = per_family.get(IPV4, Usage()), per_family.get(IPV6, Usage())
    return {
        FAMILY_NAMES[IPV4]: v4.as_dict(),
        FAMILY_NAMES[IPV6]: v6.as_dict(),
        # dualStackStatistics: only `available` is meaningful
        "DualStack": {"available": min(v4.available, v6.available)},
    }


def network_usage(
    network: NetworkSpec,
    subnets: Iterable[SubnetSpec],
    ipinstances: Iterable[IPInstanceSpec] | Mapping[str, list[IPInstanceSpec]],
) -> dict[str, dict[str, int]]:
    """Per-family sums over the network's subnets, private ones included (§5.3).

    `ipinstances` is a flat iterable or the result of `group_by_subnet_label`."""
    groups = ipinstances if isinstance(ipinstances, Mapping) else group_by_subnet_label(ipinstances)
    per_family: dict[int, Usage] = defaultdict(Usage)
    for subnet in subnets:
        if subnet.network == network.name:
            usage = _labelled_usage(subnet, groups.get(subnet.name, ()))
            per_family[family_of_subnet(subnet)] += usage
    return _network_dict(per_family)


def cluster_usage(
    networks: Iterable[NetworkSpec],
    subnets: Iterable[SubnetSpec],
    ipinstances: Iterable[IPInstanceSpec],
) -> dict[str, dict[str, dict]]:
    """The `hybridnet_usage -o json` document: every subnet and every network of a cluster."""
    groups = group_by_subnet_label(ipinstances)
    subnet_usages: dict[str, Usage] = {}
    per_network: dict[str, dict[int, Usage]] = defaultdict(lambda: defaultdict(Usage))
    for subnet in subnets:
        usage = _labelled_usage(subnet, groups.get(subnet.name, ()))
        subnet_usages[subnet.name] = usage
        per_network[subnet.network][family_of_subnet(subnet)] += usage
    return {
        "subnets": {name: usage.as_dict() for name, usage in subnet_usages.items()},
        "networks": {n.name: _network_dict(per_network.get(n.name, {})) for n in networks},
    }
