"""Creating, changing and deleting planned Subnets under Hybridnet's rules (SPEC 4.4-4.6)."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from planner.changelog import record_bulk_created
from planner.models import AddressPool, NodeSegment, Subnet
from planner.services.errors import BulkValidationError, PlanConflictError, SubnetInUseError
from planner.services.immutable import update_in_place
from planner.services.review import (
    check_new_subnets,
    check_subnet_update,
    states_for_new_subnets,
    stored_names,
)
from planner.services.space import locked
from planner.wording import first_named

# Set from objects the caller has read (the API's fields, the carving services): their
# existence needs no query each; a row deleted meanwhile fails the insert instead.
RELATED_FIELDS = ("network", "segment", "pool")
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
    try:
        return save_new_subnets([subnet])[0]
    except BulkValidationError as error:
        raise error.errors[0] from None


def save_new_subnets(subnets: list[Subnet]) -> list[Subnet]:
    """Validate, review and store new Subnets, every one or none (BulkValidationError names
    each invalid one by index). The checks against stored Subnets and the insert take a few
    queries in all, not a few per subnet: the read of each cluster's planned state also
    finds the names taken. Each is reviewed against that state with the ones before it."""
    _validate(subnets)
    # In a savepoint, so a refused write leaves the caller's transaction as it was.
    with transaction.atomic():
        # Each new Subnet is checked against its space's others under the space's lock, as a
        # carve takes it: two writers never both find room for overlapping ranges.
        _lock_spaces(subnets)
        return _check_and_store(subnets)


def save_placed_subnet(
    model: type[NodeSegment | AddressPool],
    pk: int,
    place: Callable[[NodeSegment | AddressPool], Subnet],
) -> Subnet:
    """A new Subnet that `place` builds inside the space `pk` of `model` (a carve), given
    the space read again and locked (the model's DoesNotExist if it is gone); then
    validated, reviewed and stored as save_new_subnet does, under that same lock and in one
    transaction with whatever `place` wrote, which a refusal undoes."""
    with transaction.atomic():
        space = locked(model, pk)
        subnet = place(space)
        try:
            _validate([subnet])
            _lock_spaces([subnet], held=space)
            return _check_and_store([subnet])[0]
        except BulkValidationError as error:
            raise error.errors[0] from None


def _validate(subnets: list[Subnet]) -> None:
    errors = {}
    for index, subnet in enumerate(subnets):
        try:
            subnet.full_clean(exclude=RELATED_FIELDS, validate_unique=False)
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise BulkValidationError(errors)


def _check_and_store(subnets: list[Subnet], replaced: Subnet | None = None) -> list[Subnet]:
    """The checks every new Subnet passes, then the write; the caller holds the locks of
    their spaces (_lock_spaces). `replaced`: the stored Subnet that the one of `subnets`
    takes the place of (a never-applied Subnet edited), left out of what the new one is
    checked against."""
    states = states_for_new_subnets(subnets)
    if replaced is not None and replaced.cluster_id in states:
        states[replaced.cluster_id].remove_subnet(replaced.name)
    conflicts = Subnet.objects.conflicts_with(subnets, stored_names=stored_names(states))
    if conflicts:
        raise BulkValidationError(conflicts)
    check_new_subnets(subnets, states)
    try:
        return _insert(subnets) if replaced is None else _update(subnets)
    except IntegrityError as error:
        # The PostgreSQL exclusion constraint (a writer that took no lock took the window
        # first), or a row they refer to deleted meanwhile.
        names = ", ".join(subnet.name for subnet in subnets)
        raise PlanConflictError(
            f"subnets {names} conflict with a concurrent change: {error}"
        ) from None


def _lock_spaces(subnets: list[Subnet], held: NodeSegment | AddressPool | None = None) -> None:
    """Locks the segments, then the pools, of `subnets`, each by id: the order in which the
    subnet triggers lock them, so writers of several spaces never deadlock. `held`: a space
    this transaction has locked already (save_placed_subnet), not locked again."""
    for model, field in ((NodeSegment, "segment_id"), (AddressPool, "pool_id")):
        ids = {getattr(subnet, field) for subnet in subnets} - {None}
        if isinstance(held, model):
            ids.discard(held.pk)
        if ids:
            locked = model.objects.select_for_update().filter(pk__in=ids).order_by("pk")
            list(locked.values_list("pk"))


def _insert(subnets: list[Subnet]) -> list[Subnet]:
    if len(subnets) == 1:
        subnets[0].save(force_insert=True)
        return subnets
    created = Subnet.objects.bulk_create(subnets)
    # bulk_create sends no signal: the change log's entries are written here, in one insert.
    record_bulk_created(created)
    return created


def _update(subnets: list[Subnet]) -> list[Subnet]:
    for subnet in subnets:
        subnet.save(force_update=True)
    return subnets


def update_subnet(subnet: Subnet, changes: dict) -> Subnet:
    """Apply `changes` to a planned Subnet: only what Hybridnet lets change in place, or,
    while it was never applied, anything a new Subnet could be."""
    return update_in_place(
        subnet, changes, IMMUTABLE_SUBNET_FIELDS, check_subnet_update, _replace_unapplied
    )


def _replace_unapplied(old: Subnet, new: Subnet, changed: list[str]) -> Subnet:
    """A never-applied Subnet whose immutable fields changed: checked as a new one would be,
    against everything but its stored self."""
    try:
        # In a savepoint, and locked as a new Subnet's spaces are; the replaced one's space
        # too, as the triggers lock the space it leaves.
        with transaction.atomic():
            _lock_spaces([new, old])
            return _check_and_store([new], replaced=old)[0]
    except BulkValidationError as error:
        raise error.errors[0] from None


@transaction.atomic
def delete_subnet(subnet: Subnet) -> None:
    """Delete a planned Subnet unless its cluster still has IPInstances in it (SD-1, the
    only rule Hybridnet has for a Subnet delete)."""
    in_use = subnet.cluster.ip_instances.filter(subnet_name=subnet.name).order_by("ip_key")
    ips, total = first_named(in_use.values_list("ip", flat=True))
    if ips:
        raise SubnetInUseError(subnet.name, ips, total)
    subnet.delete()
