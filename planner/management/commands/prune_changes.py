"""Delete the change log's entries older than the retention."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from planner.changelog import prune_changes


class Command(BaseCommand):
    help = (
        "Delete change log entries older than CHANGELOG_RETENTION_DAYS days (or --days). "
        "Beat runs the same pruning daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, help="keep this many days instead of CHANGELOG_RETENTION_DAYS"
        )

    def handle(self, *args, days: int | None, **options) -> None:
        days = settings.CHANGELOG_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError(f"--days must be at least 1, not {days}")
        deleted = prune_changes(days)
        self.stdout.write(f"Deleted {deleted} change log entries older than {days} days.")
