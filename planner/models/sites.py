"""Where addresses live: sites, the node segments and pools in them, nodes and reservations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from ipam.constants import FAMILY_BITS, VLAN_ID_MIN
from planner.addressing import address_key
from planner.choices import PoolPurposeChoices, ReservationKindChoices
from planner.constants import ADDRESS_KEY_LENGTH, ADDRESS_TEXT_MAX_LENGTH, NAME_MAX_LENGTH
from planner.models.base import (
    CidrModel,
    TimestampedModel,
    address_key_field,
    is_network_or_broadcast,
    parse_member_address,
)
from planner.querysets import AddressPoolQuerySet, NodeSegmentQuerySet
from planner.validators import validate_k8s_name, validate_labels, validate_vlan_id

# The digits of the most addresses a space can hold: all of IPv6.
PLANNED_SIZE_DIGITS = len(str(1 << max(FAMILY_BITS.values())))


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

    def clean(self) -> None:
        super().clean()
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

    def clean(self) -> None:
        super().clean()
        if self.pk:
            self._check_members_inside()

    def _check_members_inside(self) -> None:
        """A CIDR edit must keep every node and reservation of the segment inside it."""
        outside = [
            f"node {node.name} ({node.ip})"
            for node in self.nodes.exclude(ip_key__gte=self.first_key, ip_key__lte=self.last_key)
        ] + [
            f"reservation {reservation}"
            for reservation in self.reservations.exclude(
                start_key__gte=self.first_key, end_key__lte=self.last_key
            )
        ]
        if outside:
            raise ValidationError(
                {"cidr": f"{self.cidr} would leave outside: {', '.join(outside)}"}
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

    def save(self, *args, **kwargs):
        self.normalize_addresses()
        super().save(*args, **kwargs)
