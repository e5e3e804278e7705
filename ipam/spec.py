"""Hybridnet objects as plain data, read from and written to their Kubernetes dict form (SPEC §2).

Raw strings are kept wherever the webhook compares raw strings (SU-7, SU-8, NU-3, S-11): the
parsed views live in `ipam.allocatable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ipam.addresses import try_parse_cidr
from ipam.constants import (
    API_VERSION,
    DEFAULT_MODE,
    IPV6,
    LABEL_NETWORK,
    LABEL_NODE,
    LABEL_SUBNET,
    VERSION_IPV6,
    Kind,
    NetworkType,
)
from ipam.errors import ReviewInputError


class _Reader:
    """Typed access to one object's nested fields; type errors name the object and field."""

    def __init__(self, obj: Mapping[str, Any], kind: str, where: str = "") -> None:
        if not isinstance(obj, Mapping):
            raise ReviewInputError(f"{where or kind}: object is not a mapping")
        self.obj = obj
        self.where = where or f"{kind}/{_path(obj, 'metadata', 'name') or '?'}"

    def get(self, *path: str) -> Any:
        return _path(self.obj, *path)

    def _typed(self, path: tuple[str, ...], types: tuple[type, ...], label: str) -> Any:
        value = self.get(*path)
        # YAML `true` is an int to Python; Go's decoder would not accept it as one.
        wrong_bool = isinstance(value, bool) and bool not in types
        if value is not None and (wrong_bool or not isinstance(value, types)):
            raise ReviewInputError(f"{self.where}: {'.'.join(path)} must be {label}")
        return value

    def str(self, *path: str) -> str:
        return self._typed(path, (str,), "a string") or ""

    def int(self, *path: str) -> int | None:
        return self._typed(path, (int,), "an integer")

    def bool(self, *path: str) -> bool | None:
        return self._typed(path, (bool,), "true or false")

    def strings(self, *path: str) -> tuple[str, ...]:
        values = self._typed(path, (list,), "a list of strings") or []
        if not all(isinstance(value, str) for value in values):
            raise ReviewInputError(f"{self.where}: {'.'.join(path)} must be a list of strings")
        return tuple(values)

    def str_map(self, *path: str) -> dict[str, str]:
        value = self._typed(path, (dict,), "a mapping of strings") or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ReviewInputError(f"{self.where}: {'.'.join(path)} must map strings to strings")
        return dict(value)

    def name(self) -> str:
        return self.str("metadata", "name")

    def labels(self) -> dict[str, str]:
        return self.str_map("metadata", "labels")

    def terminating(self) -> bool:
        return self.get("metadata", "deletionTimestamp") is not None


def _path(obj: Any, *path: str) -> Any:
    for key in path:
        # the `dict` test first: ABC checks cost more than the rest of a 10,000-object load
        if type(obj) is not dict and not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _metadata(name: str, labels: Mapping[str, str]) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = dict(labels)
    return metadata


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Write optional fields only when set, so rendered CRs carry no noise."""
    if value not in (None, "", (), [], {}):
        target[key] = list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class BGPPeer:
    asn: int
    address: str
    graceful_restart_seconds: int | None = None
    password: str = ""
    does_not_route_traffic: bool = False
    allow_not_established: bool = False

    def to_k8s(self) -> dict[str, Any]:
        peer: dict[str, Any] = {"asn": self.asn, "address": self.address}
        _put(peer, "gracefulRestartSeconds", self.graceful_restart_seconds)
        _put(peer, "password", self.password)
        _put(peer, "doesNotRouteTraffic", self.does_not_route_traffic or None)
        _put(peer, "allowNotEstablished", self.allow_not_established or None)
        return peer


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    type: str = ""  # raw: "" means Underlay (GetNetworkType)
    mode: str = ""  # raw: NU-3 compares raw strings
    net_id: int | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    has_config: bool = False  # NU-4: a BGP update without spec.config crashes the handler
    bgp_peers: tuple[BGPPeer, ...] = ()
    node_list: tuple[str, ...] = ()  # status.nodeList
    labels: Mapping[str, str] = field(default_factory=dict)
    terminating: bool = False

    @property
    def effective_type(self) -> str:
        return self.type or NetworkType.UNDERLAY

    @property
    def effective_mode(self) -> str:
        """GetNetworkMode: the type's default when empty; the raw mode for unknown types."""
        return self.mode or DEFAULT_MODE.get(self.effective_type, "")

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> NetworkSpec:
        r = _Reader(obj, Kind.NETWORK)
        peers = r._typed(("spec", "config", "bgpPeers"), (list,), "a list") or []
        return cls(
            name=r.name(),
            type=r.str("spec", "type"),
            mode=r.str("spec", "mode"),
            net_id=r.int("spec", "netID"),
            node_selector=r.str_map("spec", "nodeSelector"),
            has_config=r.get("spec", "config") is not None,
            bgp_peers=tuple(_peer_from_k8s(r, peer) for peer in peers),
            node_list=r.strings("status", "nodeList"),
            labels=r.labels(),
            terminating=r.terminating(),
        )

    def to_k8s(self) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        _put(spec, "type", self.type)
        _put(spec, "mode", self.mode)
        _put(spec, "netID", self.net_id)
        _put(spec, "nodeSelector", dict(self.node_selector))
        if self.has_config or self.bgp_peers:
            spec["config"] = {"bgpPeers": [peer.to_k8s() for peer in self.bgp_peers]}
        return {
            "apiVersion": API_VERSION,
            "kind": Kind.NETWORK,
            "metadata": _metadata(self.name, self.labels),
            "spec": spec,
        }


def _peer_from_k8s(r: _Reader, peer: Any) -> BGPPeer:
    if not isinstance(peer, Mapping):
        raise ReviewInputError(f"{r.where}: spec.config.bgpPeers items must be mappings")
    p = _Reader(peer, Kind.NETWORK, where=f"{r.where} bgpPeer")
    return BGPPeer(
        asn=p.int("asn") or 0,
        address=p.str("address"),
        graceful_restart_seconds=p.int("gracefulRestartSeconds"),
        password=p.str("password"),
        does_not_route_traffic=bool(p.bool("doesNotRouteTraffic")),
        allow_not_established=bool(p.bool("allowNotEstablished")),
    )


@dataclass(frozen=True)
class AddressRange:
    """`spec.range` of a Subnet (or a RemoteSubnet), as written."""

    version: str = ""
    cidr: str = ""
    gateway: str = ""
    start: str = ""
    end: str = ""
    reserved_ips: tuple[str, ...] = ()
    exclude_ips: tuple[str, ...] = ()

    @property
    def is_ipv6(self) -> bool:
        """IsIPv6Subnet: version "6", else the family of the CIDR (§5.3)."""
        if self.version == VERSION_IPV6:
            return True
        cidr = try_parse_cidr(self.cidr)
        return cidr is not None and cidr.family == IPV6

    @classmethod
    def from_reader(cls, r: _Reader) -> AddressRange:
        return cls(
            version=r.str("spec", "range", "version"),
            cidr=r.str("spec", "range", "cidr"),
            gateway=r.str("spec", "range", "gateway"),
            start=r.str("spec", "range", "start"),
            end=r.str("spec", "range", "end"),
            reserved_ips=r.strings("spec", "range", "reservedIPs"),
            exclude_ips=r.strings("spec", "range", "excludeIPs"),
        )

    def to_k8s(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {"version": self.version, "cidr": self.cidr}
        for key, value in (
            ("gateway", self.gateway),
            ("start", self.start),
            ("end", self.end),
            ("reservedIPs", self.reserved_ips),
            ("excludeIPs", self.exclude_ips),
        ):
            _put(rendered, key, value)
        return rendered


@dataclass(frozen=True)
class SubnetSpec:
    name: str
    network: str = ""
    range: AddressRange = field(default_factory=AddressRange)
    net_id: int | None = None
    auto_nat_outgoing: bool | None = None  # S-4/S-6: even an explicit false counts as set
    private: bool | None = None
    allow_subnets: tuple[str, ...] = ()
    gateway_type: str = ""
    gateway_node: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    terminating: bool = False
    last_allocated_ip: str = ""  # status.lastAllocatedIP

    @property
    def is_ipv6(self) -> bool:
        return self.range.is_ipv6

    @property
    def is_private(self) -> bool:
        return bool(self.private)

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> SubnetSpec:
        r = _Reader(obj, Kind.SUBNET)
        return cls(
            name=r.name(),
            network=r.str("spec", "network"),
            range=AddressRange.from_reader(r),
            net_id=r.int("spec", "netID"),
            auto_nat_outgoing=r.bool("spec", "config", "autoNatOutgoing"),
            private=r.bool("spec", "config", "private"),
            allow_subnets=r.strings("spec", "config", "allowSubnets"),
            gateway_type=r.str("spec", "config", "gatewayType"),
            gateway_node=r.str("spec", "config", "gatewayNode"),
            labels=r.labels(),
            terminating=r.terminating(),
            last_allocated_ip=r.str("status", "lastAllocatedIP"),
        )

    def to_k8s(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"network": self.network, "range": self.range.to_k8s()}
        _put(spec, "netID", self.net_id)
        config: dict[str, Any] = {}
        _put(config, "autoNatOutgoing", self.auto_nat_outgoing)
        _put(config, "private", self.private)
        _put(config, "allowSubnets", self.allow_subnets)
        _put(config, "gatewayType", self.gateway_type)
        _put(config, "gatewayNode", self.gateway_node)
        _put(spec, "config", config)
        return {
            "apiVersion": API_VERSION,
            "kind": Kind.SUBNET,
            "metadata": _metadata(self.name, self.labels),
            "spec": spec,
        }


@dataclass(frozen=True)
class IPInstanceSpec:
    name: str
    namespace: str = ""
    network: str = ""
    subnet: str = ""
    ip: str = ""  # spec.address.ip: the address with the subnet prefix length
    version: str = ""
    node_name: str = ""  # spec.binding.nodeName; empty = reserved/retained (§2.3)
    pod_name: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    terminating: bool = False

    @property
    def address(self) -> str:
        """The address without its prefix length (how SD-1 prints it)."""
        return self.ip.split("/", 1)[0]

    @property
    def retained(self) -> bool:
        return not self.node_name

    @property
    def subnet_label(self) -> str | None:
        return self.labels.get(LABEL_SUBNET)

    @property
    def network_label(self) -> str | None:
        return self.labels.get(LABEL_NETWORK)

    @property
    def node_label(self) -> str | None:
        return self.labels.get(LABEL_NODE)

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> IPInstanceSpec:
        r = _Reader(obj, Kind.IPINSTANCE)
        return cls(
            name=r.name(),
            namespace=r.str("metadata", "namespace"),
            network=r.str("spec", "network"),
            subnet=r.str("spec", "subnet"),
            ip=r.str("spec", "address", "ip"),
            version=r.str("spec", "address", "version"),
            node_name=r.str("spec", "binding", "nodeName"),
            pod_name=r.str("spec", "binding", "podName"),
            labels=r.labels(),
            terminating=r.terminating(),
        )


@dataclass(frozen=True)
class NodeSpec:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    terminating: bool = False

    @classmethod
    def from_k8s(cls, obj: Mapping[str, Any]) -> NodeSpec:
        r = _Reader(obj, Kind.NODE)
        return cls(name=r.name(), labels=r.labels(), terminating=r.terminating())

    def matches(self, selector: Mapping[str, str]) -> bool:
        """Equality-only label selector: every pair must match."""
        return all(self.labels.get(key) == value for key, value in selector.items())
