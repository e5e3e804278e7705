"""`manage.py cluster ACTION NAME --wait`, as a pipeline runs it: a real worker carries out the
run against a real apiserver; the exit status tells in sync (0), changes (2), failure (1)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from planner.choices import SyncStateChoices
from planner.models import Cluster, SyncRun
from planner.services.carving import carve_segment
from planner.services.clusters import register_local_cluster
from tests.kube.test_tasks import wait_for
from tests.planner.factories import make_network, make_segment

pytestmark = [pytest.mark.kube, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

EXIT_FAILED, EXIT_CHANGES = 1, 2
UNUSED_PORT_URL = "https://127.0.0.1:1"


def cluster_command(*args: str) -> tuple[int, str]:
    """The command's exit status and what it printed."""
    out = StringIO()
    try:
        call_command("cluster", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def planned_cluster(kube_cluster) -> Cluster:
    cluster = register_local_cluster("prod-a", kube_cluster.credentials)
    network = make_network(cluster, "underlay-1", net_id=0, node_selector={"rack": "r1"})
    carve_segment(make_segment(), network=network, name="slice-a", size=10)
    return cluster


def test_plan_apply_plan_exit_statuses(celery_worker, planned_cluster):
    status, text = cluster_command("plan", "prod-a", "--wait")
    assert status == EXIT_CHANGES
    assert "+ Network underlay-1" in text and "+ Subnet slice-a" in text
    assert "2 to create, 0 to update, 0 to replace, 0 to delete, 0 blocked" in text

    status, text = cluster_command("apply", "prod-a", "--wait")
    assert status == 0, text
    assert "created Network underlay-1" in text and "created Subnet slice-a" in text

    status, text = cluster_command("plan", "prod-a", "--wait", "-o", "json")
    assert status == 0, text
    report = json.loads(text)
    assert report["state"] == "succeeded" and report["summary"]["in_sync"] is True


def test_without_wait_it_only_queues(celery_worker, planned_cluster):
    status, text = cluster_command("plan", "prod-a")
    assert status == 0
    run = SyncRun.objects.get()
    assert text.startswith(f"run {run.pk} queued")
    # The worker carries it out all the same (and is done with it before the test ends).
    assert wait_for(run).state == SyncStateChoices.SUCCEEDED


def test_an_unreachable_cluster_exits_1_with_the_reason(celery_worker, planned_cluster):
    Cluster.objects.filter(pk=planned_cluster.pk).update(api_server_url=UNUSED_PORT_URL)
    status, text = cluster_command("test", "prod-a", "--wait")
    assert status == EXIT_FAILED
    assert "failed" in text and "127.0.0.1:1" in text


def test_an_unknown_cluster_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no cluster is named 'nowhere'"):
        call_command("cluster", "plan", "nowhere")
