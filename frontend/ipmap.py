"""The IP map of a node segment or an address pool: its intervals drawn as rows of equal
address spans, never one element per address of a large range (frontend.maplayout).

Subnets are drawn as bands (frontend.mapbands): the subnets inside one cell of a row are
counted together, and touching cells become one band that names how many subnets of which
clusters it holds, one coloured lane per cluster. A subnet at least LINK_MIN_WIDTH wide is
drawn alone and links to its page. So a segment of 10,000 slices or a /8 of 50,000 blocks
is a few dozen elements, and subnets' names are read only for those drawn alone; observed
pod IPs are banded the same way. The intervals come from the planner's interval arithmetic
(planner.services.space) and are read as plain values; this module reads and styles them."""

from collections.abc import Callable, Iterable

from frontend.mapbands import Band, group_by_cell, subnet_bands
from frontend.maplayout import (
    LABEL_WIDTH,
    MIXED_FILL,
    ROW_HEIGHT,
    WIDTH,
    IPMap,
    MapInterval,
    MapLayout,
    MapRect,
    span_text,
)
from ipam.addresses import int_to_text
from ipam.intervals import Interval, IntervalSet
from planner.addressing import key_value
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, Cluster, Node, NodeSegment, ObservedIPInstance, Subnet
from planner.querysets import CIDR_FIELDS, WINDOW_FIELDS
from planner.services.space import pool_range, segment_gateway, segment_usable

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


class SubnetDrawing:
    """The bands of a space's subnets (their `fields` range) as rectangles: a lone subnet
    titled with its name and whole range and linked to its page, a band titled with how many
    `noun` of which clusters it holds."""

    def __init__(self, layout: MapLayout, clusters: dict[int, str], fields, noun: str) -> None:
        self.layout, self.clusters, self.fields, self.noun = layout, clusters, fields, noun

    def rects(self, bands: list[Band]) -> list[MapRect]:
        lone = Subnet.objects.filter(pk__in=[band.pk for band in bands if band.count == 1])
        titles = {
            pk: f"{name} {span_text(self.layout.family, key_value(first), key_value(last))}"
            for pk, name, first, last in lone.values_list("pk", "name", *self.fields)
        }
        return [self._rect(band, titles) for band in bands]

    def _rect(self, band: Band, titles: dict[int, str]) -> MapRect:
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
