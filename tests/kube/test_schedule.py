"""Scheduled sync: beat's tick queues a sync of each due cluster; an unreachable cluster fails
its own run and no other."""

from datetime import timedelta

import pytest
from django.utils import timezone

from planner.choices import SyncActionChoices, SyncStateChoices
from planner.models import Cluster, SyncRun
from planner.services.carving import carve_segment
from planner.services.clusters import register_local_cluster
from planner.sync.schedule import due_clusters
from planner.tasks import queue_due_syncs
from tests.kube.test_tasks import wait_for
from tests.planner.factories import make_cluster, make_network, make_segment

UNUSED_PORT_URL = "https://127.0.0.1:1"
INTERVAL_S = 300


def with_sync(cluster: Cluster, **values) -> Cluster:
    values = {"sync_enabled": True, "sync_interval_seconds": INTERVAL_S, **values}
    Cluster.objects.filter(pk=cluster.pk).update(**values)
    cluster.refresh_from_db()
    return cluster


def pulled(cluster: Cluster, ago_s: int, state=SyncStateChoices.SUCCEEDED) -> None:
    run = SyncRun.objects.create(cluster=cluster, action=SyncActionChoices.PULL, state=state)
    SyncRun.objects.filter(pk=run.pk).update(created=timezone.now() - timedelta(seconds=ago_s))


@pytest.mark.django_db
def test_due_clusters_are_those_whose_interval_passed_since_their_last_pull():
    def registered(name: str) -> Cluster:
        cluster = make_cluster(name)
        cluster.api_server_url, cluster.credentials = "https://127.0.0.1:6443", '{"token": "t"}'
        cluster.save()
        return cluster

    never = with_sync(registered("never-pulled"))
    stale = with_sync(registered("stale"))
    pulled(stale, ago_s=INTERVAL_S + 1)
    fresh = with_sync(registered("fresh"))
    pulled(fresh, ago_s=INTERVAL_S - 10)
    busy = with_sync(registered("busy"))
    pulled(busy, ago_s=INTERVAL_S * 2, state=SyncStateChoices.RUNNING)
    with_sync(make_cluster("no-credentials"))
    registered("sync-off")

    due = {cluster.name for cluster in due_clusters(timezone.now())}

    assert due == {never.name, stale.name}
    assert fresh.name not in due and busy.name not in due


@pytest.mark.kube
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_tick_syncs_every_due_cluster_and_the_unreachable_one_fails_alone(
    celery_worker, kube_clusters
):
    live_a, live_b = kube_clusters
    prod_a = with_sync(register_local_cluster("prod-a", live_a.credentials), sync_applies=True)
    network = make_network(prod_a, "underlay-1", net_id=0)
    carve_segment(make_segment(), network=network, name="slice-a", size=10)
    with_sync(register_local_cluster("prod-b", live_b.credentials))
    gone = with_sync(register_local_cluster("gone", live_a.credentials))
    Cluster.objects.filter(pk=gone.pk).update(api_server_url=UNUSED_PORT_URL)

    assert queue_due_syncs() == 3

    runs = {(run.cluster.name, run.action): wait_for(run) for run in SyncRun.objects.all()}
    assert set(runs) == {
        ("prod-a", SyncActionChoices.APPLY),
        ("prod-a", SyncActionChoices.PULL),
        ("prod-b", SyncActionChoices.PULL),
        ("gone", SyncActionChoices.PULL),
    }
    apply_a = runs["prod-a", SyncActionChoices.APPLY]
    assert apply_a.state == SyncStateChoices.SUCCEEDED, apply_a.error
    pull_a = runs["prod-a", SyncActionChoices.PULL]
    assert pull_a.state == SyncStateChoices.SUCCEEDED, pull_a.error
    # The pull came after the apply, and saw what it created.
    assert pull_a.started_at >= apply_a.finished_at
    assert pull_a.summary["networks"] == 1 and pull_a.summary["subnets"] == 1
    assert runs["prod-b", SyncActionChoices.PULL].state == SyncStateChoices.SUCCEEDED
    failed = runs["gone", SyncActionChoices.PULL]
    assert failed.state == SyncStateChoices.FAILED and "127.0.0.1:1" in failed.error
    # Nothing is due again until the interval has passed.
    assert queue_due_syncs() == 0
