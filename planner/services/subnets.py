"""Creating, changing and deleting planned Subnets under Hybridnet's rules (SPEC 4.4-4.6)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from planner.compiled import CompiledInsert
from planner.models import AddressPool, NodeSegment, Subnet
from planner.models.clusters import SUBNET_NAME_CONSTRAINT
from planner.services.errors import BulkValidationError, PlanConflictError, SubnetInUseError
from planner.services.immutable import update_in_place
from planner.services.review import (
    check_new_subnets,
    check_subnet_update,
    states_for_new_subnets,
    stored_names,
)

# Set from objects the caller has read (the API's fields, the carving services): their
# existence needs no query each; a row deleted meanwhile fails the insert instead.
RELATED_FIELDS = ("network", "segment", "pool")
# One new Subnet alone (every carve) is stored by an INSERT assembled once.
SUBNET_INSERT = CompiledInsert(Subnet)
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


def save_new_subnet(subnet: Subnet, *, placed: bool = False, alone: bool = False) -> Subnet:
    """Validate, review against the cluster's planned state, and store a new Subnet."""
    try:
        return save_new_subnets([subnet], placed=placed, alone=alone)[0]
    except BulkValidationError as error:
        raise error.errors[0] from None


def save_new_subnets(
    subnets: list[Subnet], *, placed: bool = False, alone: bool = False
) -> list[Subnet]:
    """Validate, review and store new Subnets, every one or none (BulkValidationError names
    each invalid one by index). The checks against stored Subnets and the insert take a few
    queries in all, not a few per subnet: the read of each cluster's planned state also
    finds the names taken. Each is reviewed against that state with the ones before it.

    A carve knows more, and reads less:
    - `placed`: it chose the windows from the free space while holding its space's row lock,
      so no stored window can overlap them and that check is skipped; the exclusion
      constraint still stops a writer that took no lock. The review of one placed Subnet
      reads none of the stored ones of its own CIDR and Network (they cannot deny it), and
      on PostgreSQL its name is left to the unique constraint, which the failed insert
      names.
    - `alone`: it chose the CIDR itself from the free space (a pool's block), so no stored
      Subnet nests with it and the review reads none."""
    errors = {}
    for index, subnet in enumerate(subnets):
        try:
            subnet.full_clean(exclude=RELATED_FIELDS, validate_unique=False)
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise BulkValidationError(errors)
    if placed or all(subnet.pool_id is None for subnet in subnets):
        return _review_and_insert(subnets, placed=placed, alone=alone)
    # Blocks placed by hand are checked against their pools' other blocks under the pools'
    # locks, as a carve takes them: two writers never both find room for overlapping blocks.
    # In a savepoint, so a refused write leaves the caller's transaction as it was.
    with transaction.atomic():
        _lock_spaces(subnets)
        return _review_and_insert(subnets, placed=placed, alone=alone)


def _lock_spaces(subnets: list[Subnet]) -> None:
    """Locks the segments, then the pools, of `subnets`, each by id: the order in which the
    subnet triggers lock them (migration 0011), so writers of several spaces never deadlock."""
    for model, field in ((NodeSegment, "segment_id"), (AddressPool, "pool_id")):
        ids = {getattr(subnet, field) for subnet in subnets} - {None}
        if ids:
            locked = model.objects.select_for_update().filter(pk__in=ids).order_by("pk")
            list(locked.values_list("pk"))


def _review_and_insert(subnets: list[Subnet], *, placed: bool, alone: bool) -> list[Subnet]:
    one_placed = placed and len(subnets) == 1
    names_by_constraint = one_placed and connection.vendor == "postgresql"
    states = states_for_new_subnets(
        subnets, names=not names_by_constraint, nesting=not alone, placed=one_placed
    )
    conflicts = Subnet.objects.conflicts_with(
        subnets, windows=not placed, stored_names=stored_names(states)
    )
    if conflicts:
        raise BulkValidationError(conflicts)
    check_new_subnets(subnets, states)
    try:
        # No savepoint: a failed insert ends the caller's transaction anyway.
        with transaction.atomic(savepoint=False):
            if len(subnets) == 1:  # every carve, and a single create: SQL assembled once
                return [SUBNET_INSERT.insert(subnets[0])]
            return Subnet.objects.bulk_create(subnets)
    except IntegrityError as error:
        if names_by_constraint and _violated_constraint(error) == SUBNET_NAME_CONSTRAINT:
            raise BulkValidationError({0: subnets[0].name_taken_error()}) from None
        # The PostgreSQL exclusion constraint (a concurrent carve took the window first), or
        # a row they refer to deleted meanwhile.
        names = ", ".join(subnet.name for subnet in subnets)
        raise PlanConflictError(
            f"subnets {names} conflict with a concurrent change: {error}"
        ) from None


def _violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL says the insert violated."""
    diagnostic = getattr(error.__cause__, "diag", None)
    return getattr(diagnostic, "constraint_name", None)


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
