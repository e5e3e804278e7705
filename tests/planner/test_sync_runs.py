"""A run's record around the work a worker does for it."""

import pytest

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
