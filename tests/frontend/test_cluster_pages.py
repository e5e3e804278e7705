"""The cluster page's buttons and the run page: who sees and may press them, what a press
starts, the refusal of a second apply, a run's diff, results and live part. (The badges
against a real apiserver are in tests/kube/test_cluster_pages.py.)"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from frontend.links import object_url
from planner.choices import SyncActionChoices, SyncOutcomeChoices, SyncStateChoices
from planner.models import Cluster, ObservedIPInstance, SyncRun, SyncRunResult
from planner.roles import OPERATOR, VIEWER, assign_role
from planner.services import conflicts
from tests.frontend.conftest import PASSWORD

OPERATE_ACTIONS = ["test", "plan", "apply", "pull", "adopt"]
BUTTONS = ["Test connection", "Plan", "Pull now", "Adopt", ">Apply<"]


def signed_in(client, name: str, role: str, clusters=()):
    user = User.objects.create_user(name, password=PASSWORD)
    assign_role(user, role, clusters)
    client.force_login(user)
    return client


def run_url(cluster: Cluster, action: str) -> str:
    return reverse("planner:cluster_run", args=[cluster.pk, action])


@pytest.fixture
def clusters(plan) -> tuple[Cluster, Cluster]:
    return plan["clusters"]


def test_an_operator_sees_the_buttons_and_a_viewer_does_not(client, clusters):
    prod_a, _ = clusters
    operator = signed_in(client, "op", OPERATOR)
    page = operator.get(object_url(prod_a)).content.decode()
    assert all(button in page for button in BUTTONS)
    viewer = signed_in(client, "viewer", VIEWER)
    page = viewer.get(object_url(prod_a)).content.decode()
    assert not any(button in page for button in BUTTONS)


@pytest.mark.parametrize("action", OPERATE_ACTIONS)
def test_a_viewer_and_an_operator_of_another_cluster_get_403(client, clusters, action):
    prod_a, prod_b = clusters
    viewer = signed_in(client, "viewer", VIEWER)
    assert viewer.post(run_url(prod_a, action)).status_code == 403
    assert viewer.get(reverse("planner:cluster_apply", args=[prod_a.pk])).status_code == 403
    limited = signed_in(client, "op-b", OPERATOR, [prod_b])
    assert limited.post(run_url(prod_a, action)).status_code == 403
    assert not SyncRun.objects.exists()
    page = limited.get(object_url(prod_a)).content.decode()
    assert not any(button in page for button in BUTTONS)
    assert "Pull now" in limited.get(object_url(prod_b)).content.decode()


def test_signed_out_is_sent_to_sign_in(client, clusters):
    response = client.post(run_url(clusters[0], "plan"))
    assert response.status_code == 302 and reverse("planner:login") in response["Location"]
    assert not SyncRun.objects.exists()


def test_an_unknown_action_is_404(client, clusters):
    operator = signed_in(client, "op", OPERATOR)
    assert operator.post(run_url(clusters[0], "destroy")).status_code == 404


def test_a_start_queues_the_run_and_shows_it(client, clusters):
    prod_a, _ = clusters
    operator = signed_in(client, "op", OPERATOR)
    response = operator.post(run_url(prod_a, "plan"))
    run = SyncRun.objects.get()
    assert (run.cluster, run.action, run.state) == (prod_a, "plan", SyncStateChoices.QUEUED)
    assert run.requested_by.username == "op"
    assert response.status_code == 302 and response["Location"] == object_url(run)
    page = operator.get(response["Location"]).content.decode()
    assert f"Plan of prod-a queued as run {run.pk}" in page
    # A queued run's live part polls; GET only, no write.
    assert 'hx-trigger="every 1s"' in page


def test_a_second_apply_shows_the_refusal_naming_the_running_run(client, clusters):
    prod_a, _ = clusters
    operator = signed_in(client, "op", OPERATOR)
    operator.post(run_url(prod_a, "apply"))
    first = SyncRun.objects.get()
    response = operator.post(run_url(prod_a, "apply"), follow=True)
    assert SyncRun.objects.count() == 1
    assert response.redirect_chain == [(object_url(prod_a), 302)]
    page = response.content.decode()
    assert f"run {first.pk} (apply of cluster prod-a) is queued already" in page


def plan_run(cluster: Cluster, **fields) -> SyncRun:
    summary = {
        "summary": "1 to create, 1 to update, 0 to replace, 0 to delete, 1 blocked",
        "changes": [
            {
                "action": "create",
                "kind": "Subnet",
                "name": "slice-a",
                "fields": {"spec.range.start": {"before": None, "after": "192.168.56.2"}},
                "reason": "",
                "blocked_by": [],
            },
            {
                "action": "update",
                "kind": "Subnet",
                "name": "slice-b",
                "fields": {"spec.config.private": {"before": True, "after": False}},
                "reason": "",
                "blocked_by": [],
            },
            {
                "action": "delete",
                "kind": "Subnet",
                "name": "old",
                "fields": {},
                "reason": "no longer planned",
                "blocked_by": ["192.168.56.40"],
            },
        ],
    }
    return SyncRun.objects.create(
        cluster=cluster, action=SyncActionChoices.PLAN, summary=summary, **fields
    )


def test_the_run_page_shows_a_plan_as_a_diff_and_the_results(reader_client, clusters):
    run = plan_run(
        clusters[0],
        state=SyncStateChoices.SUCCEEDED,
        done=3,
        total=3,
        finished_at=timezone.now(),
        error="",
    )
    SyncRunResult.objects.create(
        run=run,
        kind="Subnet",
        name="slice-a",
        outcome=SyncOutcomeChoices.FAILED,
        message="admission webhook denied the request: overlap",
    )
    page = reader_client.get(object_url(run)).content.decode()
    assert "1 to create, 1 to update, 0 to replace, 0 to delete, 1 blocked" in page
    assert '<tr class="create">' in page and '<tr class="update">' in page
    assert '<tr class="blocked">' in page and "in use by 192.168.56.40" in page
    assert "spec.config.private: <del>true</del> → <ins>false</ins>" in page
    assert "spec.range.start: <del>(none)</del> → <ins>&quot;192.168.56.2&quot;</ins>" in page
    assert "admission webhook denied the request: overlap" in page
    # An ended run does not poll.
    assert "hx-trigger" not in page


def test_htmx_gets_the_live_part_alone_and_it_stops_polling_at_the_end(reader_client, clusters):
    run = SyncRun.objects.create(
        cluster=clusters[0], action="apply", state=SyncStateChoices.RUNNING, done=2, total=8
    )
    live = reader_client.get(object_url(run), headers={"HX-Request": "true"}).content.decode()
    assert 'id="run-live"' in live
    assert "<html" not in live and 'hx-trigger="every 1s"' in live
    assert 'aria-valuenow="2"' in live and 'style="width: 25%"' in live
    SyncRun.objects.filter(pk=run.pk).update(
        state=SyncStateChoices.FAILED, error="line one\nline two of the full error"
    )
    live = reader_client.get(object_url(run), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in live and "line one\nline two of the full error" in live


def test_the_apply_confirmation_names_what_the_recent_plan_changes(client, clusters):
    prod_a, _ = clusters
    operator = signed_in(client, "op", OPERATOR)
    confirm = reverse("planner:cluster_apply", args=[prod_a.pk])
    page = operator.get(confirm).content.decode()
    assert "plan first to see what will change" in page and "Plan again" in page
    run = plan_run(prod_a, state=SyncStateChoices.SUCCEEDED, finished_at=timezone.now())
    page = operator.get(confirm).content.decode()
    assert f"plan run {run.pk}" in page and "slice-b" in page
    assert run_url(prod_a, "apply") in page and not SyncRun.objects.filter(action="apply")
    # An old plan is not offered as what will change.
    SyncRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(hours=1))
    assert "plan first" in operator.get(confirm).content.decode()


def test_the_edit_form_sets_the_schedule(planner_client, clusters):
    prod_a, _ = clusters
    response = planner_client.post(
        object_url(prod_a, "edit"),
        {
            "name": prod_a.name,
            "default_network_type": prod_a.default_network_type,
            "sync_enabled": "on",
            "sync_interval_seconds": 600,
            "sync_applies": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    prod_a.refresh_from_db()
    assert (prod_a.sync_enabled, prod_a.sync_interval_seconds, prod_a.sync_applies) == (
        True,
        600,
        True,
    )
    page = planner_client.get(object_url(prod_a)).content.decode()
    assert "apply and pull every 600 s" in page


def test_drift_and_conflicts_need_the_permissions_the_api_asks(client, clusters):
    """As GET /api/clusters/{id}/conflicts/: viewing observed IPInstances, Subnets and Nodes
    besides the cluster; the cluster's page still opens without them."""
    prod_a, _ = clusters
    SyncRun.objects.create(
        cluster=prod_a,
        action=SyncActionChoices.PULL,
        state=SyncStateChoices.SUCCEEDED,
        finished_at=timezone.now(),
    )
    ObservedIPInstance.objects.create(
        cluster=prod_a,
        namespace="default",
        name="pod-x",
        ip="10.99.0.1",
        subnet_name="by-hand",
        network_name="by-hand",
        observed_at=timezone.now(),
    )
    cluster_reader = User.objects.create_user("cluster-reader")
    cluster_reader.user_permissions.add(Permission.objects.get(codename="view_cluster"))
    client.force_login(cluster_reader)
    page = client.get(object_url(prod_a)).content.decode()
    assert "by-hand" not in page and "needs the view permissions" in page
    rows = [reverse("planner:dashboard_cluster", args=[cluster.pk]) for cluster in clusters]
    assert client.get(rows[0]).context["conflicts"] is None
    viewer = signed_in(client, "viewer", VIEWER)
    assert (
        "subnet by-hand, which the plan does not have"
        in viewer.get(object_url(prod_a)).content.decode()
    )
    # prod-b was never pulled: its conflicts are not known.
    assert [viewer.get(row).context["conflicts"] for row in rows] == [1, None]


def test_a_test_connection_run_shows_what_it_found(reader_client, clusters):
    run = SyncRun.objects.create(
        cluster=clusters[0],
        action=SyncActionChoices.TEST,
        state=SyncStateChoices.SUCCEEDED,
        summary={"server_version": "v1.20.2", "crds_installed": {"Subnet": True}},
    )
    page = reader_client.get(object_url(run)).content.decode()
    assert "<th>server_version</th><td><code>&quot;v1.20.2&quot;</code>" in page
    assert "{&quot;Subnet&quot;: true}" in page


def test_a_subnets_page_lists_its_own_conflicts_up_to_the_limit(reader_client, plan, monkeypatch):
    """Its own IPInstances' conflicts, never cut short by other Subnets' (each kind of
    conflict lists at most MAX_CONFLICTS_LISTED), and a note where its own were cut."""
    monkeypatch.setattr(conflicts, "MAX_CONFLICTS_LISTED", 1)
    prod_a, _ = plan["clusters"]
    slice_a, block = plan["slices"][0], plan["block"]
    SyncRun.objects.create(
        cluster=prod_a,
        action=SyncActionChoices.PULL,
        state=SyncStateChoices.SUCCEEDED,
        finished_at=timezone.now(),
    )
    for name, ip, subnet in (
        ("on-the-gateway", "192.168.56.1", slice_a.name),
        ("outside-1", "10.99.0.1", block.name),
        ("outside-2", "10.99.0.2", block.name),
    ):
        ObservedIPInstance.objects.create(
            cluster=prod_a,
            namespace="default",
            name=name,
            ip=ip,
            subnet_name=subnet,
            network_name="n",
            observed_at=timezone.now(),
        )

    slice_page = conflicts_part(reader_client.get(object_url(slice_a)))
    block_page = conflicts_part(reader_client.get(object_url(block)))

    assert "192.168.56.1 is outside the planned range of subnet slice-a" in slice_page
    assert "192.168.56.1 is the gateway of subnet slice-a, the gateway of segment" in slice_page
    assert "outside-1" not in slice_page and "the last pull saw more" not in slice_page
    assert "outside-1" in block_page and "on-the-gateway" not in block_page
    assert "outside-2" not in block_page and "the last pull saw more" in block_page


def conflicts_part(page) -> str:
    """A Subnet page's drift and conflicts panel."""
    html = page.content.decode()
    return html[html.index('id="subnet-drift"') : html.index("Observed IPInstances")]
