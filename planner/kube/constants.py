"""Names, limits and timeouts for talking to Hybridnet clusters."""

from dataclasses import dataclass
from typing import NamedTuple

GROUP = "networking.alibaba.com"
VERSION = "v1"
API_VERSION = f"{GROUP}/{VERSION}"


@dataclass(frozen=True)
class ResourceKind:
    kind: str
    plural: str
    namespaced: bool

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{GROUP}"


NETWORK = ResourceKind("Network", "networks", namespaced=False)
SUBNET = ResourceKind("Subnet", "subnets", namespaced=False)
IPINSTANCE = ResourceKind("IPInstance", "ipinstances", namespaced=True)
HYBRIDNET_KINDS = {k.kind: k for k in (NETWORK, SUBNET, IPINSTANCE)}
# Hybridplan owns Networks and Subnets; IPInstances belong to hybridnet-manager.
APPLYABLE_KINDS = frozenset({NETWORK.kind, SUBNET.kind})


class Timeout(NamedTuple):
    """Seconds to wait for a TCP connection, then for each read of the answer."""

    connect: float
    read: float


# A cluster that does not accept a connection within a few seconds is down;
# reads get longer because a page of 500 IPInstances can take a moment to encode.
DEFAULT_TIMEOUT = Timeout(connect=5.0, read=30.0)
# No transport retries inside the client: callers (Celery tasks) retry with
# backoff, and retrying here as well would multiply the time bound above.
TRANSPORT_RETRIES = 0

DEFAULT_PAGE_SIZE = 500

APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
