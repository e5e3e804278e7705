"""Utilization of segments, pools and subnets: interval counts, a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from planner.choices import NetworkTypeChoices
from planner.models import AddressPool, NodeSegment, ObservedSubnetStatus, Subnet
from planner.services.carving import carve_pool, carve_segment
from planner.services.utilization import pool_usages, segment_usages, subnet_observed
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment

pytestmark = pytest.mark.django_db


def test_segment_utilization_counts_fixed_planned_and_free():
    segment = make_segment()
    for host in range(2, 7):
        make_node(segment, f"192.168.56.{host}", name=f"n{host}")
    network = make_network(make_cluster(), net_id=0)
    carve_segment(segment, network=network, name="a", start="192.168.56.5", end="192.168.56.54")
    segment = NodeSegment.objects.with_utilization_data().get()
    usage = segment_usages([segment])[segment.pk].utilization
    # usable .1-.254 = 254; fixed = gateway + 5 nodes; planned = .5-.54 less nodes .5 .6 = 48
    assert (usage.size, usage.fixed, usage.planned, usage.free) == (254, 6, 48, 200)
    assert usage.percent_planned == 19.35


def test_pool_utilization_and_ipv6_counts_without_listing_addresses():
    pool = make_pool("fd00:100::/48", name="v6")
    overlay = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    carve_pool(pool, network=overlay, name="a", prefixlen=112)
    pool = AddressPool.objects.with_utilization_data().get()
    usage = pool_usages([pool])[pool.pk].utilization
    assert (usage.size, usage.planned) == (1 << 80, 1 << 16)


def test_subnet_capacity_follows_hybridnet_and_observed_status_is_annotated():
    segment = make_segment()
    network = make_network(make_cluster(), net_id=0)
    subnet = carve_segment(
        segment, network=network, name="a", start="192.168.56.100", end="192.168.56.200"
    )
    assert subnet.capacity == 101  # SPEC 5.1 example: gateway outside the window
    listed = Subnet.objects.with_observed_status().get()
    assert subnet_observed(listed) is None
    ObservedSubnetStatus.objects.create(
        cluster=subnet.cluster,
        subnet_name="a",
        total=101,
        used=7,
        available=94,
        observed_at=timezone.now(),
    )
    observed = subnet_observed(Subnet.objects.with_observed_status().get())
    assert (observed["total"], observed["used"], observed["available"]) == (101, 7, 94)


def test_segment_list_utilization_does_not_grow_queries_with_rows():
    def queries_for_listing() -> int:
        with CaptureQueriesContext(connection) as context:
            segment_usages(list(NodeSegment.objects.with_utilization_data()))
        return len(context.captured_queries)

    network = make_network(make_cluster(), net_id=0)
    make_segment("10.1.0.0/24", "10.1.0.1", name="s1")
    few = queries_for_listing()
    for index in range(2, 8):
        segment = make_segment(f"10.{index}.0.0/24", f"10.{index}.0.1", name=f"s{index}")
        make_node(segment, f"10.{index}.0.9", name=f"n{index}")
        carve_segment(segment, network=network, name=f"slice-{index}", size=8)
    assert queries_for_listing() == few


def test_space_usage_sums_the_observed_use_of_the_subnets_pulled():
    pool = make_pool("10.8.0.0/16", name="p")
    overlay = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    blocks = [
        carve_pool(pool, network=overlay, name=f"b{index}", prefixlen=24) for index in range(3)
    ]
    assert pool_usages([pool])[pool.pk].observed is None
    for block, used in zip(blocks[:2], (5, 7), strict=True):
        ObservedSubnetStatus.objects.create(
            cluster=block.cluster,
            subnet_name=block.name,
            total=253,
            used=used,
            available=253 - used,
            observed_at=timezone.now(),
        )
    # Neither a status of another pool's block nor one of no planned subnet counts.
    other = carve_pool(make_pool("10.9.0.0/16", name="q"), network=overlay, name="c", prefixlen=24)
    for name in (other.name, "not-planned"):
        ObservedSubnetStatus.objects.create(
            cluster=overlay.cluster,
            subnet_name=name,
            total=253,
            used=100,
            available=153,
            observed_at=timezone.now(),
        )
    # `pool` was read before its blocks were carved: sizes are read with the correction.
    usage = pool_usages([pool])[pool.pk]
    assert usage.observed == {"used": 12, "available": 494}
    assert (usage.utilization.planned, usage.utilization.free) == (768, 65536 - 768)


def test_a_page_of_spaces_is_measured_in_two_queries_however_many_subnets():
    overlay = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    pools = [make_pool(f"10.{index}.0.0/16", name=f"p{index}") for index in range(1, 4)]

    def measured(blocks: int) -> tuple[int, set[int]]:
        for pool in pools:
            for index in range(blocks):
                carve_pool(
                    pool, network=overlay, name=f"{pool.name}-{blocks}-{index}", prefixlen=26
                )
        page = list(AddressPool.objects.with_utilization_data())
        with CaptureQueriesContext(connection) as queries:
            usages = pool_usages(page)
        return len(queries), {usage.utilization.planned for usage in usages.values()}

    # Their planned sizes, and their subnets' observed use.
    assert measured(1) == (2, {64})
    assert measured(9) == (2, {10 * 64})
