"""Where addresses live: sites, the node segments and pools in them, nodes and reservations."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from ipam.constants import FAMILY_BITS, IPV4, IPV6, VLAN_ID_MIN
from ipam.intervals import IntervalSet
from planner.addressing import address_key, key_value, parse_address
from planner.choices import NetworkTypeChoices, PoolPurposeChoices, ReservationKindChoices
from planner.constants import ADDRESS_KEY_LENGTH, ADDRESS_TEXT_MAX_LENGTH, NAME_MAX_LENGTH
from planner.models.base import (
    CidrModel,
    TimestampedModel,
    address_key_field,
    is_network_or_broadcast,
    parse_member_address,
)
from planner.querysets import AddressPoolQuerySet, NodeSegmentQuerySet
from planner.services.errors import ConflictingEditError
from planner.validators import validate_k8s_name, validate_labels, validate_vlan_id
from planner.wording import first_named, named

# The digits of the most addresses a space can hold: all of IPv6.
PLANNED_SIZE_DIGITS = len(str(1 << max(FAMILY_BITS.values())))
# The widest a segment or pool may be: 10.0.0.0/8 is the widest private IPv4 block, fd00::/8
# the whole of IPv6's local addresses. A wider one (::/0) would block every other space.
WIDEST_SPACE_PREFIX = {IPV4: 8, IPV6: 8}
# Which networks a pool's blocks serve (SPEC 2.1.1); a segment's slices serve VLAN ones.
POOL_NETWORK_TYPES = {
    PoolPurposeChoices.OVERLAY: {NetworkTypeChoices.OVERLAY},
    PoolPurposeChoices.UNDERLAY_BGP: {NetworkTypeChoices.UNDERLAY, NetworkTypeChoices.GLOBAL_BGP},
}
CIDR_KEYS = ("first_key", "last_key")


def stored_for_update(instance: models.Model) -> models.Model | None:
    """The stored row of `instance` (None if it is gone), locked when the write runs in a
    transaction (the API's, the admin's): a carve takes the same lock, so no slice or block
    is carved between an edit's checks and its save."""
    rows = type(instance).objects.filter(pk=instance.pk).order_by("pk")
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    return rows.first()


def ends_outside(
    rows: models.QuerySet, fields: tuple[str, str], first_key: bytes, last_key: bytes
) -> list[models.Model]:
    """Of `rows`, whose [first, last] key ranges (`fields`) never overlap one another, the
    lowest and the highest where they reach outside [first_key, last_key]: any row outside
    is below the one or above the other. Two index reads, however many rows lie inside."""
    first_field, last_field = fields
    lowest = rows.order_by(first_field).first()
    highest = rows.order_by(f"-{first_field}").first()
    outside = []
    if lowest is not None and getattr(lowest, first_field) < first_key:
        outside.append(lowest)
    if highest is not None and highest not in outside and getattr(highest, last_field) > last_key:
        outside.append(highest)
    return outside


def subnet_text(subnet) -> str:
    return f"subnet {subnet.name} of cluster {subnet.cluster} ({subnet.window_text})"


class Site(TimestampedModel):
    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AddressSpaceModel(CidrModel):
    """A segment or pool: its CIDR may not overlap any other segment's or pool's."""

    # Everything of the space below this address is taken, so a first-fit carve searches from
    # here (planner.services.space): carving a full space from the bottom costs the same at
    # the 50,000th block as at the first. Raised by the carves; reset by PostgreSQL triggers
    # (migration 0007) when anything below it is freed. Unused on other databases.
    free_from_key = models.BinaryField(max_length=ADDRESS_KEY_LENGTH, null=True, editable=False)
    # Kept on PostgreSQL by triggers whoever writes a subnet, and read by
    # planner.services.utilization. The triggers also keep it from every other write: a save
    # of a row read before a carve, a bulk update, a fixture loaded over the row. With no
    # triggers (SQLite) it stays NULL, and utilization measures from the subnets.
    planned_size = models.DecimalField(
        max_digits=PLANNED_SIZE_DIGITS,
        decimal_places=0,
        null=True,
        editable=False,
        help_text="Addresses inside the space's subnets, kept by PostgreSQL triggers "
        "(planner/sql/space_sizes.sql); NULL on other databases.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # The hint is written by carves and reset by triggers, never by a save: a segment read
        # before a subnet below its hint was deleted must not put the old hint back. Nor does
        # a save send the size: the triggers keep it, and would measure it again from the
        # subnets if sent as None (a space created in this process and not read back).
        if not (self._state.adding or kwargs.get("force_insert") or "update_fields" in kwargs):
            unsaved = {"free_from_key", "planned_size", *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in unsaved
            ]
        super().save(*args, **kwargs)

    def full_clean(self, *args, **kwargs) -> None:
        """Also, for an edit, that what is planned in the space still fits it: checked under
        the space's lock, once the values are valid (ConflictingEditError, HTTP 409)."""
        super().full_clean(*args, **kwargs)
        if self.pk is not None:
            stored = stored_for_update(self)
            if stored is not None:
                self.check_planned(stored)

    def check_planned(self, stored: "AddressSpaceModel") -> None:
        """Refuse an edit from `stored` that would leave what is planned in the space
        inconsistent with it."""
        if (self.cidr, self.family) != (stored.cidr, stored.family):
            self.check_inside(self.reservations.all(), ("start_key", "end_key"), "reservation")

    def check_inside(self, rows: models.QuerySet, fields: tuple[str, str], kind: str) -> None:
        """A CIDR edit must keep every one of `rows` (ranges that never overlap) inside it."""
        outside = ends_outside(rows, fields, self.first_key, self.last_key)
        if outside:
            names = ", ".join(f"{kind} {row}" for row in outside)
            raise ConflictingEditError(f"{self.cidr} would leave outside: {names}", "cidr")

    def clean(self) -> None:
        super().clean()
        widest = WIDEST_SPACE_PREFIX[self.family]
        if self.parsed_cidr.prefixlen < widest:
            raise ValidationError(
                {"cidr": f"{self.cidr} is wider than a /{widest}: plan it as several spaces"}
            )
        for model in (NodeSegment, AddressPool):
            others = model.objects.all()
            if isinstance(self, model) and self.pk:
                others = others.exclude(pk=self.pk)
            other = others.first_overlapping(self.family, self.first_key, self.last_key)
            if other is not None:
                raise ValidationError(
                    {
                        "cidr": f"{self.cidr} overlaps {model._meta.verbose_name} "
                        f"{other.name} ({other.cidr})"
                    }
                )


class NodeSegment(AddressSpaceModel):
    """An L2 range that nodes live in; underlay subnets are carved out of it."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="segments")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    gateway = models.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH, blank=True)
    vlan_id = models.PositiveSmallIntegerField(
        "VLAN ID",
        default=VLAN_ID_MIN,
        validators=[validate_vlan_id],
        help_text="0 means untagged (the node NIC itself).",
    )
    description = models.TextField(blank=True)

    objects = NodeSegmentQuerySet.as_manager()

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="segment_unique_name_per_site"),
        ]
        indexes = [models.Index(fields=["family", "first_key", "last_key"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.cidr})"

    def normalize_addresses(self) -> None:
        super().normalize_addresses()
        if self.gateway:
            gateway = parse_member_address("gateway", self.gateway, self.parsed_cidr)
            if is_network_or_broadcast(gateway, self.parsed_cidr):
                raise ValidationError(
                    {
                        "gateway": f"{gateway.text} is the network or broadcast address of "
                        f"{self.cidr}"
                    }
                )
            self.gateway = gateway.text

    def check_planned(self, stored: "NodeSegment") -> None:
        """Slices keep the segment's CIDR, gateway and VLAN ID (as netID), none of which
        Hybridnet lets change in a Subnet: those stay while slices use them. Nodes and
        reservations stay inside the CIDR; the gateway is never a node's address."""
        super().check_planned(stored)
        if (self.cidr, self.family) != (stored.cidr, stored.family):
            self.check_inside(self.nodes.all(), ("ip_key", "ip_key"), "node")
        changed = [
            field
            for field in ("cidr", "gateway", "vlan_id")
            if getattr(self, field) != getattr(stored, field)
        ]
        if not changed:
            return
        shown, total = first_named(
            self.subnets.select_related("cluster").order_by("window_first_key")
        )
        if shown:
            raise ConflictingEditError(
                f"segment {stored.name}: {', '.join(changed)} cannot change while slices use "
                f"them (Hybridnet cannot change them in a Subnet): "
                f"{named([subnet_text(subnet) for subnet in shown], total)}; "
                "delete or replace those slices first",
                changed[0],
            )
        if "gateway" in changed and self.gateway:
            gateway = parse_address(self.gateway)
            holder = self.nodes.filter(ip_key=address_key(gateway.family, gateway.value)).first()
            if holder is not None:
                raise ConflictingEditError(
                    f"{self.gateway} is the address of node {holder.name}", "gateway"
                )


class AddressPool(AddressSpaceModel):
    """Routed space for overlay (VXLAN) or BGP underlay subnets, carved as aligned blocks."""

    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    purpose = models.CharField(max_length=20, choices=PoolPurposeChoices.choices)
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="pools",
        null=True,
        blank=True,
        help_text="Leave empty for a pool shared by every site.",
    )
    description = models.TextField(blank=True)

    objects = AddressPoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["family", "first_key", "last_key"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.cidr})"

    def check_planned(self, stored: "AddressPool") -> None:
        """Blocks stay inside the pool (their CIDR cannot change in Hybridnet) and serve
        networks of the pool's purpose."""
        super().check_planned(stored)
        if (self.cidr, self.family) != (stored.cidr, stored.family):
            self.check_inside(self.subnets.select_related("cluster"), CIDR_KEYS, "block")
        if self.purpose != stored.purpose:
            types = POOL_NETWORK_TYPES[self.purpose]
            others = self.subnets.select_related("cluster", "network").exclude(
                network__type__in=types
            )
            shown, total = first_named(others.order_by("first_key"))
            if shown:
                blocks = [
                    f"block {block.name} of cluster {block.cluster} ({block.network.type})"
                    for block in shown
                ]
                raise ConflictingEditError(
                    f"pool {stored.name}: {self.get_purpose_display()} blocks serve "
                    f"{' or '.join(sorted(types))} networks, not those of "
                    f"{named(blocks, total)}",
                    "purpose",
                )


class Node(TimestampedModel):
    name = models.CharField(max_length=253, validators=[validate_k8s_name])
    segment = models.ForeignKey(NodeSegment, on_delete=models.PROTECT, related_name="nodes")
    ip = models.CharField("IP address", max_length=ADDRESS_TEXT_MAX_LENGTH)
    ip_key = address_key_field()
    cluster = models.ForeignKey(
        "planner.Cluster",
        on_delete=models.SET_NULL,
        related_name="nodes",
        null=True,
        blank=True,
    )
    labels = models.JSONField(default=dict, blank=True, validators=[validate_labels])

    class Meta:
        # By segment id, then address: the unique index's order. Ordered by "segment", every
        # read of nodes (a carve's node IPs, a page's drift) joined segments and sites to sort
        # by their names.
        ordering = ["segment_id", "ip_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "ip_key"], name="node_unique_ip_per_segment"
            ),
            models.UniqueConstraint(
                fields=["cluster", "name"],
                name="node_unique_name_per_cluster",
                condition=Q(cluster__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ip})"

    def normalize_addresses(self) -> None:
        segment = self.segment.parsed_cidr
        address = parse_member_address("ip", self.ip, segment)
        if is_network_or_broadcast(address, segment):
            raise ValidationError(
                {"ip": f"{address.text} is the network or broadcast address of {segment.text}"}
            )
        if address.text == self.segment.gateway:
            raise ValidationError({"ip": f"{address.text} is the gateway of {self.segment.name}"})
        self.ip, self.ip_key = address.text, address_key(address.family, address.value)

    def clean(self) -> None:
        super().clean()
        if self.segment_id is None:
            return
        self.normalize_addresses()
        taken = Node.objects.filter(segment=self.segment, ip_key=self.ip_key).exclude(pk=self.pk)
        holder = taken.first()
        if holder is not None:
            raise ValidationError(
                {
                    "ip": f"{self.ip} is already the address of node {holder.name} "
                    f"in segment {self.segment.name}"
                }
            )
        if self.cluster_id and (
            Node.objects.filter(cluster=self.cluster, name=self.name).exclude(pk=self.pk).exists()
        ):
            raise ValidationError(
                {"name": f"cluster {self.cluster} already has a node {self.name}"}
            )

    def save(self, *args, **kwargs):
        self.normalize_addresses()
        super().save(*args, **kwargs)


class Reservation(TimestampedModel):
    """Addresses kept out of automatic allocation, in a segment or a pool."""

    segment = models.ForeignKey(
        NodeSegment, on_delete=models.CASCADE, related_name="reservations", null=True, blank=True
    )
    pool = models.ForeignKey(
        AddressPool, on_delete=models.CASCADE, related_name="reservations", null=True, blank=True
    )
    start = models.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH)
    end = models.CharField(
        max_length=ADDRESS_TEXT_MAX_LENGTH, blank=True, help_text="Empty for a single address."
    )
    start_key = address_key_field()
    end_key = address_key_field()
    kind = models.CharField(max_length=20, choices=ReservationKindChoices.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(segment__isnull=False, pool__isnull=True)
                | Q(segment__isnull=True, pool__isnull=False),
                name="reservation_in_segment_or_pool",
                violation_error_message="A reservation belongs to exactly one segment or pool.",
            ),
        ]
        indexes = [
            models.Index(fields=["segment", "start_key", "end_key"]),
            models.Index(fields=["pool", "start_key", "end_key"]),
        ]

    def __str__(self) -> str:
        span = f"{self.start}-{self.end}" if self.end and self.end != self.start else self.start
        return f"{span} ({self.kind})"

    @property
    def parent(self) -> NodeSegment | AddressPool | None:
        return self.segment or self.pool

    def normalize_addresses(self) -> None:
        network = self.parent.parsed_cidr
        start = parse_member_address("start", self.start, network)
        end = parse_member_address("end", self.end, network) if self.end else start
        if end.value < start.value:
            raise ValidationError({"end": f"end {end.text} is before start {start.text}"})
        self.start, self.start_key = start.text, address_key(start.family, start.value)
        self.end = end.text if end != start else ""
        self.end_key = address_key(end.family, end.value)

    def clean(self) -> None:
        super().clean()
        if (self.segment_id is None) == (self.pool_id is None):
            raise ValidationError("A reservation belongs to exactly one segment or pool.")
        self.normalize_addresses()
        siblings = Reservation.objects.filter(
            segment_id=self.segment_id,
            pool_id=self.pool_id,
            start_key__lte=self.end_key,
            end_key__gte=self.start_key,
        ).exclude(pk=self.pk)
        other = siblings.first()
        if other is not None:
            raise ValidationError({"start": f"overlaps the reservation {other}"})

    def full_clean(self, *args, **kwargs) -> None:
        """Also that the reservation takes effect where subnets are planned already
        (check_planned), under its space's lock, as a carve holds it: no carve misses it."""
        super().full_clean(*args, **kwargs)
        space = stored_for_update(self.parent)
        placed = ("segment_id", "pool_id", "start_key", "end_key", "kind")
        stored = self.pk and Reservation.objects.filter(pk=self.pk).values(*placed).first()
        if space is not None and stored != {field: getattr(self, field) for field in placed}:
            self.check_planned()

    def check_planned(self) -> None:
        """Addresses reserved inside a subnet already planned must be listed in it: an
        infrastructure reservation in a pool's block in its excludeIPs, a pod reservation
        in its reservedIPs; else Hybridnet would hand them to any pod. Infrastructure inside
        a segment's slice is accepted and shown as drift (`missing_exclude_ips`), as a node
        added there is: both record what is on the wire, which the plan must not deny."""
        pod = self.kind == ReservationKindChoices.POD
        if self.segment_id is not None and not pod:
            return
        listed_field, listed_name, remedy = (
            ("reserved_ips", "reservedIPs", "add them to its reservedIPs first")
            if pod
            else ("exclude_ips", "excludeIPs", "excludeIPs cannot change: replace the subnet")
        )
        family = self.start_key[0]
        first, last = key_value(self.start_key), key_value(self.end_key)
        subnets = self.parent.subnets.select_related("cluster").windows_overlapping(
            family, self.start_key, self.end_key
        )
        for subnet in subnets.order_by("window_first_key"):
            window = (key_value(subnet.window_first_key), key_value(subnet.window_last_key))
            inside = IntervalSet([(max(first, window[0]), min(last, window[1]))])
            # The gateway is never handed out: reserving it needs no listing.
            listed = [*getattr(subnet, listed_field), *filter(None, [subnet.gateway])]
            values = (parse_address(text).value for text in listed)
            missing = inside.subtract(IntervalSet((value, value) for value in values))
            if missing:
                raise ConflictingEditError(
                    f"{self} lies inside {subnet_text(subnet)}, whose {listed_name} do not "
                    f"list {missing.size} of its addresses, so Hybridnet would hand them to "
                    f"any pod: {remedy}",
                    "start",
                )

    def save(self, *args, **kwargs):
        self.normalize_addresses()
        super().save(*args, **kwargs)
