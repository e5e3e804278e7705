"""The IP map of a node segment or an address pool: its intervals drawn as rows of equal
address spans, never one element per address of a large range.

A space of at most CELL_GRID_MAX addresses (a /24) is a grid of one cell per address;
anything larger is MAP_ROWS rows, each interval a rectangle as wide as its share of the row
(at least MIN_WIDTH, so a single node IP stays visible). Intervals that would share a pixel
are drawn as one rectangle that names how many it holds, so a /8 holding 50,000 blocks is
a few hundred rectangles. The intervals come from the planner's interval arithmetic
(planner.services.space) and are read as plain values; this module only lays them out."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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
# Subnets of several clusters that share a pixel.
MIXED_FILL = "#6b6b6b"
# Kinds of interval, in drawing order (later ones on top); their legend text and fill.
KIND_STYLES = {
    "unusable": ("not usable (network, broadcast)", "#d9d9d9"),
    "subnet": ("", ""),
    "gateway": ("gateway", "#222222"),
    "node": ("node IP", "#555555"),
    "infrastructure": ("infrastructure reservation", "#9e9e9e"),
    "pod": ("pod reservation (reservedIPs)", "url(#hatch)"),
    "observed": ("observed pod IPs", "rgba(0,0,0,0.45)"),
}
FREE_FILL = "#ffffff"
DRAWING_ORDER = {kind: index for index, kind in enumerate(["free", *KIND_STYLES])}


def cluster_colour(cluster_id: int) -> str:
    return CLUSTER_PALETTE[cluster_id % len(CLUSTER_PALETTE)]


def span_text(family: int, first: int, last: int) -> str:
    if first == last:
        return int_to_text(first, family)
    return f"{int_to_text(first, family)}-{int_to_text(last, family)} ({last - first + 1:,})"


@dataclass(frozen=True)
class MapInterval:
    first: int
    last: int
    kind: str
    title: str
    fill: str
    # The Subnet this interval is, if it is one: its rectangle links to it.
    subnet_id: int | None = None


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

    def svg_rects(self) -> SafeString:
        """The rectangles as SVG elements, linked where they are one Subnet, built here
        rather than by a template loop over thousands. Titles are escaped; the other values
        are numbers, this module's colours and the UI's own URLs."""
        return mark_safe("".join(map(_svg_rect, self.rects)))


def _svg_rect(rect: MapRect) -> str:
    element = (
        f'<rect x="{rect.x}" y="{rect.y}" width="{rect.width}" height="{rect.height}" '
        f'fill="{rect.fill}"><title>{escape(rect.title)}</title></rect>'
    )
    return f'<a href="{escape(rect.href)}">{element}</a>' if rect.href else element


@dataclass
class _Run:
    """Intervals of one kind drawn as one rectangle of a row, as they share pixels."""

    row: int
    x0: int
    x1: int
    members: list[MapInterval]


class MapLayout:
    """Rows of `row_span` addresses from `first`, in the drawing's coordinates."""

    def __init__(self, family: int, first: int, last: int, links: Callable[[int], str]):
        self.family, self.first, self.last, self.links = family, first, last, links
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

    def rects(self, intervals: list[MapInterval]) -> list[MapRect]:
        """Rectangles of `intervals`, sorted by kind in drawing order, each kind's in
        address order."""
        draw = self._cells if self.grid else self._runs
        rects: list[MapRect] = []
        for _, group in groupby(intervals, key=lambda interval: interval.kind):
            rects.extend(draw(group))
        return rects

    def _cells(self, intervals: Iterable[MapInterval]) -> Iterator[MapRect]:
        """One cell per address (a /24 at most), with a gap between cells."""
        for interval in intervals:
            href = self._href(interval)
            for row, start, end in self.pieces(interval.first, interval.last):
                for column in range(start, end + 1):
                    x = self.x(column)
                    width = self.x(column + 1) - x - 1
                    yield MapRect(
                        x, self.y(row), width, ROW_HEIGHT, interval.fill, interval.title, href
                    )

    def _runs(self, intervals: Iterable[MapInterval]) -> Iterator[MapRect]:
        run = None
        for interval in intervals:
            for row, start, end in self.pieces(interval.first, interval.last):
                x0 = self.x(start)
                x1 = max(x0 + MIN_WIDTH, self.x(end + 1))
                if run is not None and run.row == row and x0 < run.x1:
                    run.x1 = max(run.x1, x1)
                    if run.members[-1] is not interval:
                        run.members.append(interval)
                    continue
                if run is not None:
                    yield self._run_rect(run)
                run = _Run(row, x0, x1, [interval])
        if run is not None:
            yield self._run_rect(run)

    def _run_rect(self, run: _Run) -> MapRect:
        members = run.members
        if len(members) == 1:
            only = members[0]
            return MapRect(
                run.x0,
                self.y(run.row),
                run.x1 - run.x0,
                ROW_HEIGHT,
                only.fill,
                only.title,
                self._href(only),
            )
        fills = {member.fill for member in members}
        span = span_text(self.family, members[0].first, members[-1].last)
        title = f"{len(members):,} {members[0].kind} intervals in {span}"
        return MapRect(
            run.x0,
            self.y(run.row),
            run.x1 - run.x0,
            ROW_HEIGHT,
            fills.pop() if len(fills) == 1 else MIXED_FILL,
            title,
            "",
        )

    def _href(self, interval: MapInterval) -> str:
        return "" if interval.subnet_id is None else self.links(interval.subnet_id)

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


def _observed(first_key: bytes, last_key: bytes) -> IntervalSet:
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


def _subnets(subnets, family: int, fields: tuple[str, str]) -> list[MapInterval]:
    """The subnets' ranges (`fields`) in address order, read as values, not models."""
    first_field, last_field = fields
    rows = subnets.order_by(first_field).values_list(
        "pk", "name", first_field, last_field, "cluster_id", "cluster__name"
    )
    intervals = []
    for pk, name, first_key, last_key, cluster_id, cluster_name in rows.iterator():
        first, last = key_value(first_key), key_value(last_key)
        title = f"{cluster_name}/{name} {span_text(family, first, last)}"
        intervals.append(MapInterval(first, last, "subnet", title, cluster_colour(cluster_id), pk))
    return intervals


def _clusters(subnets) -> dict[int, str]:
    return dict(
        subnets.order_by("cluster__name").values_list("cluster_id", "cluster__name").distinct()
    )


def _draw(layout: MapLayout, intervals: list[MapInterval], clusters: dict) -> IPMap:
    if layout.grid:
        taken = IntervalSet((interval.first, interval.last) for interval in intervals)
        intervals = _free_cells(layout, taken) + intervals
    # Stable: each kind keeps its address order.
    intervals.sort(key=lambda interval: DRAWING_ORDER[interval.kind])
    drawing = IPMap(
        width=LABEL_WIDTH + WIDTH,
        height=layout.y(layout.rows),
        scale=layout.scale(),
        rects=layout.rects(intervals),
        labels=[(layout.y(row) + ROW_HEIGHT - 4, layout.label(row)) for row in range(layout.rows)],
    )
    drawing.legend = [(cluster_colour(pk), f"cluster {name}") for pk, name in clusters.items()]
    if any(rect.fill == MIXED_FILL for rect in drawing.rects):
        drawing.legend.append((MIXED_FILL, "several clusters (zoomed out)"))
    kinds = {interval.kind for interval in intervals}
    drawing.legend += [
        (fill, text) for kind, (text, fill) in KIND_STYLES.items() if kind in kinds and text
    ]
    drawing.legend.append((FREE_FILL, "free"))
    return drawing


def segment_map(segment: NodeSegment, links: Callable[[int], str]) -> IPMap:
    """The segment's CIDR: what is not usable, the gateway, node IPs, reservations, every
    cluster's slices (linked to `links(subnet id)`), observed pod IPs; the rest is free."""
    family = segment.family
    first, last = key_value(segment.first_key), key_value(segment.last_key)
    lo, hi = segment_usable(segment)
    unusable = IntervalSet([(first, last)]).subtract(IntervalSet([(lo, hi)] if lo <= hi else []))
    nodes = Node.objects.filter(segment=segment).order_by("ip_key").values_list("name", "ip_key")
    slices = Subnet.objects.filter(segment=segment)
    node_fill = KIND_STYLES["node"][1]
    intervals = [
        *_ranges(family, "unusable", unusable, "not usable"),
        *_subnets(slices, family, ("window_first_key", "window_last_key")),
        *_ranges(family, "gateway", segment_gateway(segment), "gateway"),
        *(
            MapInterval(
                key_value(key),
                key_value(key),
                "node",
                f"node {name} {int_to_text(key_value(key), family)}",
                node_fill,
            )
            for name, key in nodes
        ),
        *_reservations(segment, family),
        *_ranges(
            family, "observed", _observed(segment.first_key, segment.last_key), "observed pod IPs"
        ),
    ]
    return _draw(MapLayout(family, first, last, links), intervals, _clusters(slices))


def pool_map(pool: AddressPool, links: Callable[[int], str]) -> IPMap:
    """The pool: every cluster's blocks (linked to `links(subnet id)`), reservations,
    observed pod IPs; the rest is free."""
    family = pool.family
    first, last = pool_range(pool)
    blocks = Subnet.objects.filter(pool=pool)
    intervals = [
        *_subnets(blocks, family, ("first_key", "last_key")),
        *_reservations(pool, family),
        *_ranges(family, "observed", _observed(pool.first_key, pool.last_key), "observed pod IPs"),
    ]
    return _draw(MapLayout(family, first, last, links), intervals, _clusters(blocks))
