"""django-tables2 tables of the planner's objects: related objects joined, address columns
sorted by their keys (numeric order), utilization measured for a whole page at once."""

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import django_tables2 as tables
from django.db import models

from frontend.links import object_url
from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    ObservedIPInstance,
    Reservation,
    Site,
    Subnet,
    SyncRun,
    SyncRunResult,
)
from planner.querysets import SUBNET_CIDR_ORDER, SUBNET_WINDOW_ORDER
from planner.services.utilization import SpaceUsage, pool_usages, segment_usages

# How a cell names its percentage.
PERCENT_FORMAT = "{:.1f}%"


def link_to_record(record: models.Model) -> str:
    return object_url(record)


def link_to_value(value: models.Model) -> str:
    return object_url(value)


class NameColumn(tables.Column):
    """The row's own name, linked to its page."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(linkify=link_to_record, **kwargs)


class RelatedColumn(tables.Column):
    """A related object, linked to its page."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(linkify=link_to_value, **kwargs)


class PlannerTable(tables.Table):
    class Meta:
        attrs = {"class": "table"}
        order_by_field = "sort"
        empty_text = "None"


class SpaceTable(PlannerTable):
    """Segments or pools, with how full each is: the page's rows are measured together
    (`measure`), in a fixed number of queries whatever the page's length."""

    measure: ClassVar[Callable[[Sequence[Any]], dict[int, SpaceUsage]]]
    cidr = tables.Column(verbose_name="CIDR", order_by=("first_key", "last_key"))
    planned = tables.Column(verbose_name="Planned", empty_values=(), orderable=False)

    def paginate(self, *args: Any, **kwargs: Any):
        super().paginate(*args, **kwargs)
        self.usages = type(self).measure([row.record for row in self.page.object_list])
        return self

    def render_planned(self, record: models.Model) -> str:
        usage = self.usages[record.pk].utilization
        return f"{PERCENT_FORMAT.format(usage.percent_planned)} ({usage.free:,} free)"


class SiteTable(PlannerTable):
    name = NameColumn()

    class Meta(PlannerTable.Meta):
        model = Site
        fields = ["name", "description"]


class NodeSegmentTable(SpaceTable):
    measure = staticmethod(segment_usages)
    name = NameColumn()

    class Meta(PlannerTable.Meta):
        model = NodeSegment
        fields = ["name", "site", "cidr", "gateway", "vlan_id", "planned"]


class AddressPoolTable(SpaceTable):
    measure = staticmethod(pool_usages)
    name = NameColumn()

    class Meta(PlannerTable.Meta):
        model = AddressPool
        fields = ["name", "purpose", "site", "cidr", "planned"]


class NodeTable(PlannerTable):
    name = NameColumn()
    ip = tables.Column(order_by=("ip_key",))
    segment = RelatedColumn()
    cluster = RelatedColumn()

    class Meta(PlannerTable.Meta):
        model = Node
        fields = ["name", "ip", "segment", "cluster"]


class ReservationTable(PlannerTable):
    start = NameColumn(order_by=("start_key",))
    end = tables.Column(order_by=("end_key",))
    segment = RelatedColumn()
    pool = RelatedColumn()

    class Meta(PlannerTable.Meta):
        model = Reservation
        fields = ["start", "end", "kind", "segment", "pool", "note"]


class ClusterTable(PlannerTable):
    name = NameColumn()

    class Meta(PlannerTable.Meta):
        model = Cluster
        fields = ["name", "api_server_url", "default_network_type", "sync_enabled"]


class NetworkTable(PlannerTable):
    name = NameColumn()
    cluster = RelatedColumn()

    class Meta(PlannerTable.Meta):
        model = Network
        fields = ["name", "cluster", "type", "mode", "net_id"]


class SubnetTable(PlannerTable):
    name = NameColumn()
    cluster = RelatedColumn()
    network = RelatedColumn()
    cidr = tables.Column(verbose_name="CIDR", order_by=SUBNET_CIDR_ORDER)
    start = tables.Column(order_by=SUBNET_WINDOW_ORDER)
    end = tables.Column(order_by=SUBNET_WINDOW_ORDER)
    segment = RelatedColumn()
    pool = RelatedColumn()

    class Meta(PlannerTable.Meta):
        model = Subnet
        fields = ["name", "cluster", "network", "cidr", "start", "end", "capacity"]
        sequence = [*fields, "segment", "pool"]


class SyncRunTable(PlannerTable):
    id = tables.Column(verbose_name="Run")
    cluster = RelatedColumn()

    class Meta(PlannerTable.Meta):
        model = SyncRun
        fields = ["id", "cluster", "action", "state", "created", "finished_at", "error"]


class SyncRunResultTable(PlannerTable):
    """What a run did to each object; the message in full (a denial is the cluster's text)."""

    class Meta(PlannerTable.Meta):
        model = SyncRunResult
        fields = ["kind", "namespace", "name", "outcome", "message"]


class ObservedIPInstanceTable(PlannerTable):
    ip = tables.Column(order_by=("ip_key",))

    class Meta(PlannerTable.Meta):
        model = ObservedIPInstance
        fields = ["ip", "namespace", "name", "pod_name", "node_name", "reserved", "observed_at"]
