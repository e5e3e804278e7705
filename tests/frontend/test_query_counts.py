"""A list page, a cluster's page and a run's page cost a fixed number of queries whatever
their length: relations are joined and utilization is measured for the page at once (an N+1
fails here)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from frontend.links import list_url, object_url
from planner.choices import (
    ReservationKindChoices,
    SyncActionChoices,
    SyncOutcomeChoices,
    SyncStateChoices,
)
from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    ObservedIPInstance,
    Reservation,
    Site,
    Subnet,
    SyncRun,
    SyncRunResult,
)
from planner.services.carving import carve_pool, carve_segment
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment

pytestmark = pytest.mark.django_db

LISTED_MODELS = (
    Site,
    NodeSegment,
    AddressPool,
    Node,
    Reservation,
    Cluster,
    Network,
    Subnet,
    SyncRun,
)


def grow(start: int, count: int) -> None:
    """`count` more of everything listed, numbered from `start`."""
    for index in range(start, start + count):
        cluster = make_cluster(f"c{index}")
        cluster.sites.add(Site.objects.create(name=f"site-{index}"))
        segment = make_segment(f"10.{index}.0.0/24", f"10.{index}.0.1", name=f"seg-{index}")
        make_node(segment, f"10.{index}.0.2", name=f"node-{index}", cluster=cluster)
        reservation = Reservation(
            segment=segment, start=f"10.{index}.0.250", kind=ReservationKindChoices.INFRASTRUCTURE
        )
        reservation.full_clean()
        reservation.save()
        underlay = make_network(cluster, "underlay", net_id=0)
        overlay = make_network(cluster, "init", type="Overlay", net_id=4)
        carve_segment(segment, network=underlay, name="slice", size=8)
        pool = make_pool(f"100.{64 + index}.0.0/16", name=f"pool-{index}")
        carve_pool(pool, network=overlay, name="block", prefixlen=24)
        SyncRun.objects.create(cluster=cluster, action=SyncActionChoices.TEST)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("model", LISTED_MODELS, ids=lambda model: model.__name__)
def test_a_list_page_costs_the_same_queries_at_any_length(planner_client, model):
    grow(0, 2)
    few = queries(planner_client, list_url(model))
    grow(2, 10)
    assert queries(planner_client, list_url(model)) == few
    assert model.objects.count() >= 12


def grow_cluster(cluster: Cluster, pool: AddressPool, start: int, count: int) -> None:
    """`count` more networks, blocks, runs (each with results) and observed IPInstances of
    `cluster`, each IPInstance in a Subnet the plan does not know (a conflict each)."""
    for index in range(start, start + count):
        network = make_network(cluster, f"overlay-{index}", type="Overlay", net_id=10 + index)
        carve_pool(pool, network=network, name=f"block-{index}", prefixlen=24)
        run = SyncRun.objects.create(
            cluster=cluster,
            action=SyncActionChoices.PULL,
            state=SyncStateChoices.SUCCEEDED,
            finished_at=timezone.now(),
        )
        SyncRunResult.objects.create(
            run=run, kind="Subnet", name=f"block-{index}", outcome=SyncOutcomeChoices.UNCHANGED
        )
        ObservedIPInstance.objects.create(
            cluster=cluster,
            namespace="default",
            name=f"pod-{index}",
            ip=f"10.99.0.{index + 1}",
            subnet_name=f"by-hand-{index}",
            network_name="by-hand",
            observed_at=timezone.now(),
        )


def test_the_cluster_and_run_pages_cost_the_same_queries_at_any_size(planner_client):
    cluster, pool = make_cluster("big"), make_pool()
    grow_cluster(cluster, pool, 0, 2)
    run = SyncRun.objects.filter(cluster=cluster).first()
    few = queries(planner_client, object_url(cluster))
    few_results = queries(planner_client, object_url(run))
    dashboard = queries(planner_client, "/")
    row = reverse("planner:dashboard_cluster", args=[cluster.pk])
    dashboard_row = queries(planner_client, row)
    grow_cluster(cluster, pool, 2, 10)
    SyncRunResult.objects.bulk_create(
        SyncRunResult(run=run, kind="IPInstance", name=f"ip-{index}", outcome="unchanged")
        for index in range(40)
    )
    assert queries(planner_client, object_url(cluster)) == few
    assert queries(planner_client, object_url(run)) == few_results
    assert queries(planner_client, "/") == dashboard
    assert queries(planner_client, row) == dashboard_row
    page = planner_client.get(object_url(cluster)).content.decode()
    assert "Conflicts (12)" in page


def test_a_segment_and_a_pool_page_cost_the_same_queries_however_many_subnets(planner_client):
    """The IP map reads the subnets in one query and names only those it draws alone; the
    tables below it are paged."""
    clusters = [make_cluster(f"many-{index}") for index in range(3)]
    underlays = [make_network(cluster, "vlan", net_id=0) for cluster in clusters]
    overlays = [make_network(cluster, "init", type="Overlay", net_id=4) for cluster in clusters]
    segment = make_segment("10.40.0.0/16", "10.40.0.1", name="many")
    pool = make_pool("10.64.0.0/10", name="many")

    def grow_subnets(start: int, count: int) -> None:
        for index in range(start, start + count):
            carve_segment(segment, network=underlays[index % 3], name=f"s{index}", size=4)
            carve_pool(pool, network=overlays[index % 3], name=f"b{index}", prefixlen=26)
        # One of each wide enough to be drawn alone.
        carve_segment(segment, network=underlays[0], name=f"wide-slice-{start}", size=512)
        carve_pool(pool, network=overlays[0], name=f"wide-block-{start}", prefixlen=16)

    grow_subnets(0, 3)
    few = queries(planner_client, object_url(segment)), queries(planner_client, object_url(pool))
    grow_subnets(3, 60)
    many = queries(planner_client, object_url(segment)), queries(planner_client, object_url(pool))
    assert many == few


def pulled_clusters(start: int, count: int) -> None:
    for index in range(start, start + count):
        cluster = make_cluster(f"pulled-{index}")
        make_network(cluster, "init", type="Overlay", net_id=4)
        SyncRun.objects.create(
            cluster=cluster,
            action=SyncActionChoices.PULL,
            state=SyncStateChoices.SUCCEEDED,
            finished_at=timezone.now(),
        )


def test_the_dashboard_costs_the_same_queries_however_many_clusters(planner_client):
    """Each cluster's drift and conflicts are its own row's request, not the dashboard's."""
    pulled_clusters(0, 2)
    few = queries(planner_client, "/")
    pulled_clusters(2, 8)
    assert queries(planner_client, "/") == few
    page = planner_client.get("/").content.decode()
    assert page.count('hx-trigger="load"') == Cluster.objects.count() == 10
