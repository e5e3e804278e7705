"""The IP map of a node segment or an address pool: its intervals drawn as rows of equal
address spans, never one element per address of a large range.

A space of at most CELL_GRID_MAX addresses (a /24) is a grid of one cell per address;
anything larger is MAP_ROWS rows, each interval a rectangle as wide as its share of the row
(at least MIN_WIDTH, so a single node IP stays visible). Intervals that would share a pixel
are drawn as one rectangle that names how many it holds.

Subnets are drawn as bands: each row is cut into cells (BAND_CELLS_PER_ROW), the subnets that
lie inside one cell are counted together, and touching cells become one band that names
how many subnets of which clusters it holds, one coloured lane per cluster. A subnet at least
LINK_MIN_WIDTH wide is drawn alone and links to its page. So a segment of 10,000 slices or a
/8 of 50,000 blocks is a few hundred elements, and its subnets' names are read only for
those drawn alone. The intervals come from the planner's interval arithmetic
(planner.services.space) and are read as plain values; this module only lays them out."""

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ipam.addresses import int_to_text
from ipam.intervals import Interval, IntervalSet
from planner.addressing import address_key, key_value
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, Cluster, Node, NodeSegment, ObservedIPInstance, Subnet
from planner.querysets import CIDR_FIELDS, WINDOW_FIELDS
from planner.services.space import pool_range, segment_gateway, segment_usable

CELL_GRID_MAX = 256
GRID_COLUMNS = 16
MAP_ROWS = 64
WIDTH = 1024
ROW_HEIGHT = 20
ROW_GAP = 2
LABEL_WIDTH = 260
MIN_WIDTH = 2
# Subnets narrower than a cell are counted per cell (so a row is at most this many bands),
# and one at least LINK_MIN_WIDTH pixels wide is drawn alone, big enough to click.
BAND_CELLS_PER_ROW = 64
LINK_MIN_WIDTH = WIDTH // BAND_CELLS_PER_ROW
# Bands this close (pixels) are one: gaps inside a cell are not drawn either.
BAND_MERGE_GAP = 1
# A band of several clusters has one lane per cluster, at least MIN_LANE_HEIGHT high; beyond
# MAX_LANES clusters, the last lane stands for the rest.
MIN_LANE_HEIGHT = 2
MAX_LANES = ROW_HEIGHT // MIN_LANE_HEIGHT
# How many clusters a band's title names.
TITLE_CLUSTERS = 5
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
# Observed pod IPs are drawn in bands of one style: a cluster id they all share.
ANY_CLUSTER = 0
DRAWING_ORDER = {kind: index for index, kind in enumerate(["free", *KIND_STYLES])}
SUBNET_ORDER = DRAWING_ORDER["subnet"]


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
    # Fills of the lanes a band of several clusters is drawn in, top to bottom.
    lanes: tuple[str, ...] = ()


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
    if rect.lanes:
        return f"<g><title>{escape(rect.title)}</title>{_svg_lanes(rect)}</g>"
    element = (
        f'<rect x="{rect.x}" y="{rect.y}" width="{rect.width}" height="{rect.height}" '
        f'fill="{rect.fill}"><title>{escape(rect.title)}</title></rect>'
    )
    return f'<a href="{escape(rect.href)}">{element}</a>' if rect.href else element


def _svg_lanes(rect: MapRect) -> str:
    count = len(rect.lanes)
    tops = [rect.y + index * rect.height // count for index in range(count + 1)]
    return "".join(
        f'<rect x="{rect.x}" y="{top}" width="{rect.width}" height="{bottom - top}" fill="{fill}"/>'
        for fill, top, bottom in zip(rect.lanes, tops, tops[1:], strict=False)
    )


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

    def band_starts(self) -> list[bytes]:
        """The address keys where each band cell but the first starts, in order: a row is
        BAND_CELLS_PER_ROW cells (fewer if it has fewer addresses), so the cell of an
        address is how many of these lie at or below it."""
        cells = min(BAND_CELLS_PER_ROW, self.row_span)
        return [
            address_key(self.family, self.first - (-index * self.row_span // cells))
            for index in range(1, self.rows * cells)
        ]


@dataclass(frozen=True)
class SubnetGroup:
    """Subnets drawn together: how many, from the lowest first address to the highest last,
    the lowest id (the Subnet's own when it is alone) and their clusters' ids."""

    count: int
    first: int
    last: int
    pk: int
    clusters: frozenset[int]


def group_by_cell(layout: MapLayout, ranges: Iterable[tuple[int, bytes, bytes, int]]) -> list:
    """(id, first key, last key, cluster id) of subnets, never overlapping, as SubnetGroups in
    address order: those inside one band cell summed up per cell, one crossing into another
    cell alone (only one can cross each cell's start). At most two groups per cell, however
    many subnets; keys are compared as they are read, and only groups made addresses."""
    starts = layout.band_starts()
    cells: dict[int, _CellTotals] = {}
    crossing = []
    for pk, first, last, cluster_id in ranges:
        cell = bisect_right(starts, first)
        if cell < len(starts) and last >= starts[cell]:
            group = SubnetGroup(1, key_value(first), key_value(last), pk, frozenset([cluster_id]))
            crossing.append(group)
        elif (totals := cells.get(cell)) is None:
            cells[cell] = _CellTotals(1, first, last, pk, {cluster_id})
        else:
            totals.add(pk, first, last, cluster_id)
    groups = crossing + [totals.group() for totals in cells.values()]
    groups.sort(key=attrgetter("first"))
    return groups


@dataclass(slots=True)
class _CellTotals:
    """The subnets inside one cell so far, their range as keys."""

    count: int
    first: bytes
    last: bytes
    pk: int
    clusters: set[int]

    def add(self, pk: int, first: bytes, last: bytes, cluster_id: int) -> None:
        self.count += 1
        self.first, self.last = min(self.first, first), max(self.last, last)
        self.pk = min(self.pk, pk)
        self.clusters.add(cluster_id)

    def group(self) -> SubnetGroup:
        first, last = key_value(self.first), key_value(self.last)
        return SubnetGroup(self.count, first, last, self.pk, frozenset(self.clusters))


@dataclass
class _Band:
    """Touching subnet groups of one row, drawn as one rectangle."""

    row: int
    x0: int
    x1: int
    count: int
    first: int
    last: int
    pk: int
    clusters: set[int]

    def takes(self, row: int, x0: int, group: SubnetGroup) -> bool:
        """Whether `group`, drawn from x0 in `row`, joins this band: touching it, and of its
        cluster, or both of several, or either a lone subnet too narrow to click."""
        if row != self.row or x0 > self.x1 + BAND_MERGE_GAP:
            return False
        return (
            self.count == 1
            or group.count == 1
            or self.clusters == group.clusters
            or (len(self.clusters) > 1 and len(group.clusters) > 1)
        )


def _clickable(count: int, x0: int, x1: int) -> bool:
    """A lone subnet wide enough to click: drawn alone."""
    return count == 1 and x1 - x0 >= LINK_MIN_WIDTH


def subnet_bands(layout: MapLayout, groups: list[SubnetGroup]) -> list[_Band]:
    """The bands of `groups` (in address order), row by row: a lone subnet at least
    LINK_MIN_WIDTH wide is a band alone."""
    bands: list[_Band] = []
    for group in groups:
        for row, start, end in layout.pieces(group.first, group.last):
            x0 = layout.x(start)
            x1 = max(x0 + MIN_WIDTH, layout.x(end + 1))
            first = max(group.first, layout.first + row * layout.row_span + start)
            last = min(group.last, layout.first + row * layout.row_span + end)
            band = bands[-1] if bands else None
            if (
                band is not None
                and not _clickable(group.count, x0, x1)
                and not _clickable(band.count, band.x0, band.x1)
                and band.takes(row, x0, group)
            ):
                band.x1 = max(band.x1, x1)
                band.count += group.count
                band.last = max(band.last, last)
                band.pk = min(band.pk, group.pk)
                band.clusters |= group.clusters
                continue
            bands.append(
                _Band(row, x0, x1, group.count, first, last, group.pk, set(group.clusters))
            )
    return bands


class SubnetDrawing:
    """The bands of a space's subnets (their `fields` range) as rectangles: a lone subnet
    titled with its name and whole range and linked to its page, a band titled with how many
    `noun` of which clusters it holds."""

    def __init__(self, layout: MapLayout, clusters: dict[int, str], fields, noun: str) -> None:
        self.layout, self.clusters, self.fields, self.noun = layout, clusters, fields, noun

    def rects(self, bands: list[_Band]) -> list[MapRect]:
        lone = Subnet.objects.filter(pk__in=[band.pk for band in bands if band.count == 1])
        titles = {
            pk: f"{name} {span_text(self.layout.family, key_value(first), key_value(last))}"
            for pk, name, first, last in lone.values_list("pk", "name", *self.fields)
        }
        return [self._rect(band, titles) for band in bands]

    def _rect(self, band: _Band, titles: dict[int, str]) -> MapRect:
        layout = self.layout
        clusters = sorted(band.clusters, key=lambda pk: self.clusters[pk])
        place = (band.x0, layout.y(band.row), band.x1 - band.x0, ROW_HEIGHT)
        if band.count == 1:
            title = f"{self.clusters[clusters[0]]}/{titles[band.pk]}"
            return MapRect(*place, cluster_colour(clusters[0]), title, layout.links(band.pk))
        span = span_text(layout.family, band.first, band.last)
        named = ", ".join(self.clusters[pk] for pk in clusters[:TITLE_CLUSTERS])
        if len(clusters) == 1:
            title = f"{band.count:,} {self.noun} of cluster {named} in {span}"
            return MapRect(*place, cluster_colour(clusters[0]), title, "")
        more = len(clusters) - TITLE_CLUSTERS
        title = f"{band.count:,} {self.noun} of {len(clusters)} clusters in {span}: {named}" + (
            f" and {more} more" if more > 0 else ""
        )
        return MapRect(*place, MIXED_FILL, title, "", _lanes(clusters))


def _lanes(clusters: list[int]) -> tuple[str, ...]:
    """A lane's fill per cluster; the last stands for the rest if they are too many."""
    if len(clusters) <= MAX_LANES:
        return tuple(map(cluster_colour, clusters))
    return (*map(cluster_colour, clusters[: MAX_LANES - 1]), MIXED_FILL)


def _free_cells(layout: MapLayout, taken: IntervalSet) -> list[MapInterval]:
    """The free cells of a grid (a /24 at most), so each free address shows as a cell."""
    free = IntervalSet([(layout.first, layout.last)]).subtract(taken)
    return [
        MapInterval(first, last, "free", f"free {span_text(layout.family, first, last)}", FREE_FILL)
        for first, last in free
    ]


def _observed(first_key: bytes, last_key: bytes) -> IntervalSet:
    """Observed pod IPs in the span of a grid (a /24 at most), merged into runs: read as keys,
    in address order."""
    keys = (
        ObservedIPInstance.objects.filter(ip_key__gte=first_key, ip_key__lte=last_key)
        .order_by("ip_key")
        .values_list("ip_key", flat=True)
    )
    return IntervalSet.from_sorted((key_value(key), key_value(key)) for key in keys.iterator())


def _observed_rects(layout: MapLayout, first_key: bytes, last_key: bytes) -> list[MapRect]:
    """Observed pod IPs in the span, in bands as subnets are (one style, whatever cluster
    observed them): a band every address of which is observed names its range, another
    how many it holds."""
    rows = (
        ObservedIPInstance.objects.filter(ip_key__gte=first_key, ip_key__lte=last_key)
        .order_by()
        .values_list("pk", "ip_key")
    )
    groups = group_by_cell(layout, ((pk, key, key, ANY_CLUSTER) for pk, key in rows))
    text, fill = KIND_STYLES["observed"]
    rects = []
    for band in subnet_bands(layout, groups):
        span = span_text(layout.family, band.first, band.last)
        every = band.count == band.last - band.first + 1
        title = f"{text} {span}" if every else f"{band.count:,} {text} in {span}"
        place = (band.x0, layout.y(band.row), band.x1 - band.x0, ROW_HEIGHT)
        rects.append(MapRect(*place, fill, title, ""))
    return rects


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


def _subnets(subnets, family: int, fields: tuple[str, str]) -> tuple[list[MapInterval], set]:
    """The subnets of a grid (a /24 at most) one by one, in address order, as values; and
    their clusters' ids."""
    first_field, last_field = fields
    rows = subnets.order_by(first_field).values_list(
        "pk", "name", first_field, last_field, "cluster_id", "cluster__name"
    )
    intervals, clusters = [], set()
    for pk, name, first_key, last_key, cluster_id, cluster_name in rows:
        first, last = key_value(first_key), key_value(last_key)
        title = f"{cluster_name}/{name} {span_text(family, first, last)}"
        intervals.append(MapInterval(first, last, "subnet", title, cluster_colour(cluster_id), pk))
        clusters.add(cluster_id)
    return intervals, clusters


def _cluster_names(ids: Iterable[int]) -> dict[int, str]:
    """Names by id, in name order (the legend's)."""
    return dict(Cluster.objects.filter(pk__in=set(ids)).order_by("name").values_list("pk", "name"))


def _draw(
    layout: MapLayout,
    intervals: list[MapInterval],
    space,
    subnets,
    fields: tuple[str, str],
    noun: str,
) -> IPMap:
    """`intervals` (what is neither a subnet nor observed), the `subnets` (their `fields`
    range) and the pod IPs observed in the `space`: one by one on a grid, in bands
    otherwise."""
    family, observed_rects = layout.family, []
    if layout.grid:
        cells, cluster_ids = _subnets(subnets, family, fields)
        observed = _observed(space.first_key, space.last_key)
        intervals += [*cells, *_ranges(family, "observed", observed, "observed pod IPs")]
        taken = IntervalSet((interval.first, interval.last) for interval in intervals)
        intervals += _free_cells(layout, taken)
        subnet_rects = []
        clusters = _cluster_names(cluster_ids)
    else:
        # Drawn last, on top of everything (KIND_STYLES' order).
        observed_rects = _observed_rects(layout, space.first_key, space.last_key)
        # Four plain values a row, in no order: the database need not sort them.
        ranges = subnets.order_by().values_list("pk", *fields, "cluster_id")
        groups = group_by_cell(layout, ranges)
        clusters = _cluster_names(pk for group in groups for pk in group.clusters)
        bands = SubnetDrawing(layout, clusters, fields, noun)
        subnet_rects = bands.rects(subnet_bands(layout, groups))
    # Stable: each kind keeps its address order. Bands go where subnets are drawn.
    intervals.sort(key=lambda interval: DRAWING_ORDER[interval.kind])
    below = [interval for interval in intervals if DRAWING_ORDER[interval.kind] <= SUBNET_ORDER]
    above = intervals[len(below) :]
    drawing = IPMap(
        width=LABEL_WIDTH + WIDTH,
        height=layout.y(layout.rows),
        scale=layout.scale(),
        rects=[*layout.rects(below), *subnet_rects, *layout.rects(above), *observed_rects],
        labels=[(layout.y(row) + ROW_HEIGHT - 4, layout.label(row)) for row in range(layout.rows)],
    )
    drawing.legend = [(cluster_colour(pk), f"cluster {name}") for pk, name in clusters.items()]
    if any(MIXED_FILL in (rect.lanes or (rect.fill,)) for rect in drawing.rects):
        drawing.legend.append((MIXED_FILL, "several clusters (zoomed out)"))
    kinds = {interval.kind for interval in intervals} | ({"observed"} if observed_rects else set())
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
    node_fill = KIND_STYLES["node"][1]
    intervals = [
        *_ranges(family, "unusable", unusable, "not usable"),
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
    ]
    layout = MapLayout(family, first, last, links)
    slices = Subnet.objects.filter(segment=segment)
    return _draw(layout, intervals, segment, slices, WINDOW_FIELDS, "slices")


def pool_map(pool: AddressPool, links: Callable[[int], str]) -> IPMap:
    """The pool: every cluster's blocks (linked to `links(subnet id)`), reservations,
    observed pod IPs; the rest is free."""
    family = pool.family
    first, last = pool_range(pool)
    layout = MapLayout(family, first, last, links)
    blocks = Subnet.objects.filter(pool=pool)
    return _draw(layout, _reservations(pool, family), pool, blocks, CIDR_FIELDS, "blocks")
