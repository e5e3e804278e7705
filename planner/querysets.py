"""Domain queries as queryset methods: what list pages and bulk writes need, in a fixed
number of queries; and range lookups over the sortable address keys."""

from collections import defaultdict
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from ipam.intervals import Interval, IntervalSet
from planner.addressing import containing_cidr_keys, key_value

# Rows read per query by `ranges_in_order`: a carve searching from its space's hint
# mostly needs the first few, a listing of free space reads on.
RANGE_BATCH_ROWS = 256

WINDOW_FIELDS = ("window_first_key", "window_last_key")
CIDR_FIELDS = ("first_key", "last_key")
# The orders Subnet lists sort by, as the Subnet indexes hold them, led by the family (which
# each key's first byte repeats): a sorted page is read from an index, not sorted from the
# whole table. By CIDR, then by where the window starts: the slices of a segment share its
# CIDR.
SUBNET_CIDR_ORDER = ("family", *CIDR_FIELDS, "window_first_key")
# By window: windows never overlap within a family, so they end in the order they start.
SUBNET_WINDOW_ORDER = ("family", "window_first_key")


def triggers_keep_spaces() -> bool:
    """Whether triggers keep each space's search hint (migration 0007) and planned size
    (planner/sql/space_sizes.sql): on PostgreSQL."""
    return connection.vendor == "postgresql"


def cidrs_reaching(family: int, key: bytes, starts: list[bytes] | None = None) -> Q:
    """Rows whose CIDR starts below `key` and reaches it: a CIDR is aligned, so it starts at
    one of the few blocks containing the address (containing_cidr_keys, or `starts` where
    the caller has them), a few index reads however many rows lie below."""
    if starts is None:
        starts = containing_cidr_keys(family, key_value(key))
    return Q(family=family, first_key__in=starts, last_key__gte=key)


class RangeQuerySet(models.QuerySet):
    """Rows that each hold a [first, last] range of address keys (`fields`). Where those
    ranges never overlap one another within a family (subnets' windows, a pool's blocks,
    spaces' CIDRs), any question about a span is answered by bounded index reads."""

    def highest_below(self, first_field: str, key: bytes) -> "RangeQuerySet":
        """The row starting highest below `key`: the only one that can reach `key` from
        below."""
        return self.filter(**{f"{first_field}__lt": key}).order_by(f"-{first_field}")[:1]

    def reaching_into(self, fields: tuple[str, str], key: bytes) -> models.Model | None:
        """The row that starts below `key` and reaches it, if any."""
        first_field, last_field = fields
        below = self.highest_below(first_field, key).first()
        return below if below is not None and getattr(below, last_field) >= key else None

    def first_overlapping(
        self,
        family: int,
        first_key: bytes,
        last_key: bytes,
        fields: tuple[str, str] = CIDR_FIELDS,
    ) -> models.Model | None:
        """The lowest row whose range intersects [first_key, last_key]. Two bounded index
        lookups, not "first <= last_key and last >= first_key", which reads every row below:
        a row that overlaps either starts inside the range or is the one starting highest
        below it."""
        rows = self.filter(family=family)
        below = rows.reaching_into(fields, first_key)
        if below is not None:
            return below
        first_field = fields[0]
        inside = rows.filter(**{f"{first_field}__gte": first_key, f"{first_field}__lte": last_key})
        return inside.order_by(first_field).first()

    def ranges_in_order(
        self, fields: tuple[str, str], lo_key: bytes, hi_key: bytes
    ) -> Iterator[Interval]:
        """The ranges of the rows whose first key lies in [lo_key, hi_key], in address order,
        read lazily by keyset (first key, then id) RANGE_BATCH_ROWS at a time: a search that
        stops early reads no further."""
        return self._ranges_from(fields, lo_key, hi_key)

    def ranges_reaching_in_order(
        self, fields: tuple[str, str], lo_key: bytes, hi_key: bytes
    ) -> Iterator[Interval]:
        """What ranges_in_order reads, after the row starting highest below `lo_key`, the
        only one that can reach into it where ranges never overlap one another, in the same
        query: its first key is the lower bound of the first batch. That row may end below
        `lo_key`, which interval arithmetic over what is taken passes over."""
        first_field = fields[0]
        below = self.highest_below(first_field, lo_key).values(first_field)
        return self._ranges_from(fields, Coalesce(Subquery(below), Value(lo_key)), hi_key)

    def _ranges_from(
        self, fields: tuple[str, str], lo: bytes | Coalesce, hi_key: bytes
    ) -> Iterator[Interval]:
        first_field, last_field = fields
        ordered = self.order_by(first_field, "pk").values_list(first_field, last_field, "pk")
        inside = {f"{first_field}__gte": lo, f"{first_field}__lte": hi_key}
        batch = list(ordered.filter(**inside)[:RANGE_BATCH_ROWS])
        while len(batch) == RANGE_BATCH_ROWS:
            yield from ((key_value(first), key_value(last)) for first, last, _ in batch)
            first, _, pk = batch[-1]
            after = Q(**{f"{first_field}__gt": first}) | Q(**{first_field: first, "pk__gt": pk})
            # The plain bound too: it leads the database to its index past the OR.
            inside[f"{first_field}__gte"] = first
            batch = list(ordered.filter(after, **inside)[:RANGE_BATCH_ROWS])
        yield from ((key_value(first), key_value(last)) for first, last, _ in batch)


class SubnetQuerySet(RangeQuerySet):
    def with_observed_status(self) -> "SubnetQuerySet":
        """Annotate `observed_total`, `observed_used`, `observed_available`, `observed_at`
        from the last pulled Subnet.status of the same cluster and name (None if never)."""
        from planner.models import ObservedSubnetStatus

        # At most one row (unique per cluster and name): no ordering, so no join for it.
        status = ObservedSubnetStatus.objects.filter(
            cluster_id=OuterRef("cluster_id"), subnet_name=OuterRef("name")
        ).order_by()
        return self.annotate(
            **{
                f"observed_{field}": Subquery(status.values(field)[:1])
                for field in ("total", "used", "available")
            },
            observed_at=Subquery(status.values("observed_at")[:1]),
        )

    def windows_overlapping(self, family: int, lo_key: bytes, hi_key: bytes) -> "SubnetQuerySet":
        """The Subnets whose window intersects [lo_key, hi_key]: windows never overlap one
        another, so those starting inside it and the one starting highest below."""
        first_field, last_field = WINDOW_FIELDS
        rows = self.filter(family=family)
        reaching = rows.highest_below(first_field, lo_key).values("pk")
        return rows.filter(
            Q(**{f"{first_field}__gte": lo_key, f"{first_field}__lte": hi_key})
            | Q(pk__in=reaching, **{f"{last_field}__gte": lo_key})
        )

    def conflicts_with(
        self, subnets: list, *, stored_names: set[tuple[int, str]] | None = None
    ) -> dict[int, ValidationError]:
        """Which of `subnets` (new or changed, not saved yet) take a name their cluster already
        uses, a window overlapping another Subnet's (stored, or earlier in the list) or a CIDR
        overlapping another block's of their pool, by index: a few queries per address family
        and pool, however many subnets there are. `stored_names`: the (cluster id, name)
        pairs of stored Subnets that hold any of the names, when the caller has read them
        already."""
        # Stored Subnets other than these (changed ones are stored already).
        stored = [subnet.pk for subnet in subnets if subnet.pk]
        others = self.exclude(pk__in=stored) if stored else self
        if stored_names is None:
            stored_names = self._stored_names(others, subnets)
        errors = self._names_taken(stored_names, subnets)
        by_family = defaultdict(list)
        for index, subnet in enumerate(subnets):
            if index not in errors:
                by_family[subnet.family].append(index)
        for indexes in by_family.values():
            errors.update(self._windows_taken(others, subnets, indexes))
        by_pool = defaultdict(list)
        for index, subnet in enumerate(subnets):
            if index not in errors and subnet.pool_id is not None:
                by_pool[subnet.pool_id].append(index)
        for indexes in by_pool.values():
            errors.update(self._blocks_taken(others, subnets, indexes))
        return errors

    @staticmethod
    def _stored_names(others: models.QuerySet, subnets: list) -> set[tuple[int, str]]:
        return set(
            others.filter(
                cluster_id__in={subnet.cluster_id for subnet in subnets},
                name__in={subnet.name for subnet in subnets},
            )
            .order_by()
            .values_list("cluster_id", "name")
        )

    @staticmethod
    def _names_taken(stored: set[tuple[int, str]], subnets: list) -> dict[int, ValidationError]:
        errors, seen = {}, set()
        for index, subnet in enumerate(subnets):
            key = (subnet.cluster_id, subnet.name)
            if key in stored or key in seen:
                errors[index] = subnet.name_taken_error()
            seen.add(key)
        return errors

    @classmethod
    def _windows_taken(
        cls, others: models.QuerySet, subnets: list, indexes: list[int]
    ) -> dict[int, ValidationError]:
        """`indexes` name subnets of one family: their windows against every Subnet's."""
        family = subnets[indexes[0]].family
        return cls._ranges_taken(
            others.filter(family=family), subnets, indexes, WINDOW_FIELDS, "overlap_error"
        )

    @classmethod
    def _blocks_taken(
        cls, others: models.QuerySet, subnets: list, indexes: list[int]
    ) -> dict[int, ValidationError]:
        """`indexes` name blocks of one pool: their CIDRs against its other blocks', so a
        pool's blocks never nest (a block whose start..end leaves room in its CIDR would
        otherwise let another in, and the pool's planned size count those addresses twice)."""
        pool_id = subnets[indexes[0]].pool_id
        return cls._ranges_taken(
            others.filter(pool_id=pool_id), subnets, indexes, CIDR_FIELDS, "block_overlap_error"
        )

    @staticmethod
    def _ranges_taken(
        rows: "SubnetQuerySet",
        subnets: list,
        indexes: list[int],
        fields: tuple[str, str],
        error: str,
    ) -> dict[int, ValidationError]:
        """Which of the subnets `indexes` name take a range (`fields`, its first and last
        keys) overlapping another's of the list or of `rows`, ranges that never overlap one
        another; `error` names the Subnet method that words it. Stored ranges are read once,
        over the span the subnets cover; only a subnet found overlapping costs a query, for
        the message."""
        first_field, last_field = fields

        def span(subnet) -> Interval:
            return key_value(getattr(subnet, first_field)), key_value(getattr(subnet, last_field))

        indexes = sorted(indexes, key=lambda index: getattr(subnets[index], first_field))
        errors, widest = {}, None
        for index in indexes:
            subnet = subnets[index]
            if widest is not None and span(subnet)[0] <= span(widest)[1]:
                errors[index] = getattr(subnet, error)(widest)
            elif widest is None or span(subnet)[1] > span(widest)[1]:
                widest = subnet
        lo_key = getattr(subnets[indexes[0]], first_field)
        hi_key = max(getattr(subnets[index], last_field) for index in indexes)
        stored = IntervalSet.from_sorted(rows.ranges_reaching_in_order(fields, lo_key, hi_key))
        for index in indexes:
            subnet = subnets[index]
            if index in errors or not stored.overlaps(IntervalSet([span(subnet)])):
                continue
            other = rows.select_related("cluster").first_overlapping(
                subnet.family, getattr(subnet, first_field), getattr(subnet, last_field), fields
            )
            errors[index] = getattr(subnet, error)(other)
        return errors


# Where with_utilization_data puts a space's nodes and reservations (Prefetch's to_attr).
LISTED_NODES = "listed_nodes"
LISTED_RESERVATIONS = "listed_reservations"


class NodeSegmentQuerySet(RangeQuerySet):
    def with_utilization_data(self) -> "NodeSegmentQuerySet":
        """Prefetch what segment utilization reads of each segment: nodes, reservations (the
        slices of a page's segments are read together, planner.services.utilization)."""
        return self.prefetch_related(
            Prefetch("nodes", to_attr=LISTED_NODES),
            Prefetch("reservations", to_attr=LISTED_RESERVATIONS),
        )


class AddressPoolQuerySet(RangeQuerySet):
    def with_utilization_data(self) -> "AddressPoolQuerySet":
        """Prefetch what pool utilization reads of each pool: its reservations."""
        return self.prefetch_related(Prefetch("reservations", to_attr=LISTED_RESERVATIONS))
