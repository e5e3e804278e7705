"""The manifests Hybridplan renders are accepted by a real API server, as `kubectl apply`
would send them, and pass the offline review against the cluster's planned state."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from planner.models import Cluster
from planner.services.manifests import cluster_manifests, to_yaml
from tests.kube.test_kubectl import _kubectl

pytestmark = [pytest.mark.kube, pytest.mark.django_db]
REVIEW_TIMEOUT_S = 60
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_yaml(tmp_path):
    call_command("load_demo")
    manifests = cluster_manifests(Cluster.objects.get())
    path = tmp_path / "plan.yaml"
    path.write_text(to_yaml(manifests.objects, manifests.node_labels))
    return path


def test_server_side_dry_run_accepts_the_demo_plan(kube_cluster, demo_yaml):
    output = _kubectl(
        kube_cluster, "apply", "--server-side", "--dry-run=server", "-f", str(demo_yaml)
    )
    assert output.splitlines() == [
        "network.networking.alibaba.com/init serverside-applied (server dry run)",
        "network.networking.alibaba.com/underlay-network1 serverside-applied (server dry run)",
        "subnet.networking.alibaba.com/init serverside-applied (server dry run)",
        "subnet.networking.alibaba.com/underlay-subnet1 serverside-applied (server dry run)",
    ]


def test_offline_review_admits_the_demo_plan_on_an_empty_cluster(demo_yaml, tmp_path):
    state = tmp_path / "state.yaml"
    state.write_text(yaml.safe_dump_all([]))
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "hybridnet_review",
            "--state",
            str(state),
            "-o",
            "json",
            str(demo_yaml),
        ],
        capture_output=True,
        text=True,
        timeout=REVIEW_TIMEOUT_S,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["allowed"] is True
    assert [(r["kind"], r["operation"]) for r in report["results"]] == [
        ("Network", "CREATE"),
        ("Network", "CREATE"),
        ("Subnet", "CREATE"),
        ("Subnet", "CREATE"),
    ]
