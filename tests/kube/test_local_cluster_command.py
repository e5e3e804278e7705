"""`manage.py local_cluster`, run as the demo runs it: in the foreground until SIGTERM."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from planner.kube.credentials import ClusterCredentials
from planner.kube.gateway import KubeGateway

pytestmark = pytest.mark.kube

MANAGE_PY = Path(__file__).resolve().parents[2] / "manage.py"
EXPORT_PREFIX = "export KUBECONFIG="
STOP_TIMEOUT_S = 30


def test_runs_until_sigterm_with_the_given_nodes(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text(yaml.safe_dump([
        {"name": "node-1", "ip": "192.168.56.2", "labels": {"network": "underlay1"}},
        {"name": "node-2", "ip": "192.168.56.3"},
    ]))  # fmt: skip
    command = subprocess.Popen(
        [sys.executable, str(MANAGE_PY), "local_cluster", "--name=demo", f"--nodes={nodes}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        kubeconfig = _kubeconfig_announced(command)

        gateway = KubeGateway(ClusterCredentials(kubeconfig=kubeconfig.read_text()))
        labels = {n["metadata"]["name"]: n["metadata"].get("labels") for n in gateway.list_nodes()}
        assert labels == {"node-1": {"network": "underlay1"}, "node-2": None}
    finally:
        command.send_signal(signal.SIGTERM)
        rest, _ = command.communicate(timeout=STOP_TIMEOUT_S)

    assert command.returncode == 0, rest
    assert "Cluster 'demo' stopped." in rest
    assert not kubeconfig.parent.exists()


def _kubeconfig_announced(command: subprocess.Popen) -> Path:
    # The harness gives up after its start-up deadline, so this loop ends.
    for line in command.stdout:
        if line.startswith(EXPORT_PREFIX):
            return Path(line.removeprefix(EXPORT_PREFIX).strip())
    pytest.fail("local_cluster exited before printing the kubeconfig")
