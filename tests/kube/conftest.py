"""Real kube-apiservers for the tests marked `kube`.

Two clusters start once per session (a few seconds, in parallel) and are
reset before each `kube` test, which is much cheaper than a fresh cluster.
"""

from collections.abc import Iterator

import pytest

from planner.kube.localcluster import (
    HarnessError,
    LocalCluster,
    apiserver_binary,
    etcd_binary,
    start_many,
)

SESSION_CLUSTERS = 2


@pytest.fixture(scope="session")
def kube_clusters() -> Iterator[list[LocalCluster]]:
    try:
        apiserver_binary()
        etcd_binary()
    except HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    clusters = start_many(SESSION_CLUSTERS, prefix="pytest")
    yield clusters
    for cluster in clusters:
        cluster.stop()


@pytest.fixture
def kube_cluster(kube_clusters: list[LocalCluster]) -> LocalCluster:
    return kube_clusters[0]


@pytest.fixture(autouse=True)
def _reset_kube_clusters(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("kube") is None:
        return
    for cluster in request.getfixturevalue("kube_clusters"):
        cluster.reset()
