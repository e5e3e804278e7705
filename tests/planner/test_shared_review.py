"""Many new Subnets reviewed against one shared planned state per cluster."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planner.choices import NetworkTypeChoices
from planner.models import Subnet
from planner.services.errors import HybridnetDenied
from planner.services.review import shared_planned_states
from planner.services.subnets import save_new_subnet
from tests.planner.factories import make_cluster, make_network

pytestmark = pytest.mark.django_db


def new_block(network, index: int, cidr: str | None = None) -> Subnet:
    return save_new_subnet(
        Subnet(network=network, name=f"block-{index}", cidr=cidr or f"100.64.{index}.0/24")
    )


def slice_of(network, name: str, start: str, end: str) -> Subnet:
    return Subnet(
        network=network,
        name=name,
        cidr="10.0.0.0/24",
        gateway="10.0.0.1",
        start=start,
        end=end,
        net_id=0,
    )


def test_each_new_subnet_sees_the_ones_saved_before_it():
    cluster = make_cluster()
    first = make_network(cluster, "underlay-1", net_id=0)
    second = make_network(cluster, "underlay-2", net_id=0)
    with shared_planned_states():
        save_new_subnet(slice_of(first, "a", "10.0.0.10", "10.0.0.20"))
        with pytest.raises(HybridnetDenied) as error:
            save_new_subnet(slice_of(second, "b", "10.0.0.30", "10.0.0.40"))
    assert error.value.rule == "S-12"


def test_shared_state_reads_the_cluster_once_not_per_subnet():
    overlay = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)

    def queries_per_subnet(first: int, count: int) -> float:
        with CaptureQueriesContext(connection) as context, shared_planned_states():
            for index in range(first, first + count):
                new_block(overlay, index)
        return len(context.captured_queries) / count

    few, many = queries_per_subnet(0, 5), queries_per_subnet(5, 40)
    # Building the state once costs a handful of queries; each further subnet a fixed few.
    assert many < few
    assert Subnet.objects.count() == 45
