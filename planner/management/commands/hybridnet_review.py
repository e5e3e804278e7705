"""`manage.py hybridnet_review`: the offline admission review (thin wrapper over ipam.review)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipam.errors import ReviewInputError
from ipam.review import load_objects, review

EXIT_DENIED = 1
EXIT_UNREADABLE = 2


def read_objects(path: str) -> list[dict[str, Any]]:
    """Objects of a YAML/JSON file; unreadable input exits 2 with one line on stderr."""
    try:
        return load_objects(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(
            f"cannot read {path}: {error.strerror or error}", returncode=EXIT_UNREADABLE
        ) from None
    except (ReviewInputError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: {error}", returncode=EXIT_UNREADABLE) from None


class Command(BaseCommand):
    help = (
        "Check Networks/Subnets as Hybridnet's admission webhook would, against a cluster "
        "state. Exit 0 when all are allowed, 1 when any is denied, 2 on unreadable input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--state", required=True, help="objects already in the cluster")
        parser.add_argument("--delete", action="store_true", help="review DELETE of each object")
        parser.add_argument("-o", "--output", choices=("text", "json"), default="text")
        parser.add_argument("objects", help="objects to review, in order")

    def handle(self, *args: Any, **options: Any) -> None:
        state = read_objects(options["state"])
        objects = read_objects(options["objects"])
        result = review(state, objects, delete=options["delete"])
        if options["output"] == "json":
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self._write_text(result)
        if not result["allowed"]:
            self.stdout.flush()
            sys.exit(EXIT_DENIED)

    def _write_text(self, result: dict[str, Any]) -> None:
        for item in result["results"]:
            verdict = "ALLOWED" if item["allowed"] else "DENIED"
            line = f"{verdict:<8} {item['kind']}/{item['name']}  {item['operation']}"
            if not item["allowed"]:
                line += f"  {item['message']}"
            self.stdout.write(line)
            for finding in item["planner"]:
                self.stdout.write(
                    f"    planner {finding['level']}  {finding['code']}  {finding['message']}"
                )
