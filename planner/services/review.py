"""Hybridnet's admission review of a planned object, against the cluster's planned state,
then the planner's stricter checks (SPEC 11-12). A webhook denial raises HybridnetDenied, a
planner error PlannerRejected; planner warnings are returned for the caller to show."""

from ipam.admission import (
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
    if not decision.allowed:
        raise HybridnetDenied(decision.rule, decision.message, kind=kind)
    errors = [finding for finding in findings if finding.level == ERROR]
    if errors:
        raise PlannerRejected(
            "; ".join(f"{finding.message} ({finding.code})" for finding in errors)
        )
    return findings


def check_subnet_create(subnet: Subnet) -> list[Finding]:
    state = planned_state(subnet.cluster, without_subnet=subnet)
    spec = subnet_spec(subnet)
    return _enforce(review_subnet_create(state, spec), check_subnet(state, spec), "Subnet")


def check_subnet_update(old: Subnet, new: Subnet) -> list[Finding]:
    state = planned_state(new.cluster)
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
