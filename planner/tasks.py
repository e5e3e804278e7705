"""Celery tasks: thin wrappers that run one recorded sync step, and beat's heartbeat."""

from celery import shared_task
from django.contrib.auth.base_user import AbstractBaseUser

from planner.choices import BackgroundServiceChoices, SyncActionChoices
from planner.heartbeat import record_heartbeat
from planner.kube.gateway import KubeGateway
from planner.models import Cluster, SyncRun
from planner.services.clusters import cluster_credentials
from planner.sync.adopt import adopt as adopt_live_objects
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


def _adopt(run: SyncRun) -> dict:
    with KubeGateway(cluster_credentials(run.cluster)) as gateway:
        return adopt_live_objects(run, gateway)


@shared_task
def adopt(run_id: int) -> str:
    """Import the cluster's live Networks, Subnets and Nodes into its plan."""
    return execute_run(run_id, _adopt).state


def start_adopt(cluster: Cluster, requested_by: AbstractBaseUser | None = None) -> SyncRun:
    return queue_run(cluster, SyncActionChoices.ADOPT, adopt.delay, requested_by=requested_by)


# What starts each action a request can ask for: it records the queued run and answers it.
STARTERS = {
    SyncActionChoices.ADOPT: start_adopt,
}


@shared_task
def record_beat_heartbeat() -> None:
    """Sent by beat on its schedule (CELERY_BEAT_SCHEDULE): beat is alive, and a worker runs
    what it sends."""
    record_heartbeat(BackgroundServiceChoices.BEAT)
