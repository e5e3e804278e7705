"""Creating, changing and deleting planned Networks under Hybridnet's rules (SPEC 4.1-4.3)."""

from django.db import transaction

from planner.models import Network
from planner.services.errors import PlanConflictError
from planner.services.immutable import update_in_place
from planner.services.review import (
    check_network_create,
    check_network_delete,
    check_network_update,
)
from planner.wording import first_named, named

# SPEC 4.2 and 7: type, mode and netID are frozen; the name is the object's identity.
IMMUTABLE_NETWORK_FIELDS = ("name", "cluster", "type", "mode", "net_id")


@transaction.atomic
def save_new_network(network: Network) -> Network:
    network.full_clean()
    network.planner_warnings = check_network_create(network)
    network.save()
    return network


def update_network(network: Network, changes: dict) -> Network:
    """Apply `changes` to a planned Network: only what Hybridnet lets change in place, or,
    while it was never applied and has no Subnets, anything a new Network could be."""
    return update_in_place(
        network, changes, IMMUTABLE_NETWORK_FIELDS, check_network_update, _replace_unapplied
    )


def _replace_unapplied(old: Network, new: Network, changed: list[str]) -> Network:
    """A never-applied Network whose immutable fields changed: reviewed as a new one, in
    place of its stored self. Its Subnets were checked against what it was (a slice needs
    a VLAN Network of its segment's VLAN ID, a block a Network of its pool's purpose), so
    while it has any it stays as it is."""
    names, total = first_named(old.subnets.order_by("name").values_list("name", flat=True))
    if names:
        raise PlanConflictError(
            f"network {old.name}: {', '.join(changed)} can change before it is applied only "
            f"while no subnet uses it; it has subnets: {named(names, total)}",
            field=changed[0],
        )
    new.planner_warnings = check_network_create(new, replaced=old)
    new.save()
    return new


@transaction.atomic
def delete_network(network: Network) -> None:
    """ND-1: a Network goes only after its Subnets; the other rules are checked as planned."""
    names, total = first_named(network.subnets.order_by("name").values_list("name", flat=True))
    if names:
        raise PlanConflictError(
            f"network {network.name} still has subnets: {named(names, total)}; delete them first"
        )
    check_network_delete(network)
    network.delete()
