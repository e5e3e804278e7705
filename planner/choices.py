"""Enumerations of the planner's domain; Hybridnet strings are exact-case as in its CRDs."""

from django.db import models

from ipam.constants import DEFAULT_MODE, MODE_TYPE, NetworkType


class IPFamilyChoices(models.IntegerChoices):
    IPV4 = 4, "IPv4"
    IPV6 = 6, "IPv6"


class NetworkTypeChoices(models.TextChoices):
    UNDERLAY = "Underlay", "Underlay"
    OVERLAY = "Overlay", "Overlay"
    GLOBAL_BGP = "GlobalBGP", "GlobalBGP"


class NetworkModeChoices(models.TextChoices):
    VLAN = "VLAN", "VLAN"
    BGP = "BGP", "BGP"
    VXLAN = "VXLAN", "VXLAN"
    GLOBAL_BGP = "GlobalBGP", "GlobalBGP"


# SPEC 2.1 and N-11: the mode an empty spec.mode stands for, and the modes each type takes.
DEFAULT_MODE_FOR_TYPE = DEFAULT_MODE
MODES_FOR_TYPE = {
    network_type: {mode for mode, mode_type in MODE_TYPE.items() if mode_type == network_type}
    for network_type in NetworkType.ALL
}


class DefaultNetworkTypeChoices(models.TextChoices):
    """What Hybridnet's DEFAULT_NETWORK_TYPE is set to in a cluster (SPEC 3)."""

    OVERLAY = "Overlay", "Overlay"
    UNDERLAY = "Underlay", "Underlay"


class PoolPurposeChoices(models.TextChoices):
    OVERLAY = "overlay", "Overlay (VXLAN)"
    UNDERLAY_BGP = "underlay-bgp", "Underlay (BGP)"


class ReservationKindChoices(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", "Infrastructure (becomes excludeIPs)"
    POD = "pod", "Pod (becomes reservedIPs)"


class SyncActionChoices(models.TextChoices):
    TEST = "test", "Test connection"
    PLAN = "plan", "Plan"
    APPLY = "apply", "Apply"
    PULL = "pull", "Pull"
    ADOPT = "adopt", "Adopt"


class SyncStateChoices(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class SyncStatusChoices(models.TextChoices):
    """Whether a cluster holds its plan, as of its last pull (Argo CD's sync status)."""

    SYNCED = "Synced", "Synced"
    OUT_OF_SYNC = "OutOfSync", "OutOfSync"
    UNKNOWN = "Unknown", "Unknown"


class SyncOutcomeChoices(models.TextChoices):
    """What a run did to one object."""

    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    DELETED = "deleted", "Deleted"
    # The cluster refused it: its admission webhook or the API server, with its own text.
    DENIED = "denied", "Denied by the cluster"
    # Another field manager owns a field Hybridplan would change; never forced.
    CONFLICT = "conflict", "Conflict with another field manager"
    FAILED = "failed", "Failed"
    IMPORTED = "imported", "Imported"
    SKIPPED = "skipped", "Skipped"


class BackgroundServiceChoices(models.TextChoices):
    """The services that run the background work, each with a heartbeat that /healthz reads."""

    WORKER = "worker", "Celery worker"
    BEAT = "beat", "Celery beat"


class ConflictKindChoices(models.TextChoices):
    """How what a pull observed contradicts the plan."""

    EXCLUDED = "excluded", "IPInstance on an address the plan keeps from pods"
    RESERVED = "reserved", "IPInstance on an address reserved for another pod"
    OUTSIDE_SUBNET = "outside_subnet", "IPInstance outside its Subnet's planned range"
    UNKNOWN_SUBNET = "unknown_subnet", "IPInstances in a Subnet the plan does not have"
    NODE_ADDRESS = "node_address", "Node address differs from the plan"
    NODE_LABELS = "node_labels", "Node lacks planned labels"


class ChangeSourceChoices(models.TextChoices):
    """The path a change to a planned object came through, kept on each change log entry."""

    API = "api", "API"
    UI = "ui", "Browser UI"
    ADMIN = "admin", "Admin"
    COMMAND = "command", "Management command"
    CARVE = "carve", "Carve"
    BULK = "bulk", "Bulk create"
    ADOPT = "adopt", "Adopt from a cluster"
    APPLY = "apply", "Sync apply"
