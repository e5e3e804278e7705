"""Pull: a cluster's live Networks, Subnets (with status), Nodes and IPInstances into the
observed state, upserted in bulk; what the cluster no longer has is removed.

IPInstances are streamed a page at a time (never the whole list in memory), each page
upserted in one statement; rows a pull did not see are those it did not stamp with its
start time, removed in one statement per kind once every page is in. An object that cannot
be read is skipped and reported on the run; the others are still stored.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ipam.addresses import Address
from planner.addressing import address_key, parse_address
from planner.choices import SyncOutcomeChoices
from planner.kube.gateway import KubeGateway
from planner.models import (
    ObservedIPInstance,
    ObservedNetwork,
    ObservedNode,
    ObservedSubnet,
    ObservedSubnetStatus,
    SyncRun,
    SyncRunResult,
)
from planner.services.clusters import cluster_credentials

# One upsert per page: a page this long keeps the pull near one query per 1,000 IPInstances
# (with the few fixed ones) while a page stays a few megabytes.
PULL_PAGE_SIZE = 2000
# Progress (done, total, heartbeat) is written at most this often: bounded writes however
# many pages, and still fresh enough for a reaper to tell a live run from a dead one.
PROGRESS_INTERVAL_S = 5.0
NODE_INTERNAL_IP = "InternalIP"
# What each observed model holds, as skipped objects are reported.
KIND_OF = {
    ObservedNetwork: "Network",
    ObservedSubnet: "Subnet",
    ObservedSubnetStatus: "Subnet",
    ObservedNode: "Node",
    ObservedIPInstance: "IPInstance",
}
STATUS_COUNTS = ("total", "used", "available")

# Per model: the unique fields a row is upserted on, and the fields an upsert refreshes.
UPSERT_FIELDS: dict[type[models.Model], tuple[list[str], list[str]]] = {
    ObservedNetwork: (["cluster", "name"], ["labels", "spec", "status", "observed_at"]),
    ObservedSubnet: (["cluster", "name"], ["labels", "network_name", "spec", "observed_at"]),
    ObservedSubnetStatus: (
        ["cluster", "subnet_name"],
        [*STATUS_COUNTS, "last_allocated_ip", "observed_at"],
    ),
    ObservedNode: (["cluster", "name"], ["labels", "internal_ips", "observed_at"]),
    ObservedIPInstance: (
        ["cluster", "namespace", "name"],
        [
            "ip",
            "ip_key",
            "subnet_name",
            "network_name",
            "pod_name",
            "node_name",
            "reserved",
            "observed_at",
        ],
    ),
}


class MalformedObject(ValueError):
    """A live object Hybridplan cannot read; the message says why."""


def canonical_address(text: Any, where: str) -> Address:
    """An address of a live object, parsed as Go reads it; MalformedObject naming `where`."""
    try:
        return parse_address(text if isinstance(text, str) else "")
    except ValidationError as error:
        raise MalformedObject(f"{where}: {error.messages[0]}") from None


def read_ahead(pages: Iterator[dict]) -> Iterator[dict]:
    """`pages`, each next one fetched by a thread while the caller stores the one before:
    the cluster encodes a page while the database writes the last, and at most one page
    waits in memory."""
    with ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(next, pages, None)
        while (page := pending.result()) is not None:
            pending = reader.submit(next, pages, None)
            yield page


def pull_cluster(run: SyncRun, page_size: int = PULL_PAGE_SIZE) -> dict[str, Any]:
    """The work of a pull run (planner.sync.runs.execute_run): its counts, for the summary."""
    with KubeGateway(cluster_credentials(run.cluster)) as gateway:
        return ClusterPull(run, gateway, page_size).pull()


@dataclass
class ClusterPull:
    run: SyncRun
    gateway: KubeGateway
    page_size: int = PULL_PAGE_SIZE
    counts: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    progress_written: float = 0.0

    @property
    def seen(self) -> datetime:
        """Every row this pull writes carries its start time: older rows were not seen."""
        return self.run.started_at

    def pull(self) -> dict[str, Any]:
        self.store("networks", ObservedNetwork, self.gateway.list_networks(), self.network)
        subnets = self.gateway.list_subnets()
        self.store("subnets", ObservedSubnet, subnets, self.subnet)
        # Read from the same Subnets: a malformed one was reported once, above.
        self.store("subnet_statuses", ObservedSubnetStatus, subnets, self.subnet_status)
        self.store("nodes", ObservedNode, self.gateway.list_nodes(), self.node)
        self.pull_ipinstances()
        return {**self.counts, "skipped": self.skipped, "removed": self.removed}

    def store(
        self,
        kind: str,
        model: type[models.Model],
        items: list[dict],
        build: Callable[[dict], models.Model | None],
    ) -> None:
        """Upsert the rows built from `items` in one statement, then remove the kind's rows
        this pull did not see."""
        rows = self.build_rows(KIND_OF[model], items, build)
        self.upsert(model, rows)
        self.counts[kind] = len(rows)
        self.removed[kind] = self.remove_unseen(model)

    def pull_ipinstances(self) -> None:
        done = 0
        for page in read_ahead(self.gateway.ipinstance_lists(self.page_size)):
            items = page["items"]
            remaining = page["metadata"].get("remainingItemCount")
            rows = self.build_rows(KIND_OF[ObservedIPInstance], items, self.ipinstance)
            self.upsert(ObservedIPInstance, rows)
            self.counts["ipinstances"] = self.counts.get("ipinstances", 0) + len(rows)
            done += len(items)
            self.write_progress(done, None if remaining is None else done + remaining)
        self.counts.setdefault("ipinstances", 0)
        self.removed["ipinstances"] = self.remove_unseen(ObservedIPInstance)
        self.write_progress(done, done, force=True)

    def build_rows(
        self, kind: str, items: Iterable[dict], build: Callable[[dict], models.Model | None]
    ) -> list[models.Model]:
        """The rows of the items that can be read (None: nothing to store for it); the
        others are recorded on the run as skipped, with the reason, in one statement."""
        rows, skipped = [], []
        for item in items:
            try:
                row = build(item)
            except MalformedObject as error:
                skipped.append(self.skip_result(kind, item, error))
                continue
            if row is not None:
                rows.append(row)
        if skipped:
            SyncRunResult.objects.bulk_create(skipped)
            self.skipped += len(skipped)
        return rows

    def skip_result(self, kind: str, item: dict, error: Exception) -> SyncRunResult:
        metadata = item.get("metadata") or {}
        return SyncRunResult(
            run=self.run,
            kind=kind,
            namespace=metadata.get("namespace") or "",
            name=metadata.get("name") or "",
            outcome=SyncOutcomeChoices.SKIPPED,
            message=str(error),
        )

    def upsert(self, model: type[models.Model], rows: list[models.Model]) -> None:
        if rows:
            unique_fields, update_fields = UPSERT_FIELDS[model]
            model.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=unique_fields,
                update_fields=update_fields,
            )

    def remove_unseen(self, model: type[models.Model]) -> int:
        stale = model.objects.filter(cluster=self.run.cluster, observed_at__lt=self.seen)
        return stale.delete()[0]

    def write_progress(self, done: int, total: int | None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.progress_written < PROGRESS_INTERVAL_S:
            return
        self.progress_written = now
        SyncRun.objects.filter(pk=self.run.pk).update(
            done=done, total=total, heartbeat_at=timezone.now()
        )

    def network(self, item: dict) -> ObservedNetwork:
        return ObservedNetwork(
            cluster=self.run.cluster,
            **self.named(item),
            spec=item.get("spec") or {},
            status=item.get("status") or {},
        )

    def subnet(self, item: dict) -> ObservedSubnet:
        spec = item.get("spec") or {}
        return ObservedSubnet(
            cluster=self.run.cluster,
            **self.named(item),
            network_name=spec.get("network") or "",
            spec=spec,
        )

    def subnet_status(self, item: dict) -> ObservedSubnetStatus | None:
        """Subnet.status once hybridnet-manager has written it; None before."""
        status = item.get("status") or {}
        name = (item.get("metadata") or {}).get("name")
        if not name or not all(isinstance(status.get(count), int) for count in STATUS_COUNTS):
            return None
        return ObservedSubnetStatus(
            cluster=self.run.cluster,
            subnet_name=name,
            **{count: status[count] for count in STATUS_COUNTS},
            last_allocated_ip=status.get("lastAllocatedIP") or "",
            observed_at=self.seen,
        )

    def node(self, item: dict) -> ObservedNode:
        addresses = (item.get("status") or {}).get("addresses") or []
        internal = [
            canonical_address(entry.get("address"), "status.addresses").text
            for entry in addresses
            if entry.get("type") == NODE_INTERNAL_IP
        ]
        return ObservedNode(cluster=self.run.cluster, **self.named(item), internal_ips=internal)

    def ipinstance(self, item: dict) -> ObservedIPInstance:
        metadata = item.get("metadata") or {}
        spec = item.get("spec") or {}
        binding = spec.get("binding") or {}
        if not metadata.get("name"):
            raise MalformedObject("metadata.name is missing")
        ip_text = (spec.get("address") or {}).get("ip")
        if not isinstance(ip_text, str) or not ip_text:
            raise MalformedObject("spec.address.ip is missing")
        # The address with its subnet's prefix length (SPEC 2.3): the length is not kept.
        address = canonical_address(ip_text.partition("/")[0], "spec.address.ip")
        if not spec.get("subnet"):
            raise MalformedObject("spec.subnet is missing")
        node_name = binding.get("nodeName") or ""
        return ObservedIPInstance(
            cluster=self.run.cluster,
            namespace=metadata.get("namespace") or "",
            name=metadata.get("name") or "",
            ip=address.text,
            ip_key=address_key(address.family, address.value),
            subnet_name=spec["subnet"],
            network_name=spec.get("network") or "",
            pod_name=binding.get("podName") or "",
            node_name=node_name,
            reserved=not node_name,
            observed_at=self.seen,
        )

    def named(self, item: dict) -> dict[str, Any]:
        metadata = item.get("metadata") or {}
        if not metadata.get("name"):
            raise MalformedObject("metadata.name is missing")
        return {
            "name": metadata["name"],
            "labels": metadata.get("labels") or {},
            "observed_at": self.seen,
        }
