"""What the planner's management commands share."""

from django.core.management.base import BaseCommand

from planner.changelog import new_request_id, recording_changes
from planner.choices import ChangeSourceChoices


class RecordedCommand(BaseCommand):
    """A command whose changes to planned objects share one request id in the change log."""

    def execute(self, *args, **options):
        with recording_changes(ChangeSourceChoices.COMMAND, request_id=new_request_id()):
            return super().execute(*args, **options)
