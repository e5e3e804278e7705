"""Hybridnet's admission review of a planned object, against the cluster's planned state."""

from ipam.admission import (
    Decision,
    review_network_create,
    review_network_delete,
    review_network_update,
    review_subnet_create,
    review_subnet_update,
)
from planner.models import Network, Subnet
from planner.services.errors import HybridnetDenied
from planner.services.specs import network_spec, planned_state, subnet_spec


def _enforce(decision: Decision, kind: str) -> None:
    if not decision.allowed:
        raise HybridnetDenied(decision.rule, decision.message, kind=kind)


def check_subnet_create(subnet: Subnet) -> None:
    state = planned_state(subnet.cluster, without_subnet=subnet)
    _enforce(review_subnet_create(state, subnet_spec(subnet)), "Subnet")


def check_subnet_update(old: Subnet, new: Subnet) -> None:
    state = planned_state(new.cluster)
    _enforce(review_subnet_update(state, subnet_spec(old), subnet_spec(new)), "Subnet")


def check_network_create(network: Network) -> None:
    state = planned_state(network.cluster)
    state.remove_network(network.name)
    _enforce(review_network_create(state, network_spec(network)), "Network")


def check_network_update(old: Network, new: Network) -> None:
    state = planned_state(new.cluster)
    _enforce(review_network_update(state, network_spec(old), network_spec(new)), "Network")


def check_network_delete(network: Network) -> None:
    _enforce(review_network_delete(planned_state(network.cluster), network.name), "Network")
