"""The heartbeats of the background services, which /healthz reads to tell whether they run.

A Celery worker records its own on the worker's timer (a bootstep, which hybridplan/celery.py
adds to every worker). Beat records one as it starts, then sends a task on a schedule
(CELERY_BEAT_SCHEDULE) for a worker to record it: beat's heartbeat is fresh only while beat
sends and some worker runs what it sends.
"""

import logging

from celery import bootsteps
from celery.signals import beat_init
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from planner.choices import BackgroundServiceChoices
from planner.models import Heartbeat

logger = logging.getLogger(__name__)


def record_heartbeat(service: BackgroundServiceChoices) -> None:
    Heartbeat.objects.update_or_create(service=service, defaults={"beaten_at": timezone.now()})


def _record_outside_a_task(service: BackgroundServiceChoices) -> None:
    """From a process that serves no requests and runs no task here, so that nothing else
    closes its database connection: a failure is logged (the heartbeat then goes stale and
    /healthz tells), never raised into Celery's own loop."""
    try:
        record_heartbeat(service)
    except DatabaseError as error:
        logger.warning("%s heartbeat not recorded: %s", service.label, error)
    finally:
        close_old_connections()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Records the worker's heartbeat as it starts and every HEALTHZ_WORKER_HEARTBEAT_S."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker) -> None:
        _record_outside_a_task(BackgroundServiceChoices.WORKER)
        self.timer_entry = worker.timer.call_repeatedly(
            settings.HEALTHZ_WORKER_HEARTBEAT_S,
            _record_outside_a_task,
            (BackgroundServiceChoices.WORKER,),
        )

    def stop(self, worker) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()


@beat_init.connect
def record_beat_start(sender, **kwargs) -> None:
    """Beat's first scheduled heartbeat is an interval away: the start is one already."""
    _record_outside_a_task(BackgroundServiceChoices.BEAT)
