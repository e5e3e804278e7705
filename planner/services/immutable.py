"""Updating a planned object in place, within what Hybridnet lets change."""

from collections.abc import Callable

from django.db import models, transaction

from planner.services.errors import NeedsReplacementError


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
):
    """Apply `changes` to `instance` and save it, unless they touch an `immutable` field
    (NeedsReplacementError) or `check_update(old, new)` refuses them; the warnings it returns
    are kept on the instance. The stored row is locked meanwhile, so two edits never
    interleave."""
    model = type(instance)
    old = model.objects.select_for_update().get(pk=instance.pk)
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.full_clean()
    changed = changed_fields(old, instance, immutable)
    if changed:
        raise NeedsReplacementError(model.__name__, old.name, changed)
    instance.planner_warnings = check_update(old, instance)
    instance.save()
    return instance
