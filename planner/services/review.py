"""Hybridnet's admission review of a planned object, against the cluster's planned state,
then the planner's stricter checks (SPEC 11-12). A webhook denial raises HybridnetDenied, a
planner error PlannerRejected; planner warnings are returned for the caller to show."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

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


# Inside `shared_planned_states()`: one planned state per cluster id, kept up to date.
_shared_states: ContextVar[dict[int, ClusterState] | None] = ContextVar(
    "shared_planned_states", default=None
)


@contextmanager
def shared_planned_states() -> Iterator[None]:
    """Within the block, new Subnets are reviewed against one planned state per cluster,
    built once and extended as each is saved: a bulk create of N subnets builds one state,
    not N (each of which would read every subnet of the cluster). Inside another such block,
    the outer states are shared."""
    if _shared_states.get() is not None:
        yield
        return
    token = _shared_states.set({})
    try:
        yield
    finally:
        _shared_states.reset(token)


# No rule of a Subnet create or update reads IPInstances (SPEC 4.4-4.5, 12): skip loading them.
SUBNET_REVIEW_STATE = {"ipinstances": False}


def _state_for_new_subnet(subnet: Subnet) -> ClusterState:
    shared = _shared_states.get()
    if shared is None:
        raise RuntimeError("new Subnets are reviewed inside shared_planned_states()")
    if subnet.cluster_id not in shared:
        shared[subnet.cluster_id] = planned_state(subnet.cluster, **SUBNET_REVIEW_STATE)
    return shared[subnet.cluster_id]


def check_subnet_create(subnet: Subnet) -> list[Finding]:
    state = _state_for_new_subnet(subnet)
    spec = subnet_spec(subnet)
    return _enforce(review_subnet_create(state, spec), check_subnet(state, spec), "Subnet")


def remember_new_subnet(subnet: Subnet) -> None:
    """A reviewed new Subnet joins the shared planned state, so the next one sees it."""
    shared = _shared_states.get()
    if shared is not None and subnet.cluster_id in shared:
        shared[subnet.cluster_id].put_subnet(subnet_spec(subnet))


def check_subnet_update(old: Subnet, new: Subnet) -> list[Finding]:
    state = planned_state(new.cluster, **SUBNET_REVIEW_STATE)
    old_spec, new_spec = subnet_spec(old), subnet_spec(new)
    decision = review_subnet_update(state, old_spec, new_spec)
    return _enforce(decision, check_subnet(state, new_spec, old_spec), "Subnet")


def check_network_create(network: Network) -> list[Finding]:
    state = planned_state(network.cluster)
    state.remove_network(network.name)
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
