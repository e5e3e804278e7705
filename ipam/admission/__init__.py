"""Hybridnet's validating webhook for Networks and Subnets, as pure functions (SPEC §4)."""

from ipam.admission.decision import ALLOWED_MESSAGE, Decision
from ipam.admission.network import (
    review_network_create,
    review_network_delete,
    review_network_update,
)
from ipam.admission.state import ClusterState, RemoteSubnet
from ipam.admission.subnet import (
    review_subnet_create,
    review_subnet_delete,
    review_subnet_update,
)

__all__ = [
    "ALLOWED_MESSAGE",
    "ClusterState",
    "Decision",
    "RemoteSubnet",
    "review_network_create",
    "review_network_delete",
    "review_network_update",
    "review_subnet_create",
    "review_subnet_delete",
    "review_subnet_update",
]
