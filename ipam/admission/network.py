"""Network admission: `pkg/webhook/validating/network.go` (SPEC §4.1-4.3)."""

from __future__ import annotations

from ipam.addresses import try_parse_ip
from ipam.admission.decision import Decision, Denied, check, not_found
from ipam.admission.state import ClusterState
from ipam.constants import MODE_TYPE, NetworkMode, NetworkType
from ipam.spec import NetworkSpec

# N-11: the denial for a mode used with the wrong type.
_MODE_TYPE_MESSAGES = {
    NetworkMode.BGP: "BGP mode can only be used for underlay network",
    NetworkMode.VLAN: "VLAN mode can only be used for underlay network",
    NetworkMode.VXLAN: "VXLAN mode can only be used for overlay network",
    NetworkMode.GLOBAL_BGP: "GlobalBGP mode can only be used for global bgp network",
}

# The update handler crashes on `newN.Spec.Config.BGPPeers` when spec.config is absent; with
# failurePolicy Fail the API server rejects the request (NU-4, quirk 9).
BGP_UPDATE_WITHOUT_CONFIG = (
    "Internal error occurred: failed calling webhook: EOF "
    "(the hybridnet webhook crashes on a BGP network update without spec.config)"
)


def _underlay_overlapped(state: ClusterState, network: NetworkSpec) -> bool:
    """N-3 `checkUnderlayNetworkOverlapped`: a selected node is in another underlay network's
    status.nodeList."""
    selected = state.nodes_matching(network.node_selector)
    return any(
        other.effective_type == NetworkType.UNDERLAY
        and other.name != network.name
        and not selected.isdisjoint(other.node_list)
        for other in state.networks.values()
    )


def _check_create_type(state: ClusterState, network: NetworkSpec) -> None:
    kind = network.effective_type
    if kind == NetworkType.UNDERLAY:
        check(bool(network.node_selector), "N-2", "must have node selector for underlay network")
        check(
            not _underlay_overlapped(state, network), "N-3", "underlay network cannot be overlapped"
        )
    elif kind == NetworkType.OVERLAY:
        check(state.network_of_type(kind) is None, "N-4", "must have one overlay network at most")
        check(not network.node_selector, "N-5", "must not assign node selector for overlay network")
        check(network.net_id is not None, "N-6", "must assign net ID for overlay network")
    elif kind == NetworkType.GLOBAL_BGP:
        check(
            state.network_of_type(kind) is None, "N-7", "must have one global bgp network at most"
        )
        check(
            not network.node_selector, "N-8", "must not assign node selector for global bgp network"
        )
        check(network.net_id is None, "N-9", "must not assign net ID for global bgp network")
    else:
        raise Denied("N-1", f"unknown network type {kind}")


def _check_bgp_peers(network: NetworkSpec, rules: tuple[str, str], check_asn: bool) -> None:
    """At least one peer, then address (and on create ASN) peer by peer, as the handler loops."""
    empty_rule, address_rule = rules
    check(bool(network.bgp_peers), empty_rule, "at least one bgp router need to be set")
    for peer in network.bgp_peers:
        check(
            try_parse_ip(peer.address) is not None,
            address_rule,
            f"invalid bgp peer ip address {peer.address}",
        )
        if check_asn:
            check(peer.asn != 0, "N-15", f"bgp peer {peer.address}'s AS number need to be set")


def _check_create_mode(network: NetworkSpec) -> None:
    mode = network.effective_mode
    check(mode in MODE_TYPE, "N-10", f"unknown network mode {mode}")
    check(MODE_TYPE[mode] == network.effective_type, "N-11", _MODE_TYPE_MESSAGES[mode])
    if mode == NetworkMode.BGP:
        check(network.net_id is not None, "N-12", "must assign net ID for bgp network")
        _check_bgp_peers(network, ("N-13", "N-14"), check_asn=True)


def review_network_create(state: ClusterState, network: NetworkSpec) -> Decision:
    """N-1 .. N-15."""
    try:
        _check_create_type(state, network)
        _check_create_mode(network)
    except Denied as denied:
        return denied.decision
    return Decision.allow()


_UPDATE_SELECTOR_RULES = {
    NetworkType.UNDERLAY: (True, "must have node selector for underlay network"),
    NetworkType.OVERLAY: (False, "node selector must not be assigned for overlay network"),
    NetworkType.GLOBAL_BGP: (False, "node selector must not be assigned for global bgp network"),
}


def review_network_update(state: ClusterState, old: NetworkSpec, new: NetworkSpec) -> Decision:
    """NU-1 .. NU-5 (`state` is unused by the webhook here; kept for a uniform signature)."""
    try:
        check(old.effective_type == new.effective_type, "NU-1", "network type must not be changed")
        kind = new.effective_type
        check(kind in _UPDATE_SELECTOR_RULES, "NU-2", f"unknown network type {kind}")
        needs_selector, message = _UPDATE_SELECTOR_RULES[kind]
        check(bool(new.node_selector) == needs_selector, "NU-2", message)
        check(old.mode == new.mode, "NU-3", "network mode must not be changed")
        mode = new.effective_mode
        check(mode in MODE_TYPE, "NU-4", f"unknown network mode {mode}")
        if mode == NetworkMode.BGP:
            check(new.has_config, "NU-4", BGP_UPDATE_WITHOUT_CONFIG)
            _check_bgp_peers(new, ("NU-4", "NU-4"), check_asn=False)
        check(old.net_id == new.net_id, "NU-5", "net ID must not be changed")
    except Denied as denied:
        return denied.decision
    return Decision.allow()


def review_network_delete(state: ClusterState, name: str) -> Decision:
    """ND-1 .. ND-3."""
    network = state.networks.get(name)
    if network is None:
        return not_found("networks", name)
    children = state.child_subnets(name)
    if children:
        return Decision.deny("ND-1", f"still have child subnet {children[0].name}")
    if (
        network.effective_type == NetworkType.OVERLAY
        and state.multicluster
        and state.remote_cluster_count
    ):
        return Decision.deny(
            "ND-2", f"still have remote cluster. number={state.remote_cluster_count}"
        )
    if network.effective_mode == NetworkMode.BGP:
        global_bgp = state.network_of_type(NetworkType.GLOBAL_BGP)
        if global_bgp is not None and any(
            state.count_ipinstances_on(node, global_bgp.name) for node in network.node_list
        ):
            return Decision.deny("ND-3", "still have global bgp ip instance in use")
    return Decision.allow()
