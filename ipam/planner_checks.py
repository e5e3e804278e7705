"""Checks stricter than Hybridnet's webhook (SPEC §11 quirks, §12 checklist).

They report what Hybridnet would accept but is still a mistake, so a user can tell it apart
from a webhook denial. Rules the webhook already enforces are not repeated here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ipam.addresses import (
    Cidr,
    int_to_text,
    is_canonical_cidr,
    is_canonical_ip,
    try_parse_cidr,
    try_parse_ip,
)
from ipam.admission.state import ClusterState
from ipam.allocatable import SubnetWindow
from ipam.constants import (
    INT32_MAX,
    IPV4,
    IPV6,
    VERSION_FAMILY,
    VLAN_ID_MAX,
    VLAN_ID_MIN,
    VXLAN_VNI_MAX,
    VXLAN_VNI_MIN,
    NetworkMode,
    NetworkType,
)
from ipam.spec import NetworkSpec, SubnetSpec

ERROR = "error"
WARNING = "warning"
_SHOWN_NAMES = 5  # node or subnet names listed in an overlap message


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning"
    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "field": self.field,
        }


# -- Networks --------------------------------------------------------------------------------


def _network_explicit_fields(network: NetworkSpec) -> Iterator[Finding]:
    # §12 and quirk 8: defaults make `mode: ""` -> `mode: VLAN` an illegal update later.
    for field, value in (("spec.type", network.type), ("spec.mode", network.mode)):
        if not value:
            yield Finding(
                WARNING,
                "IMPLICIT_DEFAULT",
                f"{field} is not written; write it explicitly (changing it later, "
                f"even to the default, is rejected)",
                field,
            )


def _network_net_id(network: NetworkSpec) -> Iterator[Finding]:
    """§4.9: ranges the daemon accepts, which the webhook never checks."""
    mode, net_id = network.effective_mode, network.net_id
    if net_id is None:
        return
    if mode == NetworkMode.VLAN and not VLAN_ID_MIN <= net_id <= VLAN_ID_MAX:
        yield Finding(
            ERROR,
            "NETID_RANGE",
            f"spec.netID {net_id} is not a VLAN ID "
            f"({VLAN_ID_MIN}..{VLAN_ID_MAX}); pods would fail to start",
            "spec.netID",
        )
    elif mode == NetworkMode.VXLAN and not VXLAN_VNI_MIN <= net_id <= VXLAN_VNI_MAX:
        yield Finding(
            ERROR,
            "NETID_RANGE",
            f"spec.netID {net_id} is not a VXLAN VNI ({VXLAN_VNI_MIN}..{VXLAN_VNI_MAX})",
            "spec.netID",
        )
    elif mode == NetworkMode.BGP and not 0 < net_id <= INT32_MAX:
        yield Finding(
            ERROR,
            "NETID_RANGE",
            f"spec.netID {net_id} is not a usable local AS number (1..{INT32_MAX})",
            "spec.netID",
        )


def _network_bgp_peers(network: NetworkSpec) -> Iterator[Finding]:
    if network.effective_mode != NetworkMode.BGP:
        return
    for index, peer in enumerate(network.bgp_peers):
        if not 0 < peer.asn <= INT32_MAX:
            field = f"spec.config.bgpPeers[{index}].asn"
            yield Finding(
                ERROR, "BGP_PEER_ASN", f"{field} {peer.asn} must be a positive AS number", field
            )
    routing = [peer.address for peer in network.bgp_peers if not peer.does_not_route_traffic]
    if len(routing) > 1:
        # §2.1.1: the daemon errors on a second peer that routes traffic.
        yield Finding(
            ERROR,
            "BGP_ROUTING_PEERS",
            f"spec.config.bgpPeers: {len(routing)} peers route traffic "
            f"({', '.join(routing)}); set doesNotRouteTraffic on all but one",
            "spec.config.bgpPeers",
        )
    duplicates = sorted(
        a for a, n in Counter(p.address for p in network.bgp_peers).items() if n > 1
    )
    if duplicates:
        yield Finding(
            WARNING,
            "DUPLICATE",
            f"spec.config.bgpPeers lists {', '.join(duplicates)} more than once",
            "spec.config.bgpPeers",
        )


def _live_members(state: ClusterState, network: NetworkSpec) -> set[str]:
    return {name for name in state.nodes_matching(network.node_selector) if name}


def _underlay_nodes(state: ClusterState, network: NetworkSpec) -> Iterator[Finding]:
    """Quirk 3: N-3 only looks at other networks' (lagging) status.nodeList and only on create;
    compare live node labels, on create and update."""
    if network.effective_type != NetworkType.UNDERLAY or not network.node_selector:
        return
    mine = _live_members(state, network)
    if not mine and state.nodes:
        yield Finding(WARNING, "NO_NODES", "spec.nodeSelector matches no node", "spec.nodeSelector")
    for other in state.networks.values():
        if other.name == network.name or other.effective_type != NetworkType.UNDERLAY:
            continue
        shared = mine & (_live_members(state, other) | set(other.node_list))
        if shared:
            names = ", ".join(sorted(shared)[:_SHOWN_NAMES])
            yield Finding(
                ERROR,
                "UNDERLAY_NODES_OVERLAP",
                f"spec.nodeSelector selects node(s) {names} already in underlay "
                f"network {other.name}; a node must be in one underlay network",
                "spec.nodeSelector",
            )


def check_network(
    state: ClusterState, network: NetworkSpec, old: NetworkSpec | None = None
) -> list[Finding]:
    """Planner findings for creating `network` (or updating `old` to it) in `state`."""
    changed_type = old is not None and old.type != network.type
    return [
        # §12: NU-1 compares effective types, so "" -> "Underlay" passes; never change it.
        *(
            [Finding(ERROR, "IMMUTABLE", "spec.type must not change once written", "spec.type")]
            if changed_type
            else []
        ),
        *_network_explicit_fields(network),
        *_network_net_id(network),
        *_network_bgp_peers(network),
        *_underlay_nodes(state, network),
    ]


# -- Subnets ---------------------------------------------------------------------------------


def _range_texts(subnet: SubnetSpec) -> Iterator[tuple[str, str]]:
    """(field path, text) of every address written in spec.range."""
    rng = subnet.range
    for field in ("gateway", "start", "end"):
        if getattr(rng, field):
            yield f"spec.range.{field}", getattr(rng, field)
    for field, texts in (("reservedIPs", rng.reserved_ips), ("excludeIPs", rng.exclude_ips)):
        for index, text in enumerate(texts):
            yield f"spec.range.{field}[{index}]", text


def _subnet_text(subnet: SubnetSpec, cidr: Cidr) -> Iterator[Finding]:
    """§5.6, quirk 4: IPAM matches canonical text only; CIDR checks compare raw strings."""
    rng = subnet.range
    if not is_canonical_cidr(rng.cidr):
        yield Finding(
            ERROR,
            "NON_CANONICAL",
            f"spec.range.cidr {rng.cidr!r} is not canonical; write {cidr.text!r}",
            "spec.range.cidr",
        )
    if VERSION_FAMILY.get(rng.version) != cidr.family:
        expected = "6" if cidr.family == IPV6 else "4"
        yield Finding(
            ERROR,
            "VERSION_MISMATCH",
            f"spec.range.version {rng.version!r} does not "
            f"match the CIDR family; write {expected!r}",
            "spec.range.version",
        )
    for field, text in _range_texts(subnet):
        parsed = try_parse_ip(text)
        if parsed is not None and not is_canonical_ip(text):
            canonical = int_to_text(parsed[1], parsed[0])
            yield Finding(
                ERROR,
                "NON_CANONICAL",
                f"{field} {text!r} is not canonical; write "
                f"{canonical!r} (Hybridnet's IPAM ignores non-canonical entries)",
                field,
            )


def _subnet_edges(subnet: SubnetSpec, cidr: Cidr) -> Iterator[Finding]:
    """Quirk 6: the webhook admits the network/broadcast address as gateway, start or end."""
    rng = subnet.range
    edges = {cidr.first: "the network address"}
    if cidr.family == IPV4:
        edges[cidr.last] = "the broadcast address"
    for field in ("gateway", "start", "end"):
        parsed = try_parse_ip(getattr(rng, field)) if getattr(rng, field) else None
        if parsed is not None and parsed[0] == cidr.family and parsed[1] in edges:
            yield Finding(
                ERROR,
                "EDGE_ADDRESS",
                f"spec.range.{field} is {edges[parsed[1]]} of {cidr.text}",
                f"spec.range.{field}",
            )


def _subnet_lists(subnet: SubnetSpec, window: SubnetWindow) -> Iterator[Finding]:
    """Reserved/excluded entries outside start..end, on the gateway, or listed twice."""
    rng = subnet.range
    for field, texts in (("reservedIPs", rng.reserved_ips), ("excludeIPs", rng.exclude_ips)):
        values = []
        for index, text in enumerate(texts):
            parsed = try_parse_ip(text)
            if parsed is None:
                continue
            values.append(parsed[1])
            where = f"spec.range.{field}[{index}]"
            if not window.start <= parsed[1] <= window.end:
                yield Finding(
                    WARNING,
                    "OUTSIDE_WINDOW",
                    f"{where} {text} is outside start..end and has no effect",
                    where,
                )
            elif parsed[1] == window.gateway:
                yield Finding(
                    WARNING,
                    "ON_GATEWAY",
                    f"{where} {text} is the gateway, which is never allocated anyway",
                    where,
                )
        repeated = sorted(v for v, n in Counter(values).items() if n > 1)
        if repeated:
            texts_shown = ", ".join(int_to_text(v, window.family) for v in repeated)
            yield Finding(
                ERROR,
                "DUPLICATE",
                f"spec.range.{field} lists {texts_shown} more "
                "than once (the webhook's capacity counts every entry)",
                f"spec.range.{field}",
            )
    excluded_texts = set(rng.exclude_ips)
    for index, text in enumerate(rng.reserved_ips):
        if text in excluded_texts:
            where = f"spec.range.reservedIPs[{index}]"
            yield Finding(
                WARNING,
                "RESERVED_EXCLUDED",
                f"{where} {text} is also excluded, so it is never reserved",
                where,
            )


def _subnet_ipv6_names(window: SubnetWindow) -> Iterator[Finding]:
    """Quirk 10: IPInstance names of addresses printed with a leading/trailing `::` begin or
    end with `-`, which Kubernetes refuses."""
    if window.family != IPV6:
        return
    for field, value in (("start", window.start), ("end", window.end)):
        text = int_to_text(value, IPV6)
        if text.startswith("::") or text.endswith("::"):
            yield Finding(
                WARNING,
                "IPV6_DNS_NAME",
                f"spec.range.{field} {text} begins or ends "
                "with '::'; its IPInstance name would be invalid",
                f"spec.range.{field}",
            )


def _subnet_net_id(state: ClusterState, subnet: SubnetSpec) -> Iterator[Finding]:
    network = state.networks.get(subnet.network)
    if (
        network is not None
        and network.effective_mode == NetworkMode.VLAN
        and subnet.net_id is not None
        and not VLAN_ID_MIN <= subnet.net_id <= VLAN_ID_MAX
    ):
        yield Finding(
            ERROR,
            "NETID_RANGE",
            f"spec.netID {subnet.net_id} is not a VLAN ID "
            f"({VLAN_ID_MIN}..{VLAN_ID_MAX}); pods would fail to start",
            "spec.netID",
        )


def _subnet_window_overlap(
    state: ClusterState, subnet: SubnetSpec, cidr: Cidr, window: SubnetWindow
) -> Iterator[Finding]:
    """Quirk 2: S-13 tests four endpoints only; intersect the allocatable sets instead. One
    finding, detailed for the first subnet in list order."""
    lo, hi = window.bounds
    clashes = []
    for other in state.subnets_nesting_with(cidr):
        other_window = state.window(other) if other.name != subnet.name else None
        if other_window is None or other_window.family != window.family:
            continue
        other_lo, other_hi = other_window.bounds
        if other_lo <= hi and lo <= other_hi:  # cheap test before the set intersection
            shared = window.allocatable.intersect(other_window.allocatable)
            if shared:
                clashes.append((other.name, shared))
    if not clashes:
        return
    name, shared = clashes[0]
    first_lo, first_hi = next(iter(shared))
    message = (
        f"spec.range shares {shared.size} allocatable address(es) with subnet {name}, "
        f"first {int_to_text(first_lo, window.family)}"
        f"-{int_to_text(first_hi, window.family)}"
    )
    if len(clashes) > 1:
        others = ", ".join(other for other, _ in clashes[1 : 1 + _SHOWN_NAMES])
        more = "..." if len(clashes) > 1 + _SHOWN_NAMES else ""
        message += f"; and with {len(clashes) - 1} more subnet(s): {others}{more}"
    yield Finding(ERROR, "WINDOW_OVERLAP", message, "spec.range")


def check_subnet(
    state: ClusterState, subnet: SubnetSpec, old: SubnetSpec | None = None
) -> list[Finding]:
    """Planner findings for creating `subnet` (or updating `old` to it) in `state`."""
    findings: list[Finding] = []
    if old is not None and old.range.version != subnet.range.version:
        findings.append(
            Finding(
                ERROR,
                "IMMUTABLE",
                "spec.range.version must not change (quirk 1: the webhook lets it)",
                "spec.range.version",
            )
        )
    cidr = try_parse_cidr(subnet.range.cidr)
    if cidr is None:
        return findings  # the webhook denies it (S-8)
    findings += _subnet_text(subnet, cidr)
    findings += _subnet_edges(subnet, cidr)
    findings += _subnet_net_id(state, subnet)
    window = state.window(subnet)
    if window is not None:
        findings += _subnet_lists(subnet, window)
        findings += _subnet_ipv6_names(window)
        findings += _subnet_window_overlap(state, subnet, cidr, window)
    return findings
