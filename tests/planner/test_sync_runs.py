"""A run's record around the work a worker does for it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from planner.choices import SyncActionChoices, SyncStateChoices
from planner.models import SyncRun
from planner.sync.runs import execute_run
from tests.planner.factories import make_cluster

pytestmark = pytest.mark.django_db


def test_a_message_delivered_again_after_its_run_ended_does_nothing():
    run = SyncRun.objects.create(
        cluster=make_cluster(),
        action=SyncActionChoices.APPLY,
        state=SyncStateChoices.SUCCEEDED,
        summary={"outcomes": {"created": 3}},
    )
    worked = []

    again = execute_run(run.pk, lambda run: worked.append(run) or {})

    assert worked == []
    run.refresh_from_db()
    assert (again.state, run.state) == (SyncStateChoices.SUCCEEDED, SyncStateChoices.SUCCEEDED)
    assert run.summary == {"outcomes": {"created": 3}}


def test_a_run_being_worked_on_is_not_worked_on_by_a_second_delivery():
    run = SyncRun.objects.create(cluster=make_cluster(), action=SyncActionChoices.PULL)
    second = []

    def first(claimed: SyncRun) -> dict:
        # The same message delivered again while this delivery works on the run.
        execute_run(claimed.pk, lambda run: second.append(run) or {})
        return {"pulled": 1}

    done = execute_run(run.pk, first)

    assert second == []
    assert (done.state, done.summary) == (SyncStateChoices.SUCCEEDED, {"pulled": 1})


def test_a_delivery_takes_over_a_run_whose_worker_stopped_beating(settings):
    long_ago = timezone.now() - timedelta(seconds=settings.SYNC_RUN_STALE_S + 60)
    run = SyncRun.objects.create(
        cluster=make_cluster(),
        action=SyncActionChoices.PULL,
        state=SyncStateChoices.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )

    done = execute_run(run.pk, lambda run: {"pulled": 2})

    assert (done.state, done.summary) == (SyncStateChoices.SUCCEEDED, {"pulled": 2})
    assert done.started_at > long_ago
