"""KubeGateway against real kube-apiservers: every operation, and every failure."""

import dataclasses
import socket
import time
from collections.abc import Iterator

import pytest
from kubernetes import client

from planner.constants import FIELD_MANAGER
from planner.kube.constants import GROUP, MERGE_PATCH, SUBNET, VERSION, Timeout
from planner.kube.credentials import ClusterCredentials, build_api_client
from planner.kube.errors import (
    AuthenticationFailed,
    ClusterUnreachable,
    FieldManagerConflict,
    InvalidObject,
    ObjectNotFound,
    RequestDenied,
    TlsVerificationFailed,
)
from planner.kube.gateway import KubeGateway
from planner.kube.localcluster import LocalCluster
from tests.kube.factories import ipinstance, network, subnet

pytestmark = pytest.mark.kube

SHORT_TIMEOUT = Timeout(connect=1.0, read=1.0)
# Time allowed on top of the timeout for Python and the loopback.
SLACK_S = 2.0


@pytest.fixture
def gateway(kube_cluster: LocalCluster) -> Iterator[KubeGateway]:
    with KubeGateway(kube_cluster.credentials) as gateway:
        yield gateway


def _managers(obj: dict) -> set[tuple[str, str]]:
    return {(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]}


def test_test_connection_reports_version_and_crds(gateway: KubeGateway) -> None:
    info = gateway.test_connection()

    assert info["server_version"] == "v1.20.2"
    assert info["crds_installed"] == {"Network": True, "Subnet": True, "IPInstance": True}
    assert info["server"] == gateway.server


def test_apply_creates_with_our_field_manager(gateway: KubeGateway) -> None:
    created, changed = gateway.apply(subnet("s1", gateway="10.0.0.1"))

    assert changed
    assert created["spec"]["range"]["gateway"] == "10.0.0.1"
    assert (FIELD_MANAGER, "Apply") in _managers(created)


def test_second_identical_apply_changes_nothing(gateway: KubeGateway) -> None:
    first, _ = gateway.apply(network("net1"))

    second, changed = gateway.apply(network("net1"))

    assert not changed
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


def test_apply_with_a_new_value_updates(gateway: KubeGateway) -> None:
    gateway.apply(subnet("s1", gateway="10.0.0.1"))

    updated, changed = gateway.apply(subnet("s1", gateway="10.0.0.254"))

    assert changed
    assert updated["spec"]["range"]["gateway"] == "10.0.0.254"


def test_apply_reports_other_field_manager_and_does_not_force(
    gateway: KubeGateway, kube_cluster: LocalCluster
) -> None:
    gateway.apply(subnet("s1", gateway="10.0.0.1"))
    # Someone edits the gateway with another tool, which takes ownership of it.
    client.CustomObjectsApi(build_api_client(kube_cluster.credentials)).patch_cluster_custom_object(
        GROUP,
        VERSION,
        SUBNET.plural,
        "s1",
        {"spec": {"range": {"gateway": "10.0.0.254"}}},
        field_manager="ops-console",
        _content_type=MERGE_PATCH,
    )

    with pytest.raises(FieldManagerConflict) as caught:
        gateway.apply(subnet("s1", gateway="10.0.0.1"))

    assert caught.value.conflicts == {"ops-console": [".spec.range.gateway"]}
    assert '.spec.range.gateway owned by "ops-console"' in str(caught.value)
    [stored] = gateway.list_subnets()
    assert stored["spec"]["range"]["gateway"] == "10.0.0.254"


def test_apply_of_an_invalid_object_gives_the_schema_error(gateway: KubeGateway) -> None:
    bad = subnet("bad")
    del bad["spec"]["range"]

    with pytest.raises(InvalidObject, match="spec.range: Required value"):
        gateway.apply(bad)


@pytest.mark.parametrize(
    "obj",
    [
        {**subnet("s1"), "kind": "IPInstance"},
        {**subnet("s1"), "apiVersion": "v1"},
        {**subnet("s1"), "metadata": {}},
    ],
)
def test_apply_refuses_what_hybridplan_does_not_own(gateway: KubeGateway, obj: dict) -> None:
    with pytest.raises(ValueError):
        gateway.apply(obj)


def test_list_networks_and_subnets_with_status(gateway: KubeGateway) -> None:
    gateway.apply(network("net1"))
    gateway.apply(subnet("s1"))
    gateway.apply(subnet("s2", cidr="10.0.1.0/24"))
    usage = {"total": 253, "used": 3, "available": 250, "lastAllocatedIP": "10.0.0.4"}
    gateway.write_status("Subnet", "s1", usage)

    subnets = {s["metadata"]["name"]: s for s in gateway.list_subnets()}

    assert [n["metadata"]["name"] for n in gateway.list_networks()] == ["net1"]
    assert subnets.keys() == {"s1", "s2"}
    assert subnets["s1"]["status"] == usage
    assert "status" not in subnets["s2"]


def test_ipinstances_of_three_namespaces_listed_completely_in_pages(
    gateway: KubeGateway, kube_cluster: LocalCluster
) -> None:
    expected = set()
    for namespace_index, namespace in enumerate(("team-a", "team-b", "team-c")):
        kube_cluster.create_namespace(namespace)
        for host in range(1, 10):
            obj = ipinstance(f"10.{namespace_index}.0.{host}")
            gateway.create_ipinstance(namespace, obj)
            expected.add((namespace, obj["metadata"]["name"]))

    pages = list(gateway.ipinstance_pages(page_size=10))
    listed = [
        (i["metadata"]["namespace"], i["metadata"]["name"]) for i in gateway.list_ipinstances(10)
    ]

    assert [len(page) for page in pages] == [10, 10, 7]
    assert len(listed) == len(expected) == 27
    assert set(listed) == expected


def test_create_ipinstance_in_a_missing_namespace(gateway: KubeGateway) -> None:
    with pytest.raises(ObjectNotFound, match='namespaces "nowhere" not found'):
        gateway.create_ipinstance("nowhere", ipinstance("10.0.0.5"))


def test_ipinstance_status_is_written_in_its_namespace(
    gateway: KubeGateway, kube_cluster: LocalCluster
) -> None:
    kube_cluster.create_namespace("team-a")
    gateway.create_ipinstance("team-a", ipinstance("10.0.0.5"))

    gateway.write_status("IPInstance", "10-0-0-5", {"podName": "web-0"}, namespace="team-a")

    [listed] = gateway.list_ipinstances()
    assert listed["status"] == {"podName": "web-0"}


def test_list_nodes_and_patch_their_labels(
    gateway: KubeGateway, kube_cluster: LocalCluster
) -> None:
    kube_cluster.create_nodes(
        [
            {"name": "node-a", "ip": "192.168.56.2", "labels": {"zone": "a", "old": "x"}},
            {"name": "node-b", "ip": "192.168.56.3"},
        ]
    )

    labels = gateway.patch_node_labels("node-a", {"network": "underlay1", "old": None})

    assert labels == {"zone": "a", "network": "underlay1"}
    nodes = {n["metadata"]["name"]: n for n in gateway.list_nodes()}
    assert nodes.keys() == {"node-a", "node-b"}
    assert nodes["node-a"]["metadata"]["labels"] == labels
    assert nodes["node-b"]["status"]["addresses"] == [
        {"type": "InternalIP", "address": "192.168.56.3"}
    ]


def test_patch_labels_of_a_missing_node(gateway: KubeGateway) -> None:
    with pytest.raises(ObjectNotFound, match='nodes "ghost" not found'):
        gateway.patch_node_labels("ghost", {"a": "b"})


def test_delete(gateway: KubeGateway) -> None:
    gateway.apply(subnet("s1"))

    gateway.delete("Subnet", "s1")

    assert gateway.list_subnets() == []
    with pytest.raises(ObjectNotFound, match='subnets.networking.alibaba.com "s1" not found'):
        gateway.delete("Subnet", "s1")


def test_clusters_are_independent(kube_clusters: list[LocalCluster]) -> None:
    first, second = (KubeGateway(c.credentials) for c in kube_clusters)

    first.apply(subnet("only-in-first"))

    assert [s["metadata"]["name"] for s in first.list_subnets()] == ["only-in-first"]
    assert second.list_subnets() == []


def test_kubeconfig_credentials(kube_cluster: LocalCluster) -> None:
    creds = ClusterCredentials(kubeconfig=kube_cluster.kubeconfig_path.read_text())

    with KubeGateway(creds) as gateway:
        assert gateway.server == kube_cluster.server
        assert gateway.test_connection()["server_version"] == "v1.20.2"


def test_bad_token_is_an_authentication_error(kube_cluster: LocalCluster) -> None:
    creds = dataclasses.replace(kube_cluster.credentials, token="not-the-token")

    with pytest.raises(AuthenticationFailed, match="did not accept the credentials"):
        KubeGateway(creds).list_subnets()


def test_token_of_another_cluster_is_refused(kube_clusters: list[LocalCluster]) -> None:
    first, second = kube_clusters
    creds = dataclasses.replace(second.credentials, token=first.token)

    with pytest.raises(AuthenticationFailed):
        KubeGateway(creds).test_connection()


def test_denied_request_carries_the_server_text(kube_cluster: LocalCluster) -> None:
    with pytest.raises(RequestDenied) as caught:
        KubeGateway(kube_cluster.restricted_credentials).list_subnets()

    assert caught.value.status == 403
    assert 'User "restricted" cannot list resource "subnets"' in str(caught.value)


def test_connection_test_passes_for_a_user_rbac_grants_nothing(kube_cluster: LocalCluster) -> None:
    # Version and discovery are open to every authenticated user, so a test
    # connection succeeds; what the user may do shows only on the first request.
    gateway = KubeGateway(kube_cluster.restricted_credentials)

    assert all(gateway.test_connection()["crds_installed"].values())
    with pytest.raises(RequestDenied):
        gateway.apply(subnet("s1"))


def test_certificate_not_signed_by_the_stored_ca(kube_clusters: list[LocalCluster]) -> None:
    first, second = kube_clusters
    creds = dataclasses.replace(first.credentials, ca_pem=second.ca_pem)

    with pytest.raises(TlsVerificationFailed, match="CERTIFICATE_VERIFY_FAILED"):
        KubeGateway(creds).list_subnets()


def test_server_that_never_answers_times_out(kube_cluster: LocalCluster) -> None:
    # The kernel accepts the connection, but nobody ever speaks TLS on it.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        server = f"https://127.0.0.1:{silent.getsockname()[1]}"
        gateway = KubeGateway(
            dataclasses.replace(kube_cluster.credentials, server=server), timeout=SHORT_TIMEOUT
        )
        started = time.monotonic()

        answer = "no answer in time: 1 s to connect and shake hands, 1 s to answer"
        with pytest.raises(ClusterUnreachable, match=answer):
            gateway.list_subnets()

    assert time.monotonic() - started < SHORT_TIMEOUT.connect + SHORT_TIMEOUT.read + SLACK_S
