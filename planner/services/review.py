"""Hybridnet's admission review of a planned object, against the cluster's planned state,
then the planner's stricter checks (SPEC 11-12). A webhook denial raises HybridnetDenied, a
planner error PlannerRejected; planner warnings are returned for the caller to show."""

import operator
from functools import reduce

from django.db.models import Q

from ipam.admission import (
    ClusterState,
    Decision,
    review_network_create,
    review_network_delete,
    review_network_update,
    review_subnet_create,
    review_subnet_update,
)
from ipam.planner_checks import ERROR, Finding, check_network, check_subnet
from planner.models import Network, Subnet
from planner.querysets import cidrs_reaching
from planner.services.errors import HybridnetDenied, PlannerRejected
from planner.services.specs import network_spec, planned_state, subnet_spec


def _enforce(decision: Decision, findings: list[Finding], kind: str) -> list[Finding]:
    """Raise on a denial or a planner error; return the warnings."""
    if not decision.allowed:
        raise HybridnetDenied(decision.rule, decision.message, kind=kind)
    errors = [finding for finding in findings if finding.level == ERROR]
    if errors:
        raise PlannerRejected(
            "; ".join(f"{finding.message} ({finding.code})" for finding in errors)
        )
    return findings


# No rule of a Subnet create or update reads IPInstances or Nodes (SPEC 4.4-4.5, 12).
SUBNET_REVIEW_STATE = {"with_ipinstances": False, "with_nodes": False}


def _overlapping_spans(subnets: list[Subnet]) -> Q:
    """Subnets whose CIDR overlaps the span each family of `subnets` covers: those starting
    inside it, and the few that start below and reach into it (cidrs_reaching), so bounded
    index reads however many Subnets lie below."""
    spans: dict[int, tuple[bytes, bytes]] = {}
    for subnet in subnets:
        lo, hi = spans.get(subnet.family, (subnet.first_key, subnet.last_key))
        spans[subnet.family] = (min(lo, subnet.first_key), max(hi, subnet.last_key))
    return reduce(
        operator.or_,
        (
            Q(family=family, first_key__gte=lo, first_key__lte=hi) | cidrs_reaching(family, lo)
            for family, (lo, hi) in spans.items()
        ),
    )


def states_for_new_subnets(subnets: list[Subnet]) -> dict[int, ClusterState]:
    """Per cluster id, the planned state new `subnets` are reviewed against. Subnet create
    rules read only the new one's own Network and the Subnets whose CIDR nests with the new
    one's (SPEC 4.4, S-2..S-13): each state holds the Networks its new ones name, as read
    with them, the Subnets that could deny them (_could_deny), and those that already hold
    one of the new names, however many Subnets the cluster has."""
    by_cluster: dict[int, list[Subnet]] = {}
    for subnet in subnets:
        by_cluster.setdefault(subnet.cluster_id, []).append(subnet)
    return {
        cluster_id: planned_state(
            mine[0].cluster,
            subnets_where=_could_deny(mine) | Q(name__in={subnet.name for subnet in mine}),
            networks={subnet.network_id: subnet.network for subnet in mine}.values(),
            **SUBNET_REVIEW_STATE,
        )
        for cluster_id, mine in by_cluster.items()
    }


def _could_deny(subnets: list[Subnet]) -> Q:
    """The stored Subnets whose CIDR nests with the new ones' (_overlapping_spans). When the
    new ones share one CIDR and Network (a carve, or slices of one segment for one Network),
    the stored Subnets of that same CIDR and Network can only deny them by S-13, window
    overlap: of those only the ones whose window reaches into the span of the new windows
    are read (the database still looks at each, but sends none), so a carve does not load
    every slice its cluster has in the segment."""
    nested = _overlapping_spans(subnets)
    shared = {(subnet.cidr, subnet.network_id) for subnet in subnets}
    if len(shared) != 1:
        return nested
    ((cidr, network_id),) = shared
    same_source = Q(cidr=cidr, network_id=network_id)
    lo = min(subnet.window_first_key for subnet in subnets)
    hi = max(subnet.window_last_key for subnet in subnets)
    reaching = Q(window_first_key__lte=hi, window_last_key__gte=lo)
    return nested & (~same_source | reaching)


def stored_names(states: dict[int, ClusterState]) -> set[tuple[int, str]]:
    """The (cluster id, name) pairs of the stored Subnets the states hold."""
    return {(cluster_id, name) for cluster_id, state in states.items() for name in state.subnets}


def check_new_subnets(subnets: list[Subnet], states: dict[int, ClusterState]) -> None:
    """Review each new Subnet against its cluster's planned state (states_for_new_subnets)
    with the ones before it added; each keeps its warnings. A state must hold no Subnet of
    a new one's name (conflicts_with tells)."""
    for subnet in subnets:
        state = states[subnet.cluster_id]
        spec = subnet_spec(subnet)
        decision = review_subnet_create(state, spec)
        subnet.planner_warnings = _enforce(decision, check_subnet(state, spec), "Subnet")
        state.put_subnet(spec)


def check_subnet_update(old: Subnet, new: Subnet) -> list[Finding]:
    state = planned_state(new.cluster, **SUBNET_REVIEW_STATE)
    old_spec, new_spec = subnet_spec(old), subnet_spec(new)
    decision = review_subnet_update(state, old_spec, new_spec)
    return _enforce(decision, check_subnet(state, new_spec, old_spec), "Subnet")


def check_network_create(network: Network, replaced: Network | None = None) -> list[Finding]:
    """`replaced`: the stored Network this one takes the place of, if any."""
    state = planned_state(network.cluster)
    state.remove_network(network.name)
    if replaced is not None and replaced.cluster_id == network.cluster_id:
        state.remove_network(replaced.name)
    spec = network_spec(network)
    return _enforce(review_network_create(state, spec), check_network(state, spec), "Network")


def check_network_update(old: Network, new: Network) -> list[Finding]:
    state = planned_state(new.cluster)
    old_spec, new_spec = network_spec(old), network_spec(new)
    decision = review_network_update(state, old_spec, new_spec)
    return _enforce(decision, check_network(state, new_spec, old_spec), "Network")


def check_network_delete(network: Network) -> None:
    decision = review_network_delete(planned_state(network.cluster), network.name)
    _enforce(decision, [], "Network")
