"""Creating, changing and deleting planned Subnets under Hybridnet's rules (SPEC 4.4-4.6)."""

from django.db import IntegrityError, transaction

from planner.models import Subnet
from planner.services.errors import PlanConflictError, SubnetInUseError
from planner.services.immutable import update_in_place
from planner.services.review import (
    check_subnet_create,
    check_subnet_update,
    remember_new_subnet,
)

# SPEC 4.5 and 7: what Hybridnet freezes once a Subnet exists (version by convention, quirk 1),
# plus what ties the plan to its source, and the name that is the object's identity.
IMMUTABLE_SUBNET_FIELDS = (
    "name",
    "network",
    "cidr",
    "gateway",
    "start",
    "end",
    "exclude_ips",
    "net_id",
    "segment",
    "pool",
)


def save_new_subnet(subnet: Subnet) -> Subnet:
    """Validate, review against the cluster's planned state, and store a new Subnet."""
    subnet.full_clean()
    check_subnet_create(subnet)
    try:
        with transaction.atomic():
            subnet.save()
    except IntegrityError as error:
        # The PostgreSQL exclusion constraint: a concurrent carve took the window first.
        raise PlanConflictError(f"subnet {subnet.name} overlaps another subnet: {error}") from None
    remember_new_subnet(subnet)
    return subnet


def update_subnet(subnet: Subnet, changes: dict) -> Subnet:
    """Apply `changes` to a planned Subnet: only what Hybridnet lets change in place."""
    return update_in_place(subnet, changes, IMMUTABLE_SUBNET_FIELDS, check_subnet_update)


@transaction.atomic
def delete_subnet(subnet: Subnet) -> None:
    """Delete a planned Subnet unless its cluster still has IPInstances in it (SD-1, the
    only rule Hybridnet has for a Subnet delete)."""
    in_use = subnet.cluster.ip_instances.filter(subnet_name=subnet.name).order_by("ip_key")
    ips = list(in_use.values_list("ip", flat=True))
    if ips:
        raise SubnetInUseError(subnet.name, ips)
    subnet.delete()
