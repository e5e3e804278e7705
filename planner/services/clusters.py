"""Clusters' stored credentials, and registering a cluster Hybridplan can reach."""

import json

from django.db import transaction

from planner.kube.credentials import ClusterCredentials
from planner.kube.errors import InvalidCredentials
from planner.models import Cluster

# Stored credentials are a kubeconfig (YAML), or this JSON form beside api_server_url.
TOKEN_KEY = "token"
CA_KEY = "ca_pem"


def credentials_text(token: str, ca_pem: str | None) -> str:
    return json.dumps({TOKEN_KEY: token, CA_KEY: ca_pem})


def cluster_credentials(cluster: Cluster) -> ClusterCredentials:
    """What the Kubernetes gateway needs to reach `cluster`, from its encrypted fields."""
    text = cluster.credentials.strip()
    if not text:
        raise InvalidCredentials(f"cluster {cluster.name} has no credentials stored")
    if text.startswith("{"):
        try:
            stored = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidCredentials(f"cluster {cluster.name}: credentials JSON: {error}") from None
        if not cluster.api_server_url:
            raise InvalidCredentials(f"cluster {cluster.name} has a token but no API server URL")
        return ClusterCredentials(
            server=cluster.api_server_url, token=stored.get(TOKEN_KEY), ca_pem=stored.get(CA_KEY)
        )
    return ClusterCredentials(kubeconfig=text)


@transaction.atomic
def register_local_cluster(name: str, credentials: ClusterCredentials) -> Cluster:
    """Point the cluster named `name` (created if new) at a harness cluster."""
    cluster = Cluster.objects.filter(name=name).first() or Cluster(name=name)
    cluster.api_server_url = credentials.server
    cluster.credentials = credentials_text(credentials.token or "", credentials.ca_pem)
    cluster.full_clean()
    cluster.save()
    return cluster
