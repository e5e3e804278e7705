"""`manage.py hybridnet_usage`: what Hybridnet would write into Subnet/Network status."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ipam.review import usage
from planner.management.commands.hybridnet_review import read_objects


class Command(BaseCommand):
    help = "Compute Subnet and Network usage (total/used/available) from a cluster state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--state", required=True, help="objects of the cluster")
        parser.add_argument("-o", "--output", choices=("text", "json"), default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        document = usage(read_objects(options["state"]))
        if options["output"] == "json":
            self.stdout.write(json.dumps(document, indent=2))
            return
        rows = [("KIND", "NAME", "FAMILY", "TOTAL", "USED", "AVAILABLE")]
        for name, counts in document["subnets"].items():
            rows.append(("Subnet", name, "", *self._counts(counts)))
        for name, families in document["networks"].items():
            for family in ("IPv4", "IPv6"):
                rows.append(("Network", name, family, *self._counts(families[family])))
            rows.append(
                ("Network", name, "DualStack", "", "", str(families["DualStack"]["available"]))
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )

    @staticmethod
    def _counts(counts: dict[str, int]) -> tuple[str, str, str]:
        return str(counts["total"]), str(counts["used"]), str(counts["available"])
