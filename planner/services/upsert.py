"""Create-or-update of one row through full model validation."""

from django.db import models


def upsert(model: type[models.Model], lookup: dict, **values) -> models.Model:
    """The row matching *lookup*, created or updated with *values*, validated before saving."""
    instance = model.objects.filter(**lookup).first() or model(**lookup)
    for field, value in values.items():
        setattr(instance, field, value)
    instance.full_clean()
    instance.save()
    return instance
