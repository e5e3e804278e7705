"""Where first fit starts: a carve searches a segment or pool from its hint (everything below
is taken) and raises it; whatever frees an address below the hint resets it, so first fit
stays the lowest fit whoever freed the space."""

import pytest
from django.db import connection

from planner.addressing import address_key, key_to_text, parse_address
from planner.models import AddressPool, Network, Node, NodeSegment, Reservation, Subnet
from planner.services.carving import carve_pool, carve_segment
from planner.services.subnets import delete_subnet
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"),
]
SLICE = 10
MOVED_NODE_KEY = address_key(*parse_address("192.168.56.200"))


def hint(space: NodeSegment | AddressPool) -> str | None:
    key = type(space).objects.values_list("free_from_key", flat=True).get(pk=space.pk)
    return None if key is None else key_to_text(bytes(key))


@pytest.fixture
def segment() -> NodeSegment:
    segment = make_segment()  # 192.168.56.0/24, gateway .1
    make_node(segment, "192.168.56.2", name="node-2")
    return segment


@pytest.fixture
def underlay() -> Network:
    return make_network(make_cluster(), "underlay-1", net_id=0)


@pytest.fixture
def slices(segment, underlay) -> list:
    """Three slices from the bottom: .3-.12, .13-.22, .23-.32."""
    return [
        carve_segment(segment, network=underlay, name=f"s{index}", size=SLICE) for index in range(3)
    ]


def carve(segment, underlay, name="next", size=SLICE):
    return carve_segment(segment, network=underlay, name=name, size=size)


def test_carves_raise_the_hint_past_what_they_take(segment, slices):
    assert [(s.start, s.end) for s in slices][-1] == ("192.168.56.23", "192.168.56.32")
    assert hint(segment) == "192.168.56.33"


def test_a_gap_too_small_keeps_the_hint_at_the_gap(segment, underlay, slices):
    delete_subnet(slices[1])
    carve(segment, underlay, name="small", size=4)  # .13-.16, searched from the bottom
    assert hint(segment) == "192.168.56.17"
    wide = carve(segment, underlay, name="wide", size=20)  # .17-.22 is too small
    assert (wide.start, hint(segment)) == ("192.168.56.33", "192.168.56.17")


@pytest.mark.parametrize(
    "free",
    [
        pytest.param(lambda slices: delete_subnet(slices[0]), id="subnet deleted"),
        pytest.param(lambda slices: slices[0].delete(), id="row deleted directly"),
        pytest.param(
            lambda slices: Subnet.objects.filter(pk__in=[s.pk for s in slices]).delete(),
            id="rows deleted in bulk",
        ),
    ],
)
def test_freeing_a_slice_below_the_hint_resets_it(segment, underlay, slices, free):
    free(slices)
    assert hint(segment) is None
    assert carve(segment, underlay).start == "192.168.56.3"


@pytest.mark.parametrize(
    "free, freed",
    [
        pytest.param(lambda: Node.objects.all().delete(), "192.168.56.2", id="node deleted"),
        pytest.param(
            lambda: Node.objects.update(ip="192.168.56.200", ip_key=MOVED_NODE_KEY),
            "192.168.56.2",
            id="node moved",
        ),
        pytest.param(
            lambda: Reservation.objects.all().delete(), "192.168.56.3", id="reservation deleted"
        ),
        pytest.param(
            lambda: Reservation.objects.update(kind="pod"), "192.168.56.3", id="reservation kind"
        ),
    ],
)
def test_freeing_a_node_or_a_reservation_below_the_hint_resets_it(segment, underlay, free, freed):
    Reservation.objects.create(segment=segment, start="192.168.56.3", kind="infrastructure")
    carve(segment, underlay, name="a", size=1)
    assert hint(segment) == "192.168.56.5"
    free()
    assert hint(segment) is None
    assert carve(segment, underlay, name="b", size=1).start == freed


def test_moving_the_gateway_resets_the_hint(segment, underlay, slices):
    segment.gateway = "192.168.56.254"
    segment.save()
    assert hint(segment) is None
    assert carve(segment, underlay, size=1).start == "192.168.56.1"


def test_saving_a_segment_read_earlier_does_not_bring_an_old_hint_back(segment, slices):
    stale = NodeSegment.objects.get(pk=segment.pk)
    assert stale.free_from_key is not None
    delete_subnet(slices[0])
    stale.description = "edited after the delete"
    stale.save()
    assert hint(segment) is None
    assert NodeSegment.objects.get(pk=segment.pk).description == "edited after the delete"


def test_slices_of_another_cluster_below_the_hint_count_too(segment, underlay, slices):
    other = make_network(make_cluster("other"), "underlay-1", net_id=0)
    theirs = carve(segment, other, name="theirs", size=5)  # .33-.37
    delete_subnet(theirs)
    assert hint(segment) is None
    assert carve(segment, underlay, size=5).start == "192.168.56.33"


def test_pool_blocks_freed_below_the_hint_are_found_again():
    pool = make_pool("100.64.0.0/16")
    overlay = make_network(make_cluster(), "init", type="Overlay", net_id=4)
    blocks = [carve_pool(pool, network=overlay, name=f"b{i}", prefixlen=24) for i in range(3)]
    assert hint(pool) == "100.64.3.0"
    delete_subnet(blocks[1])
    assert hint(pool) is None
    again = carve_pool(pool, network=overlay, name="again", prefixlen=24)
    # The hint is a lower bound: the next carve reads on from just past this block.
    assert (again.cidr, hint(pool)) == ("100.64.1.0/24", "100.64.2.0")


def test_free_intervals_start_at_the_hint_and_lose_nothing(segment, underlay, slices):
    from planner.services.space import segment_free

    listed = segment_free(NodeSegment.objects.get(pk=segment.pk), limit=5)
    assert [(f.start, f.end) for f in listed] == [("192.168.56.33", "192.168.56.254")]


def test_the_last_block_of_the_ipv6_space_fills_it_without_moving_the_hint_past_it():
    pool = make_pool("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120", name="top")
    overlay = make_network(make_cluster(), "init", type="Overlay", net_id=4)
    halves = [carve_pool(pool, network=overlay, name=f"h{i}", prefixlen=121) for i in range(2)]
    assert [half.cidr for half in halves][-1] == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff80/121"
    assert hint(pool) == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff80"


def test_a_partly_read_segment_saves_what_it_read_and_never_the_hint(segment, slices):
    partial = NodeSegment.objects.only("id", "description").get(pk=segment.pk)
    partial.description = "partly read"
    partial.save()
    segment.refresh_from_db()
    assert (segment.description, segment.gateway) == ("partly read", "192.168.56.1")
    assert hint(segment) == "192.168.56.33"


@pytest.mark.parametrize(
    "edit, reset",
    [
        pytest.param(
            {
                "start": "192.168.56.40",
                "end": "192.168.56.49",
                "window_first_key": address_key(*parse_address("192.168.56.40")),
                "window_last_key": address_key(*parse_address("192.168.56.49")),
            },
            True,
            id="window moved up",
        ),
        pytest.param({"description": "renamed"}, False, id="description edited"),
    ],
)
def test_a_subnet_updated_in_place_resets_the_hint_only_if_its_range_moved(
    segment, slices, edit, reset
):
    """A queryset update, no service: the triggers compare the rows as they were."""
    Subnet.objects.filter(pk=slices[0].pk).update(**edit)
    assert hint(segment) == (None if reset else "192.168.56.33")
