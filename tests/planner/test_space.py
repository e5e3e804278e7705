"""Free space read in address order: every row counted once across batch boundaries, rows
reaching in from below the space counted, and reading stops at the first fit."""

from ipaddress import IPv4Address, ip_address

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planner import querysets
from planner.addressing import containing_cidr_keys, key_value
from planner.choices import NetworkTypeChoices, ReservationKindChoices
from planner.models import Reservation, Subnet
from planner.services.carving import carve_pool, carve_segment
from planner.services.space import pool_free, pool_taken, segment_free
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_pool,
    make_segment,
    make_subnet,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_batches(monkeypatch):
    """Batches of 2 rows, so a handful of rows crosses several boundaries."""
    monkeypatch.setattr(querysets, "RANGE_BATCH_ROWS", 2)


def overlay(cluster_name: str):
    return make_network(make_cluster(cluster_name), "init", NetworkTypeChoices.OVERLAY)


def test_rows_sharing_a_first_address_are_each_read_once_across_batches(tiny_batches):
    # Seven subnets of one CIDR with disjoint windows, from seven clusters: their CIDR
    # ranges all start at the same key, and the keyset must still step past each once.
    pool = make_pool("10.0.0.0/16")
    for index in range(7):
        first = 1 + 10 * index
        make_subnet(
            overlay(f"c{index}"),
            f"s{index}",
            "10.0.0.0/24",
            start=f"10.0.0.{first}",
            end=f"10.0.0.{first + 9}",
        )
    make_subnet(overlay("c7"), "s7", "10.0.2.0/24")
    ranges = list(
        Subnet.objects.all().ranges_in_order(querysets.CIDR_FIELDS, pool.first_key, pool.last_key)
    )
    assert len(ranges) == 8
    assert ranges == sorted(ranges)
    free = [(item.start, item.end) for item in pool_free(pool, 10)]
    assert free == [("10.0.1.0", "10.0.1.255"), ("10.0.3.0", "10.0.255.255")]


def test_many_blocks_across_batches_leave_exactly_the_gaps(tiny_batches):
    pool = make_pool("10.1.0.0/24")
    network = overlay("c0")
    for index in range(0, 16, 2):  # every other /28
        make_subnet(network, f"b{index}", f"10.1.0.{index * 16}/28")
    free = pool_free(pool, 100)
    assert [(item.start, item.size) for item in free] == [
        (f"10.1.0.{index * 16}", 16) for index in range(1, 16, 2)
    ]
    assert carve_pool(pool, network=network, name="next", prefixlen=28).cidr == "10.1.0.16/28"


def test_a_supernet_starting_below_the_pool_fills_it():
    pool = make_pool("10.1.0.0/16")
    make_subnet(overlay("c0"), "below", "10.0.0.0/24")  # starts where a supernet would
    assert [(item.start, item.end) for item in pool_free(pool, 5)] == [("10.1.0.0", "10.1.255.255")]
    # Holds the whole pool (its window steps round the first subnet's).
    make_subnet(overlay("c1"), "wide", "10.0.0.0/15", start="10.0.1.0")
    assert pool_free(pool, 5) == []


@pytest.mark.parametrize("combined", [True, False], ids=["one statement", "two statements"])
def test_a_window_starting_below_the_segment_is_taken_where_it_reaches_in(monkeypatch, combined):
    monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", combined)
    segment = make_segment("192.168.1.0/24", gateway="192.168.1.1")
    wide = make_network(make_cluster("c0"), "underlay-1", net_id=0)
    make_subnet(wide, "wide", "192.168.0.0/23", start="192.168.0.200", end="192.168.1.20")
    assert [(item.start, item.end) for item in segment_free(segment, 5)] == [
        ("192.168.1.21", "192.168.1.254")
    ]


def test_the_search_reads_only_the_batches_before_the_fit(tiny_batches):
    pool = make_pool("10.2.0.0/24")
    network = overlay("c0")
    for index in range(0, 16, 2):
        make_subnet(network, f"b{index}", f"10.2.0.{index * 16}/28")
    with CaptureQueriesContext(connection) as queries:
        taken = pool_taken(pool)
        next(taken), next(taken)  # the first batch (2 rows) answers both
    reads = [query for query in queries.captured_queries if "planner_subnet" in query["sql"]]
    # The supernets below the pool, then the first batch: not the 8 blocks.
    assert len(reads) == 2
    assert "LIMIT 2" in reads[1]["sql"]


def test_supernets_reaching_the_search_come_first_once(tiny_batches):
    # Supernets from below the pool reach into it (one of them starting where the search
    # starts): each is read once, before the blocks inside.
    pool = make_pool("10.4.0.0/24")
    make_subnet(overlay("c0"), "wide", "10.4.0.0/23", start="10.4.0.1", end="10.4.0.3")
    make_subnet(overlay("c1"), "below", "10.0.0.0/13", start="10.0.0.1", end="10.0.0.9")
    make_subnet(overlay("c2"), "inside", "10.4.0.64/26")
    assert list(pool_taken(pool)) == [
        span("10.0.0.0", "10.7.255.255"),
        span("10.4.0.0", "10.4.1.255"),
        span("10.4.0.64", "10.4.0.127"),
    ]


def span(first: str, last: str) -> tuple[int, int]:
    return int(IPv4Address(first)), int(IPv4Address(last))


def test_a_pool_carve_reads_its_reservations_of_every_kind_in_one_query():
    pool = make_pool("10.3.0.0/24")
    pod, infrastructure = ReservationKindChoices.POD, ReservationKindChoices.INFRASTRUCTURE
    for start, kind in (("10.3.0.0", infrastructure), ("10.3.0.5", pod), ("10.3.0.9", pod)):
        reservation = Reservation(pool=pool, start=start, kind=kind)
        reservation.full_clean()
        reservation.save()
    with CaptureQueriesContext(connection) as queries:
        subnet = carve_pool(pool, network=overlay("c0"), name="b0", prefixlen=28)
    reads = [
        query
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "planner_reservation"')
    ]
    assert len(reads) == 1
    # No block holds the infrastructure address; a block holding a pod one reserves it.
    assert (subnet.cidr, subnet.reserved_ips) == ("10.3.0.16/28", [])
    second = carve_pool(pool, network=overlay("c1"), name="b1", prefixlen=29)
    assert (second.cidr, second.reserved_ips) == ("10.3.0.8/29", ["10.3.0.9"])


def test_a_carve_from_a_pool_without_reservations_reads_none():
    pool = make_pool("10.5.0.0/24")
    with CaptureQueriesContext(connection) as queries:
        carve_pool(pool, network=overlay("c0"), name="b0", prefixlen=28)
    reads = [query["sql"] for query in queries.captured_queries]
    # Whether there are any is asked with the lock, in the same statement.
    assert not any(sql.startswith('SELECT "planner_reservation"') for sql in reads)
    assert any("FOR UPDATE" in sql and "planner_reservation" in sql for sql in reads)


def test_a_slice_carve_reads_the_segments_node_addresses_once():
    segment = make_segment("192.168.9.0/24", gateway="192.168.9.1")
    for host in (2, 3, 12):
        make_node(segment, f"192.168.9.{host}", name=f"node-{host}")
    network = make_network(make_cluster("c0"), "underlay-1", net_id=0)
    with CaptureQueriesContext(connection) as queries:
        subnet = carve_segment(
            segment, network=network, name="s", start="192.168.9.10", end="192.168.9.20"
        )
    reads = [query for query in queries.captured_queries if '"planner_node"' in query["sql"]]
    assert len(reads) == 1
    # Read once, used for both the search and the slice's excludeIPs.
    assert subnet.exclude_ips == ["192.168.9.12"]
    with CaptureQueriesContext(connection) as queries:
        carve_segment(segment, network=network, name="t", size=4)
    assert sum('"planner_node"' in query["sql"] for query in queries.captured_queries) == 1


@pytest.mark.parametrize(
    "family, address, bits", [(4, "10.4.0.192", 32), (4, "10.4.0.0", 32), (6, "fd00::1:0", 128)]
)
def test_containing_cidr_keys_are_one_per_prefix_length_whatever_the_address(family, address, bits):
    value = int(ip_address(address))
    keys = containing_cidr_keys(family, value)
    assert len(keys) == bits
    real = [key_value(key) for key in keys if key[0] == family]
    # The blocks containing the address that start below it, each once, lowest first.
    expected = sorted({value >> shift << shift for shift in range(bits + 1)} - {value})
    assert real == expected
