"""The IP map of a node segment or an address pool: its intervals drawn as rows of equal
address spans, never one element per address of a large range.

A space of at most CELL_GRID_MAX addresses (a /24) is a grid of one cell per address;
anything larger is MAP_ROWS rows, each interval a rectangle as wide as its share of the row
(at least MIN_WIDTH, so a single node IP stays visible). The intervals come from the
planner's interval arithmetic (planner.services.space); this module only lays them out."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ipam.addresses import int_to_text
from ipam.intervals import Interval, IntervalSet
from planner.addressing import key_value
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, Node, NodeSegment, ObservedIPInstance, Subnet
from planner.services.space import pool_range, segment_gateway, segment_usable

CELL_GRID_MAX = 256
GRID_COLUMNS = 16
MAP_ROWS = 64
WIDTH = 1024
ROW_HEIGHT = 20
ROW_GAP = 2
LABEL_WIDTH = 260
MIN_WIDTH = 2
# One colour per cluster, picked by its id: stable across pages and runs.
CLUSTER_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
    "#e15759",
    "#86bcb6",
)
# Kinds of interval, in drawing order (later ones on top); their legend text and fill.
KIND_STYLES = {
    "unusable": ("not usable (network, broadcast)", "#d9d9d9"),
    "slice": ("", ""),
    "gateway": ("gateway", "#222222"),
    "node": ("node IP", "#555555"),
    "infrastructure": ("infrastructure reservation", "#9e9e9e"),
    "pod": ("pod reservation (reservedIPs)", "url(#hatch)"),
    "observed": ("observed pod IPs", "rgba(0,0,0,0.45)"),
}
FREE_FILL = "#ffffff"


def cluster_colour(cluster_id: int) -> str:
    return CLUSTER_PALETTE[cluster_id % len(CLUSTER_PALETTE)]


@dataclass(frozen=True)
class MapInterval:
    first: int
    last: int
    kind: str
    title: str
    fill: str
    href: str = ""


@dataclass(frozen=True)
class MapRect:
    x: int
    y: int
    width: int
    height: int
    fill: str
    title: str
    href: str


@dataclass
class IPMap:
    """What the template draws: rectangles, row labels, a legend and the scale."""

    width: int
    height: int
    scale: str
    rects: list[MapRect] = field(default_factory=list)
    labels: list[tuple[int, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


def span_text(family: int, first: int, last: int) -> str:
    if first == last:
        return int_to_text(first, family)
    return f"{int_to_text(first, family)}-{int_to_text(last, family)} ({last - first + 1:,})"


class MapLayout:
    """Rows of `row_span` addresses from `first`, in the drawing's coordinates."""

    def __init__(self, family: int, first: int, last: int) -> None:
        self.family, self.first, self.last = family, first, last
        size = last - first + 1
        self.grid = size <= CELL_GRID_MAX
        self.row_span = GRID_COLUMNS if self.grid else -(-size // MAP_ROWS)
        self.rows = -(-size // self.row_span)

    def x(self, offset: int) -> int:
        return LABEL_WIDTH + offset * WIDTH // self.row_span

    def y(self, row: int) -> int:
        return row * (ROW_HEIGHT + ROW_GAP)

    def pieces(self, first: int, last: int) -> Iterator[tuple[int, int, int]]:
        """(row, first offset, last offset) of each row [first, last] touches."""
        first, last = max(first, self.first), min(last, self.last)
        while first <= last:
            row, offset = divmod(first - self.first, self.row_span)
            end = min(last - self.first, (row + 1) * self.row_span - 1) - row * self.row_span
            yield row, offset, end
            first = self.first + row * self.row_span + end + 1

    def rects(self, interval: MapInterval) -> Iterator[MapRect]:
        for row, start, end in self.pieces(interval.first, interval.last):
            if self.grid:
                # One cell per address, with a gap between cells.
                for column in range(start, end + 1):
                    x = self.x(column)
                    yield MapRect(
                        x,
                        self.y(row),
                        self.x(column + 1) - x - 1,
                        ROW_HEIGHT,
                        interval.fill,
                        interval.title,
                        interval.href,
                    )
                continue
            x = self.x(start)
            width = max(MIN_WIDTH, self.x(end + 1) - x)
            yield MapRect(
                x, self.y(row), width, ROW_HEIGHT, interval.fill, interval.title, interval.href
            )

    def label(self, row: int) -> str:
        return int_to_text(self.first + row * self.row_span, self.family)

    def scale(self) -> str:
        if self.grid:
            return f"one cell per address, {GRID_COLUMNS} per row"
        return f"each row {self.row_span:,} addresses"


def _free_cells(layout: MapLayout, taken: IntervalSet) -> list[MapInterval]:
    """The free cells of a grid (a /24 at most), so each free address shows as a cell."""
    free = IntervalSet([(layout.first, layout.last)]).subtract(taken)
    return [
        MapInterval(first, last, "free", f"free {span_text(layout.family, first, last)}", FREE_FILL)
        for first, last in free
    ]


def _observed(family: int, first_key: bytes, last_key: bytes) -> IntervalSet:
    """Observed pod IPs in the span, merged into runs: read as keys, in address order."""
    keys = (
        ObservedIPInstance.objects.filter(ip_key__gte=first_key, ip_key__lte=last_key)
        .order_by("ip_key")
        .values_list("ip_key", flat=True)
    )
    return IntervalSet.from_sorted((key_value(key), key_value(key)) for key in keys.iterator())


def _ranges(family: int, kind: str, ranges: Iterable[Interval], what: str) -> list[MapInterval]:
    fill = KIND_STYLES[kind][1]
    return [
        MapInterval(first, last, kind, f"{what} {span_text(family, first, last)}", fill)
        for first, last in ranges
    ]


def _reservations(space, family: int) -> list[MapInterval]:
    intervals = []
    for reservation in space.reservations.order_by("start_key"):
        kind = "pod" if reservation.kind == ReservationKindChoices.POD else "infrastructure"
        first, last = key_value(reservation.start_key), key_value(reservation.end_key)
        title = f"{KIND_STYLES[kind][0]} {span_text(family, first, last)}"
        if reservation.note:
            title += f": {reservation.note}"
        intervals.append(MapInterval(first, last, kind, title, KIND_STYLES[kind][1]))
    return intervals


def _subnets(subnets, family: int, fields: tuple[str, str], links) -> list[MapInterval]:
    first_field, last_field = fields
    intervals = []
    for subnet in subnets.select_related("cluster").order_by(first_field):
        first = key_value(getattr(subnet, first_field))
        last = key_value(getattr(subnet, last_field))
        title = f"{subnet.cluster.name}/{subnet.name} {span_text(family, first, last)}"
        fill = cluster_colour(subnet.cluster_id)
        intervals.append(MapInterval(first, last, "slice", title, fill, links(subnet)))
    return intervals


def _draw(
    family: int, first: int, last: int, intervals: list[MapInterval], clusters: dict
) -> IPMap:
    layout = MapLayout(family, first, last)
    if layout.grid:
        taken = IntervalSet((interval.first, interval.last) for interval in intervals)
        intervals = _free_cells(layout, taken) + intervals
    order = {kind: index for index, kind in enumerate(["free", *KIND_STYLES])}
    intervals.sort(key=lambda interval: order[interval.kind])
    drawing = IPMap(
        width=LABEL_WIDTH + WIDTH,
        height=layout.y(layout.rows),
        scale=layout.scale(),
    )
    for interval in intervals:
        drawing.rects.extend(layout.rects(interval))
    drawing.labels = [
        (layout.y(row) + ROW_HEIGHT - 3, layout.label(row)) for row in range(layout.rows)
    ]
    drawing.legend = [(cluster_colour(pk), f"cluster {name}") for pk, name in clusters.items()]
    kinds = {interval.kind for interval in intervals}
    drawing.legend += [
        (fill, text) for kind, (text, fill) in KIND_STYLES.items() if kind in kinds and text
    ]
    drawing.legend.append((FREE_FILL, "free"))
    return drawing


def _clusters(subnets) -> dict[int, str]:
    return dict(
        subnets.order_by("cluster__name").values_list("cluster_id", "cluster__name").distinct()
    )


def segment_map(segment: NodeSegment, links) -> IPMap:
    """The segment's CIDR: what is not usable, the gateway, node IPs, reservations, every
    cluster's slices (linked through `links(subnet)`), observed pod IPs; the rest is free."""
    family = segment.family
    first, last = key_value(segment.first_key), key_value(segment.last_key)
    lo, hi = segment_usable(segment)
    unusable = IntervalSet([(first, last)]).subtract(IntervalSet([(lo, hi)] if lo <= hi else []))
    nodes = Node.objects.filter(segment=segment).order_by("ip_key").values_list("name", "ip_key")
    slices = Subnet.objects.filter(segment=segment)
    intervals = [
        *_ranges(family, "unusable", unusable, "not usable"),
        *_subnets(slices, family, ("window_first_key", "window_last_key"), links),
        *_ranges(family, "gateway", segment_gateway(segment), "gateway"),
        *(
            MapInterval(
                key_value(key),
                key_value(key),
                "node",
                f"node {name} {span_text(family, key_value(key), key_value(key))}",
                KIND_STYLES["node"][1],
            )
            for name, key in nodes
        ),
        *_reservations(segment, family),
        *_ranges(
            family,
            "observed",
            _observed(family, segment.first_key, segment.last_key),
            "observed pod IPs",
        ),
    ]
    return _draw(family, first, last, intervals, _clusters(slices))


def pool_map(pool: AddressPool, links) -> IPMap:
    """The pool: every cluster's blocks (linked through `links(subnet)`), reservations,
    observed pod IPs; the rest is free."""
    family = pool.family
    first, last = pool_range(pool)
    blocks = Subnet.objects.filter(pool=pool)
    intervals = [
        *_subnets(blocks, family, ("first_key", "last_key"), links),
        *_reservations(pool, family),
        *_ranges(
            family,
            "observed",
            _observed(family, pool.first_key, pool.last_key),
            "observed pod IPs",
        ),
    ]
    return _draw(family, first, last, intervals, _clusters(blocks))
