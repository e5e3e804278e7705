"""The local-cluster harness: start, verify, reset, stop."""

import os
import stat
import time

import pytest
from kubernetes import client

from planner.kube.constants import DEFAULT_TIMEOUT, GROUP, HYBRIDNET_KINDS, VERSION
from planner.kube.credentials import build_api_client
from planner.kube.errors import ClusterUnreachable, CrdsMissing
from planner.kube.gateway import KubeGateway
from planner.kube.localcluster import BUILD_SCRIPT, HarnessError, LocalCluster, apiserver_binary
from tests.kube.factories import ipinstance, network, subnet

# Connection refused is immediate; this only guards against a hang.
UNREACHABLE_WITHIN_S = 5.0
FINALIZER = "networking.alibaba.com/ip-allocated"
CRD_DELETION_TIMEOUT_S = 30.0
POLL_S = 0.2


@pytest.mark.kube
def test_stopped_cluster_is_unreachable_and_cleaned_up() -> None:
    with LocalCluster("lifecycle") as cluster:
        creds, workdir = cluster.credentials, cluster.workdir
        assert KubeGateway(creds).test_connection()["server_version"] == "v1.20.2"
        assert stat.S_IMODE(cluster.kubeconfig_path.stat().st_mode) == 0o600

    started = time.monotonic()
    with pytest.raises(ClusterUnreachable, match="connection refused"):
        KubeGateway(creds).list_subnets()
    assert time.monotonic() - started < UNREACHABLE_WITHIN_S
    assert not workdir.exists()


@pytest.mark.kube
def test_cluster_without_hybridnet_crds() -> None:
    with LocalCluster("no-crds") as cluster:
        _delete_crds(cluster)
        gateway = KubeGateway(cluster.credentials)

        assert gateway.test_connection()["crds_installed"] == {
            "Network": False,
            "Subnet": False,
            "IPInstance": False,
        }
        with pytest.raises(CrdsMissing, match="are the Hybridnet CRDs"):
            gateway.list_subnets()


def _delete_crds(cluster: LocalCluster) -> None:
    """Delete the Hybridnet CRDs and wait until the apiserver's cleanup is done."""
    extensions = client.ApiextensionsV1Api(build_api_client(cluster.credentials))
    for kind in HYBRIDNET_KINDS.values():
        extensions.delete_custom_resource_definition(kind.crd_name)
    deadline = time.monotonic() + CRD_DELETION_TIMEOUT_S
    while extensions.list_custom_resource_definition().items:
        assert time.monotonic() < deadline, "CRDs still present"
        time.sleep(POLL_S)


@pytest.mark.kube
def test_clusters_of_a_session_are_distinct(kube_clusters: list[LocalCluster]) -> None:
    first, second = kube_clusters

    assert first.server != second.server
    assert first.token != second.token
    assert first.kubeconfig_path != second.kubeconfig_path


@pytest.mark.kube
def test_reset_removes_everything_the_tests_made(kube_cluster: LocalCluster) -> None:
    gateway = KubeGateway(kube_cluster.credentials)
    gateway.apply(network("net1"))
    gateway.apply(subnet("s1"))
    kube_cluster.create_namespace("team-a")
    held = ipinstance("10.0.0.9")
    held["metadata"]["finalizers"] = [FINALIZER]  # as hybridnet-manager sets it
    gateway.create_ipinstance("team-a", held)
    kube_cluster.create_nodes([{"name": "node-a"}])

    kube_cluster.reset()

    assert gateway.list_networks() == gateway.list_subnets() == gateway.list_nodes() == []
    assert list(gateway.list_ipinstances()) == []
    kube_cluster.create_namespace("team-a")  # gone for good, not left Terminating


@pytest.mark.kube
def test_crds_are_structural_with_status_and_columns(kube_cluster: LocalCluster) -> None:
    extensions = client.ApiextensionsV1Api(build_api_client(kube_cluster.credentials))

    for kind in HYBRIDNET_KINDS.values():
        crd = extensions.read_custom_resource_definition(
            kind.crd_name, _request_timeout=DEFAULT_TIMEOUT
        )
        [version] = crd.spec.versions
        conditions = {c.type: c.status for c in crd.status.conditions}
        assert (crd.spec.group, version.name) == (GROUP, VERSION)
        assert crd.spec.scope == ("Namespaced" if kind.namespaced else "Cluster")
        assert conditions["Established"] == "True"
        assert conditions.get("NonStructuralSchema") is None
        assert version.subresources.status == {}
        assert version.additional_printer_columns


def test_missing_binary_names_the_build_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBE_APISERVER_BIN", "/nonexistent/kube-apiserver")

    with pytest.raises(HarnessError) as caught:
        apiserver_binary()

    assert str(caught.value) == (
        f"kube-apiserver not found at /nonexistent/kube-apiserver: run {BUILD_SCRIPT}"
    )


def test_binary_defaults_to_the_build_cache(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    binary = tmp_path / "kube-apiserver-v1.20.2"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.delenv("KUBE_APISERVER_BIN", raising=False)
    monkeypatch.setenv("HYBRIDPLAN_K8S_CACHE", os.fspath(tmp_path))

    assert apiserver_binary() == binary
