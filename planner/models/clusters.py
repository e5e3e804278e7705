"""What is planned for each cluster: the cluster itself, its Networks and Subnets."""

from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from ipam.addresses import Cidr
from ipam.allocatable import default_end, default_start, range_total
from ipam.planner_checks import Finding
from ipam.spec import AddressRange
from planner.addressing import address_key, key_to_text
from planner.choices import (
    DEFAULT_MODE_FOR_TYPE,
    MODES_FOR_TYPE,
    DefaultNetworkTypeChoices,
    NetworkModeChoices,
    NetworkTypeChoices,
)
from planner.constants import ADDRESS_TEXT_MAX_LENGTH, K8S_NAME_MAX_LENGTH, NAME_MAX_LENGTH
from planner.fields import EncryptedTextField
from planner.models.base import (
    CidrModel,
    TimestampedModel,
    address_key_field,
    parse_member_address,
)
from planner.models.sites import POOL_NETWORK_TYPES, AddressPool, NodeSegment, Site
from planner.querysets import SubnetQuerySet
from planner.validators import validate_k8s_name, validate_labels

DEFAULT_SYNC_INTERVAL_SECONDS = 300
# Beat looks for due clusters every SYNC_SCHEDULE_TICK_S (settings): a shorter interval
# would only be rounded up to it.
MIN_SYNC_INTERVAL_SECONDS = 30
# The permission (codename) to test, plan, apply, pull and adopt a cluster.
OPERATE_CLUSTER = "operate_cluster"
# What the checks against stored Subnets read: when one of these is invalid they cannot run.
STORED_CHECK_INPUTS = {"name", "cidr", "start", "end"}


class Cluster(TimestampedModel):
    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True, validators=[validate_k8s_name])
    sites = models.ManyToManyField(Site, related_name="clusters", blank=True)
    api_server_url = models.URLField("API server URL", blank=True)
    # A kubeconfig, or JSON {"token", "ca_pem"}: encrypted at rest, never shown back.
    credentials = EncryptedTextField(blank=True)
    default_network_type = models.CharField(
        max_length=20,
        choices=DefaultNetworkTypeChoices.choices,
        default=DefaultNetworkTypeChoices.OVERLAY,
        help_text="DEFAULT_NETWORK_TYPE of the cluster's Hybridnet (the chart default is Overlay).",
    )
    # Scheduled sync: every sync_interval_seconds a pull, preceded by an apply of the plan
    # when sync_applies is set.
    sync_enabled = models.BooleanField(
        default=False, help_text="Pull the cluster's state every sync interval."
    )
    sync_interval_seconds = models.PositiveIntegerField(
        default=DEFAULT_SYNC_INTERVAL_SECONDS,
        validators=[MinValueValidator(MIN_SYNC_INTERVAL_SECONDS)],
    )
    sync_applies = models.BooleanField(
        default=False, help_text="A scheduled sync applies the plan before it pulls."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [(OPERATE_CLUSTER, "Can test, plan, apply, pull and adopt the cluster")]

    def __str__(self) -> str:
        return self.name

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)


class Network(TimestampedModel):
    """A Hybridnet Network CR as planned: a scheduling domain of nodes."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="networks")
    name = models.CharField(max_length=K8S_NAME_MAX_LENGTH, validators=[validate_k8s_name])
    type = models.CharField(max_length=20, choices=NetworkTypeChoices.choices)
    mode = models.CharField(
        max_length=20,
        choices=NetworkModeChoices.choices,
        blank=True,
        help_text="Written as is: empty leaves spec.mode out (the type's default applies). "
        "Hybridnet never lets it change, not even from empty to the default (NU-3).",
    )
    net_id = models.BigIntegerField(
        "netID",
        null=True,
        blank=True,
        help_text="VLAN ID (VLAN), local AS number (BGP) or VXLAN VNI (Overlay).",
    )
    node_selector = models.JSONField(default=dict, blank=True, validators=[validate_labels])
    bgp_peers = models.JSONField("BGP peers", default=list, blank=True)
    description = models.TextField(blank=True)
    # When an apply last put this object in its cluster (or a pull or adopt found it there);
    # empty while it exists only in the plan, which lets Hybridnet's immutable fields change.
    applied_at = models.DateTimeField(null=True, blank=True, editable=False)

    # What the planner's review of the write that returned this object warned about; not stored.
    planner_warnings: ClassVar[Sequence[Finding]] = ()

    class Meta:
        ordering = ["cluster__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "name"], name="network_unique_name_per_cluster"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster}/{self.name}"

    @property
    def effective_mode(self) -> str:
        """GetNetworkMode: the raw mode, or the type's default when it is empty."""
        return self.mode or DEFAULT_MODE_FOR_TYPE.get(self.type, "")

    def clean(self) -> None:
        super().clean()
        if self.type in MODES_FOR_TYPE and self.effective_mode not in MODES_FOR_TYPE[self.type]:
            allowed = " or ".join(sorted(MODES_FOR_TYPE[self.type]))
            raise ValidationError({"mode": f"a {self.type} network takes mode {allowed}"})
        if not isinstance(self.bgp_peers, list):
            raise ValidationError({"bgp_peers": "must be a list of peers"})
        if self.cluster_id and (
            Network.objects.filter(cluster_id=self.cluster_id, name=self.name)
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError(
                {"name": f"cluster {self.cluster} already has a network {self.name}"}
            )


# The unique constraint that gives each name once per cluster; the carving services let the
# database check it as they insert (planner.services.subnets).
SUBNET_NAME_CONSTRAINT = "subnet_unique_name_per_cluster"


class Subnet(CidrModel):
    """A Hybridnet Subnet CR as planned: a slice of a segment, or a block of a pool."""

    cluster = models.ForeignKey(
        Cluster,
        on_delete=models.CASCADE,
        related_name="subnets",
        editable=False,
        # Indexed first in the unique (cluster, name) and in (cluster, family, first_key).
        db_index=False,
    )
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="subnets")
    segment = models.ForeignKey(
        NodeSegment,
        on_delete=models.PROTECT,
        related_name="subnets",
        null=True,
        blank=True,
        help_text="The node segment this underlay slice is carved from.",
    )
    pool = models.ForeignKey(
        AddressPool,
        on_delete=models.PROTECT,
        related_name="subnets",
        null=True,
        blank=True,
        help_text="The pool this block is carved from.",
    )
    name = models.CharField(max_length=K8S_NAME_MAX_LENGTH, validators=[validate_k8s_name])
    gateway = models.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH, blank=True)
    start = models.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH, blank=True)
    end = models.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH, blank=True)
    reserved_ips = models.JSONField("reservedIPs", default=list, blank=True)
    exclude_ips = models.JSONField("excludeIPs", default=list, blank=True)
    net_id = models.BigIntegerField("netID", null=True, blank=True)
    private = models.BooleanField(null=True, blank=True)
    auto_nat_outgoing = models.BooleanField("autoNatOutgoing", null=True, blank=True)
    # The effective start..end window (SPEC 5.1 defaults applied), for overlap lookups.
    window_first_key = address_key_field()
    window_last_key = address_key_field()
    # SPEC 5.1 Total (allocatable, not reserved), derived on save: lists read it per row.
    capacity = models.PositiveIntegerField(default=0, editable=False)
    description = models.TextField(blank=True)
    # When an apply last put this object in its cluster (or a pull or adopt found it there);
    # empty while it exists only in the plan, which lets Hybridnet's immutable fields change.
    applied_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SubnetQuerySet.as_manager()
    # What the planner's review of the write that returned this object warned about; not stored.
    planner_warnings: ClassVar[Sequence[Finding]] = ()

    class Meta:
        # By cluster, then name: the unique index's order, so a page of a large table is read
        # from the index rather than sorted (ordering by the cluster's name would sort every
        # row for each page).
        ordering = ["cluster_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name=SUBNET_NAME_CONSTRAINT),
            models.CheckConstraint(
                condition=~Q(segment__isnull=False, pool__isnull=False),
                name="subnet_from_segment_or_pool",
                violation_error_message="A subnet is carved from a segment or a pool, not both.",
            ),
        ]
        indexes = [
            models.Index(fields=["family", "window_first_key", "window_last_key"]),
            # Free space of a pool reads CIDRs in address order (planner.services.space);
            # lists sorted by CIDR read their page from it, the slices of one CIDR (a
            # segment's) by where their windows start, which no two share in a family.
            models.Index(fields=["family", "first_key", "last_key", "window_first_key"]),
            models.Index(fields=["segment", "window_first_key"]),
            models.Index(fields=["pool", "first_key"]),
            # A new Subnet's review reads the Subnets of its cluster its CIDR nests with
            # (planner.services.review): by cluster, not every cluster's in the span.
            models.Index(fields=["cluster", "family", "first_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.cluster}/{self.name}"

    @property
    def version(self) -> str:
        """range.version as Hybridnet wants it: a string, derived from the CIDR (SPEC 11.1)."""
        return str(self.family)

    def normalize_addresses(self) -> None:
        super().normalize_addresses()
        network = self.parsed_cidr
        for field in ("gateway", "start", "end"):
            text = getattr(self, field)
            if text:
                setattr(self, field, parse_member_address(field, text, network).text)
        for field in ("reserved_ips", "exclude_ips"):
            self._normalize_address_list(field, network)
        first, last = self._window(network)
        if first > last:
            raise ValidationError({"end": f"end {self.end} is before start {self.start}"})
        self.window_first_key = address_key(network.family, first)
        self.window_last_key = address_key(network.family, last)
        self.capacity = range_total(self.address_range())

    def address_range(self) -> AddressRange:
        """`spec.range` as Hybridnet's objects in ipam/ hold it."""
        return AddressRange(
            version=self.version,
            cidr=self.cidr,
            gateway=self.gateway,
            start=self.start,
            end=self.end,
            reserved_ips=tuple(self.reserved_ips),
            exclude_ips=tuple(self.exclude_ips),
        )

    def _normalize_address_list(self, field: str, network: Cidr) -> None:
        values = getattr(self, field)
        if not isinstance(values, list):
            raise ValidationError({field: "must be a list of IP addresses"})
        canonical = [parse_member_address(field, str(text), network).text for text in values]
        duplicates = sorted(text for text, count in Counter(canonical).items() if count > 1)
        if duplicates:
            raise ValidationError({field: f"listed more than once: {', '.join(duplicates)}"})
        setattr(self, field, canonical)

    def _window(self, network: Cidr) -> tuple[int, int]:
        """start..end with Hybridnet's defaults where they are not written (SPEC 5.1)."""
        first = (
            parse_member_address("start", self.start, network).value
            if self.start
            else default_start(network)
        )
        last = (
            parse_member_address("end", self.end, network).value
            if self.end
            else default_end(network)
        )
        return first, last

    def clean(self) -> None:
        if self.network_id is not None:
            # The object, not only its id: the review reads it next.
            self.cluster = self.network.cluster
        super().clean()
        self._check_source()

    @property
    def window_text(self) -> str:
        return f"{key_to_text(self.window_first_key)}-{key_to_text(self.window_last_key)}"

    def validate_unique(self, exclude=None) -> None:
        """The name is free in the cluster and the window overlaps no other Subnet's, of any
        cluster. A bulk create skips this (validate_unique=False) and asks
        `Subnet.objects.conflicts_with` about all its Subnets at once."""
        if self.cluster_id is None or set(exclude or ()) & STORED_CHECK_INPUTS:
            return
        conflicts = Subnet.objects.conflicts_with([self])
        if conflicts:
            raise conflicts[0]

    def name_taken_error(self) -> ValidationError:
        return ValidationError({"name": f"cluster {self.cluster} already has a subnet {self.name}"})

    def overlap_error(self, other: "Subnet") -> ValidationError:
        return ValidationError(
            f"the address window overlaps subnet {other.name} of cluster {other.cluster} "
            f"({other.cidr}, {other.window_text})"
        )

    def block_overlap_error(self, other: "Subnet") -> ValidationError:
        return ValidationError(
            {
                "cidr": f"{self.cidr} overlaps block {other.name} of cluster {other.cluster} "
                f"({other.cidr}) in pool {self.pool}: a pool's blocks never overlap"
            }
        )

    def validate_constraints(self, exclude=None) -> None:
        """Nothing left to check: clean() checks both constraints in Python (Django would
        spend a query in a savepoint on the segment-or-pool condition)."""

    def _check_source(self) -> None:
        """A segment slice keeps the segment's CIDR, gateway and VLAN ID (as its netID, or
        its Network's) and serves a VLAN Network; a pool block lies inside the pool and
        serves a Network of the pool's purpose."""
        if self.segment_id and self.pool_id:
            raise ValidationError("A subnet is carved from a segment or a pool, not both.")
        if self.segment_id:
            self._check_segment()
        if self.pool_id:
            self._check_pool()

    def _check_segment(self) -> None:
        segment = self.segment
        for field, label in (("cidr", "CIDR"), ("gateway", "gateway")):
            value = getattr(segment, field)
            if getattr(self, field) != value:
                raise ValidationError(
                    {field: f"a slice of segment {segment.name} must use its {label} {value}"}
                )
        if self.network_id is None:
            return
        if self.network.effective_mode != NetworkModeChoices.VLAN:
            raise ValidationError(
                {"network": f"a slice of segment {segment.name} serves a VLAN network"}
            )
        # None either way: Hybridnet's review refuses it (S-3), not a mismatch with the segment.
        net_id = self.network.net_id if self.net_id is None else self.net_id
        if net_id is not None and net_id != segment.vlan_id:
            raise ValidationError(
                {
                    "net_id": f"a slice of segment {segment.name} must have its VLAN ID "
                    f"{segment.vlan_id} as netID"
                }
            )

    def _check_pool(self) -> None:
        pool = self.pool
        if not (
            pool.family == self.family
            and pool.first_key <= self.first_key
            and self.last_key <= pool.last_key
        ):
            raise ValidationError({"cidr": f"{self.cidr} is not inside pool {pool.name}"})
        if self.network_id is None:
            return
        if (
            self.network.type not in POOL_NETWORK_TYPES[pool.purpose]
            or self.network.effective_mode == NetworkModeChoices.VLAN
        ):
            raise ValidationError(
                {
                    "network": f"pool {pool.name} is for {pool.get_purpose_display()} "
                    f"subnets, network {self.network.name} is "
                    f"{self.network.type}/{self.network.effective_mode}"
                }
            )

    def save(self, *args, **kwargs):
        self.cluster_id = self.network.cluster_id
        super().save(*args, **kwargs)
