"""Which of a row's frozen fields an edit would change."""

from django.db import models


def changed_fields(old: models.Model, new: models.Model, names: tuple[str, ...]) -> list[str]:
    """The names among `names` whose stored value differs (foreign keys compared by id)."""
    attnames = {name: old._meta.get_field(name).attname for name in names}
    return [
        name for name, attname in attnames.items() if getattr(old, attname) != getattr(new, attname)
    ]
