"""Celery tasks: thin wrappers that run one recorded sync step, and beat's heartbeat."""

from celery import shared_task

from planner import changelog
from planner.choices import BackgroundServiceChoices, SyncActionChoices
from planner.heartbeat import record_heartbeat
from planner.kube.gateway import KubeGateway
from planner.models import Cluster, SyncRun
from planner.services.clusters import cluster_credentials
from planner.sync.runs import execute_run, queue_run


def _test_connection(run: SyncRun) -> dict:
    with KubeGateway(cluster_credentials(run.cluster)) as gateway:
        return gateway.test_connection()


@shared_task
def test_connection(run_id: int) -> str:
    """Reach the cluster: its server version and whether the Hybridnet CRDs are installed."""
    return execute_run(run_id, _test_connection).state


def start_test_connection(cluster: Cluster) -> SyncRun:
    return queue_run(cluster, SyncActionChoices.TEST, test_connection.delay)


@shared_task
def record_beat_heartbeat() -> None:
    """Sent by beat on its schedule (CELERY_BEAT_SCHEDULE): beat is alive, and a worker runs
    what it sends."""
    record_heartbeat(BackgroundServiceChoices.BEAT)


@shared_task
def prune_changes() -> int:
    """Sent daily by beat (CELERY_BEAT_SCHEDULE): deletes the change log entries older than
    CHANGELOG_RETENTION_DAYS; returns how many."""
    return changelog.prune_changes()
