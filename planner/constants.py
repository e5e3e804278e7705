"""Limits and fixed values of the planner's domain."""

# Kubernetes object names (DNS-1123 subdomain) and label syntax.
K8S_NAME_MAX_LENGTH = 253
K8S_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
LABEL_NAME_MAX_LENGTH = 63
LABEL_PREFIX_MAX_LENGTH = 253
LABEL_NAME_PATTERN = r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$"

# Text columns holding an address or a CIDR: the longest IPv6 CIDR text is 43 characters.
ADDRESS_TEXT_MAX_LENGTH = 50
NAME_MAX_LENGTH = 100

# An address key is 17 bytes: the IP family, then the address as 16 big-endian bytes, so
# byte order is address order within a family and IPv4 and IPv6 never interleave.
ADDRESS_KEY_LENGTH = 17

# Every CR Hybridplan renders carries this label, so sync can tell its objects from others.
MANAGED_BY_LABELS = {"app.kubernetes.io/managed-by": "hybridplan"}
# The field manager of Hybridplan's server-side applies, which the diff reads back from
# managedFields to tell its own fields from others'.
FIELD_MANAGER = "hybridplan"

# The request id in the change log of the changes a sync run makes: "sync-run-<id>".
SYNC_RUN_REQUEST_ID_PREFIX = "sync-run-"
