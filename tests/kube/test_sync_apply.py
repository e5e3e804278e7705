"""Plan and apply against real kube-apiservers, run by a real Celery worker: the CRs land in
both clusters as planned, a second apply changes nothing, and each fault is that object's
outcome (or the run's, when the cluster goes away)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from kubernetes import client

from hybridplan.celery import app as celery_app
from planner.choices import SyncActionChoices, SyncOutcomeChoices, SyncStateChoices
from planner.kube.constants import GROUP, MERGE_PATCH, SUBNET, VERSION
from planner.kube.credentials import ClusterCredentials, build_api_client
from planner.kube.gateway import KubeGateway
from planner.models import Cluster, Network, Subnet, SyncRun
from planner.services.carving import carve_segment
from planner.services.clusters import cluster_credentials, register_local_cluster
from planner.services.manifests import cluster_manifests
from planner.services.networks import delete_network
from planner.services.subnets import delete_subnet
from planner.sync.diff import ChangeAction
from planner.sync.plan import plan_cluster
from planner.sync.runs import RunInProgressError, reap_stale_runs
from planner.tasks import (
    apply_cluster_run,
    reap_stale_sync_runs,
    start_apply,
    start_plan,
)
from tests.celery_worker import WorkerProcess
from tests.kube.admission_webhook import DenyingWebhook
from tests.kube.factories import ipinstance, subnet
from tests.kube.tcp_proxy import TcpProxy
from tests.kube.test_kubectl import _kubectl, _table
from tests.kube.test_tasks import run_here, wait_for
from tests.planner.factories import (
    bulk_overlay_blocks,
    make_cluster,
    make_network,
    make_node,
    make_segment,
)

pytestmark = [pytest.mark.kube, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

SELECTOR = {"network": "underlay-1"}
# Hybridnet's own words for an overlapping Subnet (SPEC S-13).
OVERLAP_DENIAL = "overlap with existing subnet slice-a"
# Enough Subnets that an apply takes a while: the proxy is stopped in the middle of it.
MANY_BLOCKS = 600
POLL_S = 0.02
MID_RUN_TIMEOUT_S = 60


@pytest.fixture
def planned(kube_clusters):
    """Two clusters sharing one node segment, each with an Underlay Network and a slice of
    the segment, and one node whose labels its Network's selector needs."""
    segment = make_segment()
    clusters = []
    for index, (name, live) in enumerate(zip(("prod-a", "prod-b"), kube_clusters, strict=True)):
        cluster = register_local_cluster(name, live.credentials)
        network = make_network(cluster, "underlay-1", net_id=0, node_selector=SELECTOR)
        node = make_node(segment, f"192.168.56.{10 + index}", name=f"node-{name}", cluster=cluster)
        node.labels = SELECTOR
        node.save()
        live.create_nodes([{"name": node.name, "ip": node.ip}])
        carve_segment(segment, network=network, name=f"slice-{name[-1]}", size=50)
        clusters.append(cluster)
    return clusters


def gateway_of(cluster: Cluster) -> KubeGateway:
    return KubeGateway(cluster_credentials(cluster))


def apply_here(cluster: Cluster) -> SyncRun:
    return run_here(cluster, SyncActionChoices.APPLY)


def outcomes(run: SyncRun) -> dict[tuple[str, str], str]:
    return {(r.kind, r.name): r.outcome for r in run.results.all()}


def test_plan_apply_and_reapply_two_clusters(celery_worker, kube_clusters, planned):
    prod_a, prod_b = planned

    plan = wait_for(start_plan(prod_a))
    assert plan.state == SyncStateChoices.SUCCEEDED, plan.error
    assert plan.summary["summary"] == (
        "2 to create, 1 to update, 0 to replace, 0 to delete, 0 blocked"
    )
    assert "  + Subnet slice-a" in plan.summary["text"]
    assert 'metadata.labels.network: (none) -> "underlay-1"' in plan.summary["text"]

    runs = [wait_for(start_apply(cluster)) for cluster in planned]

    for run, cluster, live in zip(runs, planned, kube_clusters, strict=True):
        assert run.state == SyncStateChoices.SUCCEEDED, run.error
        suffix = cluster.name[-1]
        assert outcomes(run) == {
            ("Network", "underlay-1"): SyncOutcomeChoices.CREATED,
            ("Subnet", f"slice-{suffix}"): SyncOutcomeChoices.CREATED,
            ("Node", f"node-{cluster.name}"): SyncOutcomeChoices.UPDATED,
        }
        assert (run.done, run.total) == (3, 3)
        with gateway_of(cluster) as gateway:
            [subnet] = gateway.list_subnets()
            [node] = gateway.list_nodes()
        planned_subnet = cluster_manifests(cluster).objects[1]
        assert subnet["spec"] == planned_subnet["spec"]
        assert node["metadata"]["labels"]["network"] == "underlay-1"
        [row] = _table(_kubectl(live, "get", "subnets"))
        assert (row["NAME"], row["NETWORK"], row["START"]) == (
            f"slice-{suffix}",
            "underlay-1",
            planned_subnet["spec"]["range"]["start"],
        )
        assert not Subnet.objects.filter(cluster=cluster, applied_at=None).exists()
        assert not Network.objects.filter(cluster=cluster, applied_at=None).exists()
    # The two slices of one segment do not overlap.
    a_end = cluster_manifests(prod_a).objects[1]["spec"]["range"]["end"]
    b_start = cluster_manifests(prod_b).objects[1]["spec"]["range"]["start"]
    assert int(a_end.rsplit(".", 1)[1]) < int(b_start.rsplit(".", 1)[1])

    with gateway_of(prod_a) as gateway:
        version = gateway.list_subnets()[0]["metadata"]["resourceVersion"]
        again = wait_for(start_apply(prod_a))
        assert set(outcomes(again).values()) == {SyncOutcomeChoices.UNCHANGED}
        assert gateway.list_subnets()[0]["metadata"]["resourceVersion"] == version


def test_delete_of_a_subnet_with_live_ips_is_blocked_naming_them(kube_clusters, planned):
    prod_a = planned[0]
    apply_here(prod_a)
    kube_clusters[0].create_namespace("pods")
    # In address order .9 comes first; as text, .12 would.
    in_use = ("192.168.56.9", "192.168.56.12")
    with gateway_of(prod_a) as gateway:
        for ip in reversed(in_use):
            gateway.create_ipinstance("pods", ipinstance(ip, 24, subnet_name="slice-a"))
        delete_subnet(Subnet.objects.get(cluster=prod_a, name="slice-a"))

        [change] = [c for c in plan_cluster(prod_a, gateway).changes if c.kind == "Subnet"]
        assert (change.action, change.blocked_by) == (ChangeAction.DELETE, in_use)
        assert "still used by 2 IPInstance(s): 192.168.56.9, 192.168.56.12" in change.reason

        run = apply_here(prod_a)
        [result] = run.results.filter(kind="Subnet")
        assert result.outcome == SyncOutcomeChoices.SKIPPED
        assert result.message == change.reason
        assert [s["metadata"]["name"] for s in gateway.list_subnets()] == ["slice-a"]


def test_objects_gone_from_the_plan_are_deleted_children_first_others_left_alone(planned):
    prod_a = planned[0]
    apply_here(prod_a)
    with gateway_of(prod_a) as gateway:
        gateway.apply(subnet("by-hand", cidr="10.9.0.0/24", network_name="elsewhere"))
        delete_subnet(Subnet.objects.get(cluster=prod_a))
        delete_network(Network.objects.get(cluster=prod_a))
        changes = plan_cluster(prod_a, gateway).changes
        assert [(c.action, c.name) for c in changes if c.kind != "Node"] == [
            (ChangeAction.DELETE, "underlay-1"),
            (ChangeAction.UNMANAGED, "by-hand"),
            (ChangeAction.DELETE, "slice-a"),
        ]

        run = apply_here(prod_a)

        assert [(r.kind, r.name, r.outcome) for r in run.results.exclude(kind="Node")] == [
            ("Subnet", "slice-a", SyncOutcomeChoices.DELETED),
            ("Network", "underlay-1", SyncOutcomeChoices.DELETED),
        ]
        assert [s["metadata"]["name"] for s in gateway.list_subnets()] == ["by-hand"]
        assert gateway.list_networks() == []


def test_an_immutable_field_edited_after_apply_is_a_replacement(planned):
    prod_a = planned[0]
    apply_here(prod_a)
    subnet = Subnet.objects.get(cluster=prod_a, name="slice-a")
    Subnet.objects.filter(pk=subnet.pk).update(exclude_ips=[subnet.end])

    with gateway_of(prod_a) as gateway:
        [change] = [c for c in plan_cluster(prod_a, gateway).changes if c.kind == "Subnet"]
        assert change.action == ChangeAction.REPLACE
        assert change.field_changes()["spec.range.excludeIPs"] == {
            "before": None,
            "after": [subnet.end],
            "rule": "SU-8",
        }
        assert "pods on the Subnet" in change.reason

        run = apply_here(prod_a)
        assert outcomes(run)[("Subnet", "slice-a")] == SyncOutcomeChoices.SKIPPED
        assert "excludeIPs" not in gateway.list_subnets()[0]["spec"]["range"]


def test_a_field_owned_by_another_manager_is_a_conflict_not_forced(kube_clusters, planned):
    prod_a = planned[0]
    apply_here(prod_a)
    custom = client.CustomObjectsApi(build_api_client(kube_clusters[0].credentials))
    custom.patch_cluster_custom_object(
        GROUP,
        VERSION,
        SUBNET.plural,
        "slice-a",
        {"spec": {"config": {"private": False}}},
        field_manager="ops-console",
        _content_type=MERGE_PATCH,
    )
    Subnet.objects.filter(cluster=prod_a, name="slice-a").update(private=True)

    run = apply_here(prod_a)

    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    [result] = run.results.filter(kind="Subnet")
    assert result.outcome == SyncOutcomeChoices.CONFLICT
    assert '.spec.config.private owned by "ops-console"' in result.message
    assert result.changes["spec.config.private"] == {"before": False, "after": True}
    with gateway_of(prod_a) as gateway:
        assert gateway.list_subnets()[0]["spec"]["config"] == {"private": False}


def test_a_webhook_denial_is_that_objects_outcome_and_the_others_apply(
    celery_worker, kube_clusters, planned
):
    prod_b = planned[1]
    network = Network.objects.get(cluster=prod_b)
    carve_segment(network.subnets.get().segment, network=network, name="slice-a", size=10)
    webhook = DenyingWebhook({"slice-a": OVERLAP_DENIAL})
    webhook.register(kube_clusters[1])
    try:
        run = wait_for(start_apply(prod_b))
    finally:
        webhook.unregister(kube_clusters[1])
        webhook.close()

    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    denied = run.results.get(name="slice-a")
    assert denied.outcome == SyncOutcomeChoices.DENIED
    assert OVERLAP_DENIAL in denied.message
    assert outcomes(run)[("Subnet", "slice-b")] == SyncOutcomeChoices.CREATED
    with gateway_of(prod_b) as gateway:
        assert [s["metadata"]["name"] for s in gateway.list_subnets()] == ["slice-b"]


def test_a_second_apply_of_a_cluster_is_refused_while_one_is_active(celery_worker, planned):
    prod_a = planned[0]
    first = start_apply(prod_a)

    with pytest.raises(RunInProgressError) as refused:
        start_apply(prod_a)

    assert refused.value.run == first.pk
    assert f"run {first.pk} (apply of cluster prod-a) is" in refused.value.message
    assert wait_for(first).state == SyncStateChoices.SUCCEEDED
    assert wait_for(start_apply(prod_a)).state == SyncStateChoices.SUCCEEDED
    assert SyncRun.objects.filter(cluster=prod_a, action=SyncActionChoices.APPLY).count() == 2


def wait_until_mid_apply(run: SyncRun) -> None:
    """Until the worker's apply `run` has applied some of the MANY_BLOCKS, not all."""
    deadline = time.monotonic() + MID_RUN_TIMEOUT_S
    while not (run.done and run.done < MANY_BLOCKS) and time.monotonic() < deadline:
        time.sleep(POLL_S)
        run.refresh_from_db()
    assert 0 < run.done < MANY_BLOCKS, "the apply was not caught in the middle"


def test_a_cluster_stopped_mid_apply_is_retried_then_failed_and_a_later_apply_completes(
    celery_worker, kube_clusters
):
    live = kube_clusters[0]
    proxy = TcpProxy(live.server).start()
    try:
        cluster = register_local_cluster(
            "far", ClusterCredentials(server=proxy.server, ca_pem=live.ca_pem, token=live.token)
        )
        overlay = make_network(cluster, "overlay", type="Overlay", net_id=4)
        bulk_overlay_blocks(overlay, MANY_BLOCKS)

        run = start_apply(cluster)
        wait_until_mid_apply(run)
        proxy.stop()

        failed = wait_for(run)
        assert failed.state == SyncStateChoices.FAILED
        assert "unreachable" in failed.error
        assert "gave up after 4 attempts" in failed.error

        proxy.start()
        later = wait_for(start_apply(cluster))
    finally:
        proxy.stop()

    assert later.state == SyncStateChoices.SUCCEEDED, later.error
    assert later.results.count() == MANY_BLOCKS + 1
    done = outcomes(later)
    assert SyncOutcomeChoices.CREATED in done.values()
    assert SyncOutcomeChoices.UNCHANGED in done.values()  # what the first attempt did
    with KubeGateway(live.credentials) as gateway:
        names = [s["metadata"]["name"] for s in gateway.list_subnets()]
    assert sorted(names) == sorted(f"block-{index}" for index in range(MANY_BLOCKS))


def test_a_pull_while_an_apply_runs_reads_the_cluster_as_it_is_and_both_finish(
    celery_worker, kube_clusters
):
    cluster = register_local_cluster("busy", kube_clusters[0].credentials)
    overlay = make_network(cluster, "overlay", type="Overlay", net_id=4)
    bulk_overlay_blocks(overlay, MANY_BLOCKS)

    apply = start_apply(cluster)
    wait_until_mid_apply(apply)
    # The pull runs here, beside the worker's apply: a pull is not held up by an apply.
    during = run_here(cluster, SyncActionChoices.PULL)

    assert during.state == SyncStateChoices.SUCCEEDED, during.error
    assert 0 < during.summary["subnets"] <= MANY_BLOCKS
    assert wait_for(apply).state == SyncStateChoices.SUCCEEDED, apply.error
    assert set(outcomes(apply).values()) == {SyncOutcomeChoices.CREATED}
    after = run_here(cluster, SyncActionChoices.PULL)
    assert after.summary["subnets"] == MANY_BLOCKS
    assert cluster.observed_subnets.count() == MANY_BLOCKS


def test_a_worker_killed_in_the_middle_of_an_apply_leaves_a_run_the_reaper_fails(
    celery_worker, kube_clusters, tmp_path, settings
):
    cluster = register_local_cluster("doomed", kube_clusters[0].credentials)
    bulk_overlay_blocks(make_network(cluster, "overlay", type="Overlay", net_id=4), MANY_BLOCKS)
    # A worker of its own, on a queue of its own, to kill; the session's worker goes on.
    session_queue = celery_app.conf.task_default_queue
    doomed = WorkerProcess(tmp_path / "doomed-worker.log").start()
    celery_app.conf.task_default_queue = session_queue
    try:
        run = SyncRun.objects.create(cluster=cluster, action=SyncActionChoices.APPLY)
        apply_cluster_run.apply_async((run.pk,), queue=doomed.queue)
        wait_until_mid_apply(run)
        doomed.process.kill()
        doomed.process.wait()
    finally:
        doomed.stop()
    run.refresh_from_db()
    assert run.state == SyncStateChoices.RUNNING  # nobody is left to end it

    settings.SYNC_RUN_STALE_S = 0
    assert reap_stale_runs() == 1

    run.refresh_from_db()
    assert run.state == SyncStateChoices.FAILED
    assert "stopped sending heartbeats" in run.error
    assert wait_for(start_apply(cluster)).state == SyncStateChoices.SUCCEEDED


def test_the_reaper_fails_only_runs_whose_heartbeat_stopped(celery_worker, settings):
    cluster = make_cluster("lost")
    long_ago = timezone.now() - timedelta(seconds=settings.SYNC_RUN_STALE_S + 60)
    dead = SyncRun.objects.create(
        cluster=cluster,
        action=SyncActionChoices.APPLY,
        state=SyncStateChoices.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    alive = SyncRun.objects.create(
        cluster=cluster,
        action=SyncActionChoices.PLAN,
        state=SyncStateChoices.RUNNING,
        started_at=long_ago,
        heartbeat_at=timezone.now(),
    )

    assert reap_stale_sync_runs.delay().get(timeout=30) == 1

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == SyncStateChoices.FAILED and dead.finished_at is not None
    assert "stopped sending heartbeats" in dead.error
    assert alive.state == SyncStateChoices.RUNNING
    # A new apply of the cluster is no longer held up by the dead one: it runs (and ends,
    # this cluster having no credentials, before the test does: the worker must not write
    # while the tables are emptied).
    assert "no credentials" in wait_for(start_apply(cluster)).error
