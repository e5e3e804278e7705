"""Subnet admission: `pkg/webhook/validating/subnet.go` (SPEC §4.4-4.6)."""

from __future__ import annotations

from ipam.addresses import Cidr, parse_cidr
from ipam.admission.address_range import validate_address_range
from ipam.admission.decision import Decision, Denied, check, not_found
from ipam.admission.state import ClusterState
from ipam.allocatable import (
    CanonicalizeError,
    SubnetWindow,
    canonicalize,
    exceeds_capacity,
    ranges_intersect,
)
from ipam.constants import MAX_SUBNET_CAPACITY, NetworkMode
from ipam.spec import AddressRange, NetworkSpec, SubnetSpec


def _check_create_net_id(subnet: SubnetSpec, network: NetworkSpec) -> None:
    """S-3 .. S-7: netID, autoNatOutgoing and gateway against the parent's effective mode."""
    mode = network.effective_mode
    if mode == NetworkMode.VLAN:
        if subnet.net_id is None:
            check(network.net_id is not None, "S-3", "must have valid Net ID")
        else:
            check(
                network.net_id is None or network.net_id == subnet.net_id,
                "S-3",
                "have inconsistent Net ID with network",
            )
        check(
            subnet.auto_nat_outgoing is None,
            "S-4",
            "must not set autoNatOutgoing with underlay subnet",
        )
        check(bool(subnet.range.gateway), "S-5", "must assign gateway for a vlan subnet")
    elif mode in (NetworkMode.BGP, NetworkMode.GLOBAL_BGP):
        check(subnet.net_id is None, "S-6", "must not assign net ID for (global) bgp subnet")
        check(
            subnet.auto_nat_outgoing is None,
            "S-6",
            "must not set autoNatOutgoing with underlay subnet",
        )
    elif mode == NetworkMode.VXLAN:
        check(subnet.net_id is None, "S-7", "must not assign net ID for overlay subnet")


def _overlap(existing: SubnetWindow, new: SubnetWindow) -> bool:
    """S-13 `Subnet.Overlap`: only the four window endpoints are tested (quirk 2)."""
    return (
        existing.contains(new.family, new.start)
        or existing.contains(new.family, new.end)
        or new.contains(existing.family, existing.start)
        or new.contains(existing.family, existing.end)
    )


def _check_existing_subnets(
    state: ClusterState, subnet: SubnetSpec, cidr: Cidr, window: SubnetWindow
) -> None:
    """S-11 .. S-13, existing subnet by existing subnet in list order (terminating included)."""
    new_cidr_only = AddressRange(cidr=subnet.range.cidr)
    for other in state.subnets_nesting_with(cidr):
        if other.range.cidr != subnet.range.cidr:
            check(
                not ranges_intersect(new_cidr_only, AddressRange(cidr=other.range.cidr)),
                "S-11",
                f"different but overlapped CIDR with existing subnet {other.name}, "
                "this is not suppored yet",
            )  # sic
        else:
            check(
                other.network == subnet.network,
                "S-12",
                f"the same CIDR with existing subnet {other.name}, this is allowed but need "
                "to be in the same network",
            )
        other_window = state.window(other)  # the webhook skips subnets IPAM cannot load
        if other_window is not None and other.is_ipv6 == subnet.is_ipv6:
            check(
                not _overlap(other_window, window),
                "S-13",
                f"overlap with existing subnet {other.name}",
            )


def review_subnet_create(state: ClusterState, subnet: SubnetSpec) -> Decision:
    """S-1 .. S-14."""
    try:
        check(bool(subnet.network), "S-1", "must have parent network")
        network = state.networks.get(subnet.network)
        check(network is not None, "S-2", f"parent network {subnet.network} does not exist")
        _check_create_net_id(subnet, network)
        validate_address_range(subnet.range, "S-8")
        check(
            not exceeds_capacity(subnet.range),
            "S-9",
            f"subnet contains more than {MAX_SUBNET_CAPACITY} IPs",
        )
        try:
            window = canonicalize(subnet)
        except CanonicalizeError as error:
            raise Denied("S-10", f"canonicalize subnet failed: {error}") from None
        _check_existing_subnets(state, subnet, parse_cidr(subnet.range.cidr), window)
        if state.multicluster:
            for remote in state.remote_subnets:
                check(
                    not ranges_intersect(subnet.range, remote.range),
                    "S-14",
                    f"overlap with existing RemoteSubnet {remote.name}",
                )
    except Denied as denied:
        return denied.decision
    return Decision.allow()


def _check_update_net_id(old: SubnetSpec, new: SubnetSpec, network: NetworkSpec) -> None:
    mode = network.effective_mode
    if mode == NetworkMode.VLAN:
        check(old.net_id == new.net_id, "SU-3", "must not change net ID")
        check(
            new.auto_nat_outgoing is None, "SU-3", "must not set autoNatOutgoing with vlan subnet"
        )
    elif mode == NetworkMode.VXLAN:
        check(new.net_id is None, "SU-4", "must not assign net ID for overlay subnet")
    elif mode in (NetworkMode.BGP, NetworkMode.GLOBAL_BGP):
        check(new.net_id is None, "SU-5", "must not assign net ID for (global) bgp subnet")
        check(
            new.auto_nat_outgoing is None,
            "SU-5",
            "must not set autoNatOutgoing with (global) bgp subnet",
        )


def review_subnet_update(state: ClusterState, old: SubnetSpec, new: SubnetSpec) -> Decision:
    """SU-1 .. SU-8."""
    try:
        check(old.network == new.network, "SU-1", "must not change parent network")
        network = state.networks.get(new.network)
        # SU-2: the handler errors with HTTP 500 carrying the cache's NotFound error.
        check(
            network is not None, "SU-2", f'Network.networking.alibaba.com "{new.network}" not found'
        )
        _check_update_net_id(old, new, network)
        validate_address_range(new.range, "SU-6")
        for field in ("start", "end", "gateway", "cidr"):  # raw strings
            check(
                getattr(old.range, field) == getattr(new.range, field),
                "SU-7",
                f"must not change range {'CIDR' if field == 'cidr' else field}",
            )
        check(
            sorted(old.range.exclude_ips) == sorted(new.range.exclude_ips),
            "SU-8",
            "must not change excluded IPs",
        )
    except Denied as denied:
        return denied.decision
    return Decision.allow()


def review_subnet_delete(state: ClusterState, name: str) -> Decision:
    """SD-1: no IPInstance labelled with the subnet, reserved and terminating ones included."""
    if name not in state.subnets:
        return not_found("subnets", name)
    using = state.ipinstances_labelled(name)
    if using:
        # Go's %v of a []string: "[a b c]"
        return Decision.deny("SD-1", f"still have using ips [{' '.join(i.address for i in using)}]")
    return Decision.allow()
