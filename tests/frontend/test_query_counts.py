"""A list page costs a fixed number of queries whatever its length: relations are joined and
utilization is measured for the page at once (an N+1 fails here)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontend.links import list_url
from planner.choices import ReservationKindChoices, SyncActionChoices
from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    Reservation,
    Site,
    Subnet,
    SyncRun,
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
