"""Hybridnet's limits, label keys and enumerations (SPEC §2, §3, §4.9)."""

API_VERSION = "networking.alibaba.com/v1"

# Address families, as the planner names them.
IPV4 = 4
IPV6 = 6
FAMILY_BITS = {IPV4: 32, IPV6: 128}
FAMILY_NAMES = {IPV4: "IPv4", IPV6: "IPv6"}

# `range.version` as written in a Subnet (a string in the CRD).
VERSION_IPV4 = "4"
VERSION_IPV6 = "6"
VERSION_FAMILY = {VERSION_IPV4: IPV4, VERSION_IPV6: IPV6}

# S-9: the webhook's capacity limit (`MaxSubnetCapacity = 1 << 16`).
MAX_SUBNET_CAPACITY = 1 << 16

# §4.9: values the daemon accepts at runtime (not checked by the webhook).
VLAN_ID_MIN = 0
VLAN_ID_MAX = 4094
VXLAN_VNI_MIN = 1
VXLAN_VNI_MAX = 16_777_215
INT32_MAX = 2_147_483_647

# Labels written by hybridnet-manager on IPInstances (§2.3).
LABEL_SUBNET = "networking.alibaba.com/subnet"
LABEL_NETWORK = "networking.alibaba.com/network"
LABEL_NODE = "networking.alibaba.com/node"


class Kind:
    NETWORK = "Network"
    SUBNET = "Subnet"
    IPINSTANCE = "IPInstance"
    NODE = "Node"

    ALL = (NETWORK, SUBNET, IPINSTANCE, NODE)
    # §3: only these two are routed to the validating webhook.
    WEBHOOK = (NETWORK, SUBNET)


class NetworkType:
    UNDERLAY = "Underlay"
    OVERLAY = "Overlay"
    GLOBAL_BGP = "GlobalBGP"

    ALL = (UNDERLAY, OVERLAY, GLOBAL_BGP)


class NetworkMode:
    VLAN = "VLAN"
    BGP = "BGP"
    VXLAN = "VXLAN"
    GLOBAL_BGP = "GlobalBGP"

    ALL = (VLAN, BGP, VXLAN, GLOBAL_BGP)


# §2.1: the mode an empty `spec.mode` stands for, per effective type.
DEFAULT_MODE = {
    NetworkType.UNDERLAY: NetworkMode.VLAN,
    NetworkType.OVERLAY: NetworkMode.VXLAN,
    NetworkType.GLOBAL_BGP: NetworkMode.GLOBAL_BGP,
}

# N-11: the only type each mode may be used with.
MODE_TYPE = {
    NetworkMode.BGP: NetworkType.UNDERLAY,
    NetworkMode.VLAN: NetworkType.UNDERLAY,
    NetworkMode.VXLAN: NetworkType.OVERLAY,
    NetworkMode.GLOBAL_BGP: NetworkType.GLOBAL_BGP,
}


class Operation:
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
