"""How many addresses a space's subnets take, kept on the space's row by PostgreSQL triggers
whoever writes a subnet, and the utilization lists read from it: the same figures as
measured from every subnet's range, and a pool's blocks never nest (or they would count
twice)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from planner.addressing import address_key, parse_address
from planner.choices import NetworkTypeChoices, ReservationKindChoices
from planner.models import AddressPool, NodeSegment, Reservation, Subnet
from planner.services.carving import carve_pool, carve_segment
from planner.services.errors import BulkValidationError
from planner.services.subnets import delete_subnet, save_new_subnet, save_new_subnets
from planner.services.utilization import (
    POOLS,
    SEGMENTS,
    planned_from_ranges,
    planned_from_sums,
    pool_usages,
    space_bounds,
    uncounted_by_space,
)
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"),
]


def stored(space: NodeSegment | AddressPool) -> int:
    """The size the triggers keep, as the database holds it now."""
    return int(type(space).objects.values_list("planned_size", flat=True).get(pk=space.pk))


def block(overlay, pool, name: str, cidr: str, **values) -> Subnet:
    return Subnet(
        network=overlay, cluster=overlay.cluster, pool=pool, name=name, cidr=cidr, **values
    )


@pytest.fixture
def overlay():
    return make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)


@pytest.fixture
def underlay():
    return make_network(make_cluster("prod-b"), "underlay-1", net_id=0)


def test_every_write_of_a_subnet_keeps_its_spaces_planned_size(overlay, underlay):
    pool, other_pool = make_pool("10.8.0.0/16", name="p"), make_pool("10.9.0.0/16", name="q")
    segment = make_segment()
    # One statement inserting one row (a carve), then one inserting many (a bulk create).
    carve_pool(pool, network=overlay, name="a", prefixlen=24)
    carve_segment(segment, network=underlay, name="slice", size=20)
    save_new_subnets([block(overlay, pool, f"b{n}", f"10.8.{n}.0/25") for n in range(1, 4)])
    assert (stored(pool), stored(segment), stored(other_pool)) == (256 + 3 * 128, 20, 0)
    # An update moving a block to another pool (no service does; plain SQL may).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE planner_subnet SET pool_id = %s, cidr = '10.9.0.0/24', first_key = %s,"
            " last_key = %s WHERE name = 'a'",
            [other_pool.pk, *_keys("10.9.0.0", "10.9.0.255")],
        )
    assert (stored(pool), stored(other_pool)) == (3 * 128, 256)
    # A delete of one row, then of many in one statement.
    delete_subnet(Subnet.objects.get(name="b1"))
    assert stored(pool) == 2 * 128
    Subnet.objects.filter(pool=pool).delete()
    Subnet.objects.filter(segment=segment).delete()
    assert (stored(pool), stored(segment), stored(other_pool)) == (0, 0, 256)


def test_a_truncate_of_the_subnets_empties_every_space(overlay, underlay):
    pool, segment = make_pool("10.8.0.0/16", name="p"), make_segment()
    carve_pool(pool, network=overlay, name="a", prefixlen=24)
    carve_segment(segment, network=underlay, name="slice", size=20)
    with connection.cursor() as cursor:
        # The inserts' foreign keys are checked at commit: checked now, nothing is pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE planner_subnet")
    for space in (pool, segment):
        hint = type(space).objects.values_list("free_from_key", flat=True).get(pk=space.pk)
        assert (stored(space), hint) == (0, None)
    assert carve_pool(pool, network=overlay, name="a", prefixlen=24).cidr == "10.8.0.0/24"


def _keys(*addresses: str) -> list[bytes]:
    return [address_key(*parse_address(address)) for address in addresses]


def test_a_dump_loaded_again_counts_each_subnet_once(overlay, underlay, tmp_path):
    """Spaces and subnets loaded from a fixture, in either order: a dump carries each
    space's size, but a space inserted is measured from the subnets already there, so none
    counts twice."""
    pool, segment = make_pool("10.8.0.0/16", name="p"), make_segment()
    carve_pool(pool, network=overlay, name="a", prefixlen=24)
    carve_segment(segment, network=underlay, name="slice", size=20)
    spaces = tmp_path / "spaces.json"
    subnets = tmp_path / "subnets.json"
    call_command("dumpdata", "planner.addresspool", "planner.nodesegment", output=spaces)
    call_command("dumpdata", "planner.subnet", output=subnets)
    Subnet.objects.all().delete()
    AddressPool.objects.all().delete()
    NodeSegment.objects.all().delete()
    # One load each time (foreign keys are checked at its end), spaces first, then last.
    for fixtures in ((spaces, subnets), (subnets, spaces)):
        call_command("loaddata", *fixtures, verbosity=0)
        assert (stored(pool), stored(segment)) == (256, 20)
        Subnet.objects.all().delete()
        AddressPool.objects.all().delete()
        NodeSegment.objects.all().delete()


def test_saving_a_space_read_before_a_carve_keeps_the_size_the_carve_left(overlay):
    pool = make_pool("10.8.0.0/16", name="p")
    stale = AddressPool.objects.get(pk=pool.pk)
    carve_pool(pool, network=overlay, name="a", prefixlen=24)
    stale.description = "edited after the carve"
    stale.save()
    assert stored(pool) == 256
    assert AddressPool.objects.get(pk=pool.pk).description == "edited after the carve"
    # Even told to write the size it read, a save leaves the carve's.
    assert stale.planned_size == 0
    stale.save(update_fields=["planned_size", "description"])
    assert stored(pool) == 256


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda space: type(space).objects.filter(pk=space.pk).update(planned_size=7),
            id="queryset update",
        ),
        pytest.param(
            lambda space: type(space).objects.bulk_update([space], ["planned_size"]),
            id="bulk update of a row read before",
        ),
        pytest.param(
            lambda space: _execute(
                f"UPDATE {type(space)._meta.db_table} SET planned_size = 7 WHERE id = %s",
                [space.pk],
            ),
            id="plain SQL",
        ),
    ],
)
def test_no_write_but_the_triggers_sets_a_size(overlay, underlay, write):
    pool, segment = make_pool("10.8.0.0/16", name="p"), make_segment()
    stale = [AddressPool.objects.get(pk=pool.pk), NodeSegment.objects.get(pk=segment.pk)]
    carve_pool(pool, network=overlay, name="a", prefixlen=24)
    carve_segment(segment, network=underlay, name="slice", size=20)
    for space in stale:
        write(space)
    assert (stored(pool), stored(segment)) == (256, 20)


def test_a_size_set_to_null_is_measured_again(overlay):
    pool = make_pool("10.8.0.0/16", name="p")
    carve_pool(pool, network=overlay, name="a", prefixlen=24)
    AddressPool.objects.filter(pk=pool.pk).update(planned_size=None)
    assert stored(pool) == 256


def test_a_fixture_loaded_over_its_spaces_keeps_their_sizes(overlay, tmp_path):
    pool = make_pool("10.8.0.0/16", name="p")
    spaces = tmp_path / "spaces.json"
    call_command("dumpdata", "planner.addresspool", output=spaces)  # size 0
    carve_pool(pool, network=overlay, name="a", prefixlen=24)
    call_command("loaddata", spaces, verbosity=0)
    assert stored(pool) == 256


def _execute(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_planned_sizes_less_what_is_fixed_match_the_ranges_measured(overlay, underlay):
    """A slice's window holds node IPs and infrastructure (in its excludeIPs), one later node
    and its segment's gateway; a pool's block holds a later infrastructure reservation;
    an IPv6 segment and pool; a space with no subnets."""
    segment = make_segment()
    for host in (10, 11, 30):
        make_node(segment, f"192.168.56.{host}", name=f"n{host}")
    Reservation.objects.create(
        segment=segment,
        start="192.168.56.20",
        end="192.168.56.24",
        kind=ReservationKindChoices.INFRASTRUCTURE,
    )
    carve_segment(segment, network=underlay, name="wide", start="192.168.56.5", end="192.168.56.40")
    make_node(segment, "192.168.56.35", name="late")
    v6_segment = make_segment("fd00:56::/64", "fd00:56::1", name="v6")
    carve_segment(v6_segment, network=underlay, name="v6", start="fd00:56::1", end="fd00:56::ff")
    make_segment("192.168.57.0/24", "192.168.57.1", name="empty")
    pool, v6_pool = make_pool("10.8.0.0/16", name="p"), make_pool("fd00:8::/48", name="v6")
    carve_pool(pool, network=overlay, name="a", prefixlen=24)
    carve_pool(v6_pool, network=overlay, name="v6", prefixlen=112)
    Reservation.objects.create(
        pool=pool, start="10.8.0.100", end="10.8.0.109", kind=ReservationKindChoices.INFRASTRUCTURE
    )
    segments = list(NodeSegment.objects.with_utilization_data())
    pools = list(AddressPool.objects.with_utilization_data())
    uncounted = {
        kind: uncounted_by_space(spaces, space_bounds(spaces, kind))
        for kind, spaces in ((SEGMENTS, segments), (POOLS, pools))
    }
    by_sums = (
        planned_from_sums(segments, SEGMENTS, uncounted[SEGMENTS]),
        planned_from_sums(pools, POOLS, uncounted[POOLS]),
    )
    by_ranges = (
        planned_from_ranges(segments, SEGMENTS, uncounted[SEGMENTS]),
        planned_from_ranges(pools, POOLS, uncounted[POOLS]),
    )
    assert by_sums == by_ranges
    # .5-.40 less nodes .10 .11 .30 .35 and .20-.24; ::1-::ff less the gateway; nothing.
    assert sorted(by_sums[0].values()) == [0, 27, 254]
    assert sorted(by_sums[1].values()) == [256 - 10, 1 << 16]


def test_a_page_of_pools_reads_their_sizes_not_their_blocks(overlay, django_assert_num_queries):
    pool = make_pool("10.8.0.0/16", name="p")
    save_new_subnets([block(overlay, pool, f"b{n}", f"10.8.{n}.0/24") for n in range(40)])
    pools = list(AddressPool.objects.with_utilization_data())
    # The blocks reaching the addresses outside the pool (none), and the statuses pulled.
    with django_assert_num_queries(2) as queries:
        usage = pool_usages(pools)[pool.pk].utilization
    assert (usage.planned, usage.free) == (40 * 256, 65536 - 40 * 256)
    assert "unnest" in queries.captured_queries[0]["sql"]


def test_a_block_placed_by_hand_may_not_nest_in_another_blocks_cidr(overlay):
    """Within one cluster Hybridnet refuses overlapping CIDRs itself; across clusters, the
    planner does, for the blocks of one pool."""
    pool = make_pool("10.8.0.0/16", name="p")
    theirs = make_network(make_cluster("prod-c"), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    # Its start..end leaves most of its CIDR out of its window, room the window check allows.
    save_new_subnet(block(overlay, pool, "narrow", "10.8.0.0/24", start="10.8.0.1", end="10.8.0.9"))
    with pytest.raises(ValidationError) as error:
        save_new_subnet(block(theirs, pool, "inside", "10.8.0.128/25"))
    assert error.value.message_dict == {
        "cidr": [
            "10.8.0.128/25 overlaps block narrow of cluster prod-a (10.8.0.0/24) in pool p "
            "(10.8.0.0/16): a pool's blocks never overlap"
        ]
    }
    # Nor two of one bulk create; the first of them goes in with the rest, or none does.
    with pytest.raises(BulkValidationError) as bulk_error:
        save_new_subnets(
            [
                block(overlay, pool, "outer", "10.8.2.0/23", start="10.8.2.1", end="10.8.2.9"),
                block(theirs, pool, "nested", "10.8.3.0/24"),
            ]
        )
    assert list(bulk_error.value.errors) == [1]
    assert stored(pool) == 256 and Subnet.objects.count() == 1
    # Outside any pool, the same CIDR is not a block: Hybridnet's rules alone apply.
    save_new_subnet(block(theirs, None, "no-pool", "10.8.0.128/25"))
