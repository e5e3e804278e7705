"""The change log: one entry per create, update or delete of a planned object."""

from auditlog.models import AbstractLogEntry
from django.db import models

from planner.changelog import stamp_change
from planner.choices import ChangeSourceChoices

SOURCE_MAX_LENGTH = 20
# auditlog's numeric actions, by the names the API writes and filters them with.
ACTION_NAMES = {
    AbstractLogEntry.Action.CREATE: "create",
    AbstractLogEntry.Action.UPDATE: "update",
    AbstractLogEntry.Action.DELETE: "delete",
}


class ObjectChange(AbstractLogEntry):
    """django-auditlog's entry (who, when, the object, its changed fields as
    {field: [before, after]}, the request id as `cid`), plus the path the change came
    through. Written by auditlog's signal receivers and, for the inserts that send no
    signal, by planner.changelog; both stamp it from the current change context."""

    source = models.CharField(
        max_length=SOURCE_MAX_LENGTH,
        choices=ChangeSourceChoices.choices,
        default=ChangeSourceChoices.COMMAND,
        db_index=True,
    )
    # The API token the change was made with, if any (the actor is its user); kept empty
    # once the token is revoked.
    token = models.ForeignKey(
        "planner.APIToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(AbstractLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-timestamp"])]

    def save(self, *args, **kwargs):
        if self._state.adding:
            stamp_change(self)
        super().save(*args, **kwargs)
