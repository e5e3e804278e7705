"""Enumerations of the planner's domain; Hybridnet strings are exact-case as in its CRDs."""

from django.db import models


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


# SPEC 2.1: the mode a type gets when none is written; we always write it explicitly.
DEFAULT_MODE_FOR_TYPE = {
    NetworkTypeChoices.UNDERLAY: NetworkModeChoices.VLAN,
    NetworkTypeChoices.OVERLAY: NetworkModeChoices.VXLAN,
    NetworkTypeChoices.GLOBAL_BGP: NetworkModeChoices.GLOBAL_BGP,
}

# SPEC 4.1 N-11: the only mode each type accepts.
MODES_FOR_TYPE = {
    NetworkTypeChoices.UNDERLAY: {NetworkModeChoices.VLAN, NetworkModeChoices.BGP},
    NetworkTypeChoices.OVERLAY: {NetworkModeChoices.VXLAN},
    NetworkTypeChoices.GLOBAL_BGP: {NetworkModeChoices.GLOBAL_BGP},
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
