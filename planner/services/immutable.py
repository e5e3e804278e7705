"""Updating a planned object in place, within what Hybridnet lets change."""

from collections.abc import Callable

from django.db import models, transaction

from planner.services.errors import NeedsReplacementError

# replace(old, new, changed): checks and stores `new`, a never-applied object whose
# immutable fields `changed`, as a new object would be checked.
ReplaceUnapplied = Callable[[models.Model, models.Model, list[str]], models.Model]


def changed_fields(old: models.Model, new: models.Model, names: tuple[str, ...]) -> list[str]:
    """The names among `names` whose stored value differs (foreign keys compared by id)."""
    attnames = {name: old._meta.get_field(name).attname for name in names}
    return [
        name for name, attname in attnames.items() if getattr(old, attname) != getattr(new, attname)
    ]


@transaction.atomic
def update_in_place(
    instance: models.Model,
    changes: dict,
    immutable: tuple[str, ...],
    check_update: Callable[[models.Model, models.Model], list],
    replace_unapplied: ReplaceUnapplied,
):
    """Apply `changes` to `instance` and save it, unless `check_update(old, new)` refuses
    them; the warnings it returns are kept on the instance. A change of an `immutable` field
    is Hybridnet's "needs replacement" (NeedsReplacementError) once the object has been
    applied; before that, the object exists only in the plan and `replace_unapplied` takes
    it as a new object. The stored row is locked meanwhile, so two edits never interleave."""
    model = type(instance)
    old = model.objects.select_for_update().get(pk=instance.pk)
    for field, value in changes.items():
        setattr(instance, field, value)
    # Sync alone records when the object was applied; the caller's copy may predate that.
    instance.applied_at = old.applied_at
    instance.full_clean()
    changed = changed_fields(old, instance, immutable)
    if changed and old.applied_at is not None:
        raise NeedsReplacementError(model.__name__, old.name, changed)
    if changed:
        return replace_unapplied(old, instance, changed)
    instance.planner_warnings = check_update(old, instance)
    instance.save()
    return instance
