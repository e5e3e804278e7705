"""What `make run` does with the demo: the local cluster registered with --sync gets the demo
plan applied and its state pulled, so a newcomer sees a live cluster at once."""

import pytest

from planner.choices import SyncActionChoices, SyncOutcomeChoices, SyncStateChoices
from planner.demo import DEMO_NODES, UNDERLAY_LABEL, load_demo
from planner.kube.gateway import KubeGateway
from planner.services.clusters import cluster_credentials, register_local_cluster
from planner.sync.plan import plan_cluster
from planner.tasks import keep_in_sync
from tests.kube.test_tasks import wait_for

pytestmark = [pytest.mark.kube, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

REFUSED = (SyncOutcomeChoices.DENIED, SyncOutcomeChoices.CONFLICT, SyncOutcomeChoices.FAILED)


def test_the_demo_plan_is_applied_and_pulled(celery_worker, kube_cluster):
    summary = load_demo()
    kube_cluster.create_nodes([{"name": name, "ip": ip} for name, ip, _ in DEMO_NODES])
    cluster = register_local_cluster(summary.cluster.name, kube_cluster.credentials)

    apply_run, pull_run = (wait_for(run) for run in keep_in_sync(cluster))

    assert apply_run.action == SyncActionChoices.APPLY and pull_run.action == SyncActionChoices.PULL
    assert apply_run.state == SyncStateChoices.SUCCEEDED, apply_run.error
    assert not apply_run.results.filter(outcome__in=REFUSED).exists()
    assert pull_run.state == SyncStateChoices.SUCCEEDED, pull_run.error
    assert pull_run.summary["subnets"] == summary.subnets
    cluster.refresh_from_db()
    assert cluster.sync_enabled and cluster.sync_applies
    with KubeGateway(cluster_credentials(cluster)) as gateway:
        assert plan_cluster(cluster, gateway).in_sync
        labels = {node["metadata"]["name"]: node["metadata"].get("labels") or {}
                  for node in gateway.list_nodes()}  # fmt: skip
    labelled = [name for name, _ip, node_labels in DEMO_NODES if node_labels == UNDERLAY_LABEL]
    assert all(UNDERLAY_LABEL.items() <= labels[name].items() for name in labelled)
