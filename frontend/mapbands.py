"""Many subnets (or observed pod IPs) as a few bands of the IP map: counted per cell of a
row, touching cells of one cluster, or of several, joined into one band; a subnet wide
enough to click is a band alone. Plain values in, no queries."""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from frontend.maplayout import BAND_MERGE_GAP, LINK_MIN_WIDTH, MIN_WIDTH, MapLayout
from planner.addressing import key_value


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
class Band:
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


def subnet_bands(layout: MapLayout, groups: list[SubnetGroup]) -> list[Band]:
    """The bands of `groups` (in address order), row by row: a lone subnet at least
    LINK_MIN_WIDTH wide is a band alone."""
    bands: list[Band] = []
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
            bands.append(Band(row, x0, x1, group.count, first, last, group.pk, set(group.clusters)))
    return bands
