"""python manage.py cluster {test,plan,apply,pull,adopt} NAME [--wait] [-o json]

For operators and pipelines: queues the run a Celery worker carries out (as the API does)
and, with --wait, follows it to its end. The exit status says how it went, like
`terraform plan -detailed-exitcode`: 0 succeeded (for a plan: in sync), 2 a plan with
changes, 1 a failure (the run failed, or an apply left objects denied, in conflict or failed).
"""

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planner.choices import SyncActionChoices, SyncOutcomeChoices, SyncStateChoices
from planner.models import Cluster, SyncRun
from planner.services.errors import PlanConflictError
from planner.tasks import STARTERS, start_run

EXIT_OK, EXIT_FAILED, EXIT_CHANGES = 0, 1, 2
DEFAULT_TIMEOUT_S = 900
POLL_INTERVAL_S = 0.5
FINISHED = (SyncStateChoices.SUCCEEDED, SyncStateChoices.FAILED)
# Object outcomes that make an apply (or adopt) a failure even though the run itself ended.
FAILED_OUTCOMES = (
    SyncOutcomeChoices.DENIED,
    SyncOutcomeChoices.CONFLICT,
    SyncOutcomeChoices.FAILED,
)
OUTPUT_FORMATS = ("text", "json")


class Command(BaseCommand):
    help = "Test, plan, apply, pull or adopt a cluster through a Celery worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=[str(action) for action in STARTERS])
        parser.add_argument("name", help="the cluster's name")
        parser.add_argument(
            "--wait", action="store_true", help="follow the run to its end and report it"
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=DEFAULT_TIMEOUT_S,
            help=f"seconds --wait waits at most (default {DEFAULT_TIMEOUT_S})",
        )
        parser.add_argument("-o", "--output", choices=OUTPUT_FORMATS, default="text")

    def handle(self, *args: Any, action: str, name: str, **options: Any) -> None:
        try:
            cluster = Cluster.objects.get(name=name)
        except Cluster.DoesNotExist:
            raise CommandError(f"no cluster is named {name!r}") from None
        try:
            run = start_run(cluster, action)
        except PlanConflictError as error:
            raise CommandError(str(error)) from None
        if not options["wait"]:
            self._write(options["output"], _run_data(run), f"run {run.pk} queued: {run}")
            return
        run = _wait(run, options["timeout"])
        self._write(options["output"], _run_data(run, with_results=True), _run_text(run))
        status = _exit_status(run)
        if status != EXIT_OK:
            raise SystemExit(status)

    def _write(self, output: str, data: dict, text: str) -> None:
        self.stdout.write(json.dumps(data, indent=2) if output == "json" else text)


def _wait(run: SyncRun, timeout_s: int) -> SyncRun:
    deadline = time.monotonic() + timeout_s
    while run.state not in FINISHED:
        if time.monotonic() > deadline:
            raise CommandError(
                f"run {run.pk} is still {run.state} after {timeout_s} s (is a Celery worker "
                f"running?); it goes on: see /api/sync-runs/{run.pk}/"
            )
        time.sleep(POLL_INTERVAL_S)
        run.refresh_from_db()
    return run


def _exit_status(run: SyncRun) -> int:
    if run.state == SyncStateChoices.FAILED:
        return EXIT_FAILED
    if run.action == SyncActionChoices.PLAN and not run.summary.get("in_sync", False):
        return EXIT_CHANGES
    if run.results.filter(outcome__in=FAILED_OUTCOMES).exists():
        return EXIT_FAILED
    return EXIT_OK


def _run_data(run: SyncRun, with_results: bool = False) -> dict[str, Any]:
    data = {
        "id": run.pk,
        "cluster": run.cluster.name,
        "action": run.action,
        "state": run.state,
        "done": run.done,
        "total": run.total,
        "summary": run.summary,
        "error": run.error,
    }
    if with_results:
        data["results"] = [
            {
                "kind": result.kind,
                "namespace": result.namespace,
                "name": result.name,
                "outcome": result.outcome,
                "message": result.message,
                "changes": result.changes,
            }
            for result in run.results.all()
        ]
    return data


def _run_text(run: SyncRun) -> str:
    lines = [f"run {run.pk}: {run.get_action_display().lower()} of {run.cluster.name} {run.state}"]
    if run.error:
        lines.append(run.error)
    summary = run.summary or {}
    if run.action == SyncActionChoices.PLAN and "text" in summary:
        lines.append(summary["text"])
    elif run.action == SyncActionChoices.TEST and "server_version" in summary:
        served = ", ".join(
            f"{kind} {'yes' if installed else 'NO'}"
            for kind, installed in summary["crds_installed"].items()
        )
        lines.append(f"{summary['server']}: {summary['server_version']}; CRDs: {served}")
    else:
        for result in run.results.exclude(outcome=SyncOutcomeChoices.UNCHANGED):
            name = f"{result.namespace}/{result.name}" if result.namespace else result.name
            message = f": {result.message}" if result.message else ""
            lines.append(f"{result.outcome:>9} {result.kind} {name}{message}")
        lines.extend(_summary_lines(summary))
    return "\n".join(lines)


def _summary_lines(summary: dict[str, Any]) -> list[str]:
    """A run's summary as text: counts as "3 created, 1 denied", words as they are."""
    lines = []
    for key, value in summary.items():
        if isinstance(value, dict) and all(isinstance(count, int) for count in value.values()):
            lines.append(f"{key}: " + ", ".join(f"{count} {name}" for name, count in value.items()))
        elif isinstance(value, int | str):
            lines.append(f"{key}: {value}")
    return lines
