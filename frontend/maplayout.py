"""The IP map's geometry: a space drawn as rows of equal address spans (a grid of one cell
per address up to CELL_GRID_MAX addresses), the rectangles it is drawn with and the cells
that subnets are counted in (frontend.mapbands). Intervals that would share a pixel are
drawn as one rectangle that names how many it holds."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ipam.addresses import int_to_text
from planner.addressing import address_key

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
# Intervals of several fills that share a pixel, or the clusters a band has no lane for.
MIXED_FILL = "#6b6b6b"


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
