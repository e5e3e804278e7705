"""Cluster credentials as stored by Hybridplan, and the API client built from them."""

from dataclasses import dataclass, field

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from planner.kube.constants import TRANSPORT_RETRIES
from planner.kube.errors import InvalidCredentials

# Kubeconfig keys that make the loader read local files or run programs. A
# stored kubeconfig comes from a user of the web app, so it must carry its
# secrets inline (`*-data`, `token`) and may not reach into the server's disk.
_FORBIDDEN_CLUSTER_KEYS = frozenset({"certificate-authority"})
_FORBIDDEN_USER_KEYS = frozenset(
    {"client-certificate", "client-key", "tokenFile", "exec", "auth-provider"}
)


@dataclass(frozen=True)
class ClusterCredentials:
    """How to reach one cluster: a kubeconfig, or a server URL with CA and token.

    When `kubeconfig` is given it is used alone (its current context); otherwise
    `server` with `token` and `ca_pem`. Without `ca_pem` the system's trusted CAs
    verify the server; `insecure_skip_tls_verify` turns verification off.
    """

    server: str = ""
    ca_pem: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    kubeconfig: str | None = field(default=None, repr=False)
    insecure_skip_tls_verify: bool = False

    def __post_init__(self) -> None:
        if not (self.kubeconfig or self.server):
            raise InvalidCredentials("Cluster credentials need a kubeconfig or a server URL.")


def build_api_client(creds: ClusterCredentials) -> client.ApiClient:
    """An ApiClient of its own for these credentials; the global default is untouched."""
    configuration = client.Configuration()
    if creds.kubeconfig:
        _load_kubeconfig(creds.kubeconfig, configuration)
    else:
        configuration.host = creds.server
        configuration.ca_cert_data = creds.ca_pem
        configuration.verify_ssl = not creds.insecure_skip_tls_verify
        if creds.token:
            # The identifier the client's own kubeconfig loader uses too.
            configuration.api_key = {"BearerToken": creds.token}
            configuration.api_key_prefix = {"BearerToken": "Bearer"}
    configuration.retries = urllib3.Retry(total=TRANSPORT_RETRIES, redirect=False)
    return client.ApiClient(configuration)


def _load_kubeconfig(text: str, configuration: client.Configuration) -> None:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidCredentials(f"The kubeconfig is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidCredentials("The kubeconfig is not a YAML mapping.")
    _reject_local_references(document)
    try:
        config.load_kube_config_from_dict(
            document, client_configuration=configuration, persist_config=False
        )
    except ConfigException as exc:
        raise InvalidCredentials(f"The kubeconfig cannot be used: {exc}") from exc


def _reject_local_references(document: dict) -> None:
    for section, inner, forbidden in (
        ("clusters", "cluster", _FORBIDDEN_CLUSTER_KEYS),
        ("users", "user", _FORBIDDEN_USER_KEYS),
    ):
        for entry in document.get(section) or []:
            settings = entry.get(inner) if isinstance(entry, dict) else None
            used = ", ".join(sorted(forbidden.intersection(settings or {})))
            if used:
                raise InvalidCredentials(
                    f"The kubeconfig's {inner} {entry.get('name')!r} uses {used}; stored "
                    "kubeconfigs must carry credentials inline (token, *-data fields)."
                )
