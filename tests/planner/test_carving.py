"""Carving slices out of segments and blocks out of pools, under Hybridnet's rules."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from planner.choices import NetworkTypeChoices, PoolPurposeChoices, ReservationKindChoices
from planner.models import Node, ObservedIPInstance, Reservation, Subnet
from planner.services.carving import carve_pool, carve_segment
from planner.services.drift import missing_exclusions
from planner.services.errors import (
    HybridnetDenied,
    NeedsReplacementError,
    NoSpaceError,
    PlanConflictError,
    PlannerRejected,
    SubnetInUseError,
)
from planner.services.space import pool_free, segment_free
from planner.services.subnets import delete_subnet, update_subnet
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_pool,
    make_segment,
)

pytestmark = pytest.mark.django_db


def reserve(parent, start, end="", kind=ReservationKindChoices.INFRASTRUCTURE):
    field = "segment" if parent.__class__.__name__ == "NodeSegment" else "pool"
    reservation = Reservation(**{field: parent}, start=start, end=end, kind=kind)
    reservation.full_clean()
    reservation.save()
    return reservation


@pytest.fixture
def segment():
    """The seed's segment: gateway .1, nodes .2-.6, infrastructure .250-.254."""
    segment = make_segment()
    for host in range(2, 7):
        make_node(segment, f"192.168.56.{host}", name=f"node-{host}")
    reserve(segment, "192.168.56.250", "192.168.56.254")
    return segment


@pytest.fixture
def underlay():
    return {
        name: make_network(make_cluster(name), "underlay-1", net_id=0)
        for name in ("prod-a", "prod-b")
    }


def test_first_fit_skips_gateway_nodes_and_other_clusters_slices(segment, underlay):
    first = carve_segment(segment, network=underlay["prod-a"], name="slice", size=50)
    second = carve_segment(segment, network=underlay["prod-b"], name="slice", size=50)
    assert (first.start, first.end) == ("192.168.56.7", "192.168.56.56")
    assert (second.start, second.end) == ("192.168.56.57", "192.168.56.106")
    assert (first.cidr, first.gateway, first.net_id) == ("192.168.56.0/24", "192.168.56.1", 0)
    assert first.exclude_ips == [] and first.segment == segment


def test_explicit_slice_excludes_nodes_and_infrastructure_and_keeps_pod_reservations(
    segment, underlay
):
    reserve(segment, "192.168.56.240", kind=ReservationKindChoices.POD)
    subnet = carve_segment(
        segment, network=underlay["prod-a"], name="wide", start="192.168.56.5", end="192.168.56.251"
    )
    assert subnet.exclude_ips == [
        "192.168.56.5",
        "192.168.56.6",
        "192.168.56.250",
        "192.168.56.251",
    ]
    assert subnet.reserved_ips == ["192.168.56.240"]


def test_explicit_slice_overlapping_another_cluster_is_a_conflict(segment, underlay):
    carve_segment(
        segment, network=underlay["prod-a"], name="a", start="192.168.56.100", end="192.168.56.149"
    )
    with pytest.raises(PlanConflictError) as error:
        carve_segment(
            segment,
            network=underlay["prod-b"],
            name="b",
            start="192.168.56.140",
            end="192.168.56.160",
        )
    assert error.value.message == (
        "192.168.56.140-192.168.56.160 overlaps subnet a of cluster prod-a "
        "(192.168.56.100-192.168.56.149)"
    )


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (
            "192.168.56.0",
            "192.168.56.9",
            "start",
            "192.168.56.0 is outside 192.168.56.1-192.168.56.254, "
            "the usable range of segment seg-a",
        ),
        (
            "192.168.56.9",
            "192.168.56.255",
            "end",
            "192.168.56.255 is outside 192.168.56.1-192.168.56.254, "
            "the usable range of segment seg-a",
        ),
        (
            "192.168.56.20",
            "192.168.56.10",
            "end",
            "end 192.168.56.10 is before start 192.168.56.20",
        ),
        ("192.168.56.x", "192.168.56.10", "start", "'192.168.56.x' is not a valid IP address"),
    ],
)
def test_explicit_slice_bounds_are_checked(segment, underlay, start, end, field, message):
    with pytest.raises(PlannerRejected) as error:
        carve_segment(segment, network=underlay["prod-a"], name="s", start=start, end=end)
    assert (error.value.field, error.value.message) == (field, message)


def test_no_space_names_the_largest_free_block(segment, underlay):
    carve_segment(
        segment, network=underlay["prod-a"], name="a", start="192.168.56.7", end="192.168.56.199"
    )
    with pytest.raises(NoSpaceError) as error:
        carve_segment(segment, network=underlay["prod-b"], name="b", size=60)
    assert error.value.message == (
        "no space for 60 addresses in segment seg-a; the largest free block is "
        "192.168.56.200-192.168.56.249 (50 addresses)"
    )
    assert Subnet.objects.count() == 1


def test_largest_takes_the_largest_free_slice(segment, underlay):
    carve_segment(
        segment, network=underlay["prod-a"], name="a", start="192.168.56.7", end="192.168.56.20"
    )
    subnet = carve_segment(segment, network=underlay["prod-b"], name="b", largest=True)
    assert (subnet.start, subnet.end) == ("192.168.56.21", "192.168.56.249")


def test_exactly_one_way_to_size_a_slice(segment, underlay):
    with pytest.raises(PlannerRejected) as error:
        carve_segment(segment, network=underlay["prod-a"], name="a", size=4, largest=True)
    assert error.value.message == "give exactly one of: size, start and end, or largest"


def test_free_intervals_of_a_segment(segment, underlay):
    carve_segment(segment, network=underlay["prod-a"], name="a", size=10)
    free = segment_free(segment, limit=10)
    assert [(f.start, f.end, f.size) for f in free] == [("192.168.56.17", "192.168.56.249", 233)]


def test_ipv6_segment_is_carved_without_listing_addresses(underlay):
    segment = make_segment(cidr="fd00:56::/64", gateway="fd00:56::1", name="v6")
    make_node(segment, "fd00:56::2")
    first = carve_segment(segment, network=underlay["prod-a"], name="v6-a", size=65536)
    assert (first.start, first.end) == ("fd00:56::3", "fd00:56::1:2")
    largest = carve_segment(segment, network=underlay["prod-b"], name="v6-b", largest=True)
    # S-9: one subnet spans at most 65536 addresses, however large the segment.
    assert (largest.start, largest.end) == ("fd00:56::1:3", "fd00:56::2:2")
    assert first.version == "6" and largest.exclude_ips == []
    assert segment_free(segment, limit=1)[0].start == "fd00:56::2:3"


def test_ipv6_addresses_ending_in_double_colon_are_excluded(underlay):
    segment = make_segment(cidr="fd00:57:1:2::/64", gateway="fd00:57:1:2::1", name="v6")
    subnet = carve_segment(
        segment,
        network=underlay["prod-a"],
        name="s",
        start="fd00:57:1:2:3:3:ffff:ff00",
        end="fd00:57:1:2:3:4:0:ff",
    )
    assert subnet.exclude_ips == ["fd00:57:1:2:3:4::"]
    # A multiple of 2^32 whose text does not end in "::" names a valid IPInstance.
    other = make_segment(cidr="fd00:58::/64", gateway="fd00:58::1", name="v6b")
    subnet = carve_segment(
        other,
        network=underlay["prod-b"],
        name="s",
        start="fd00:58::ffff:ff00",
        end="fd00:58::1:0:ff",
    )
    assert subnet.exclude_ips == []


def test_slice_needs_an_underlay_vlan_network_of_the_segments_vlan(segment):
    cluster = make_cluster()
    overlay = make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    with pytest.raises(PlannerRejected) as error:
        carve_segment(segment, network=overlay, name="s", size=4)
    assert error.value.field == "network" and "Underlay VLAN" in error.value.message
    tagged = make_network(cluster, "vlan-7", net_id=7)
    with pytest.raises(PlannerRejected) as error:
        carve_segment(segment, network=tagged, name="s", size=4)
    assert error.value.message == "network vlan-7 has netID 7 but segment seg-a is VLAN 0"


def test_hybridnet_denial_is_reported_with_its_own_text_and_nothing_is_saved(segment):
    cluster = make_cluster()
    first = make_network(cluster, "underlay-1", net_id=0)
    second = make_network(cluster, "underlay-2", net_id=0)
    carve_segment(segment, network=first, name="a", size=10)
    with pytest.raises(HybridnetDenied) as error:
        carve_segment(segment, network=second, name="b", size=10)
    assert error.value.rule == "S-12"
    assert error.value.hybridnet_message == (
        "the same CIDR with existing subnet a, this is allowed but need to be in the same network"
    )
    assert list(Subnet.objects.values_list("name", flat=True)) == ["a"]


def test_a_node_added_inside_a_slice_is_drift_not_a_silent_change(segment, underlay):
    subnet = carve_segment(segment, network=underlay["prod-a"], name="a", size=20)
    assert missing_exclusions(subnet) == []
    make_node(segment, "192.168.56.10", name="late-node")
    subnet.refresh_from_db()
    assert subnet.exclude_ips == []
    assert missing_exclusions(subnet) == ["192.168.56.10"]


def test_drift_lists_each_address_a_slice_does_not_exclude_and_only_those(underlay):
    segment = make_segment("fd00:56::/64", gateway="fd00:56::1:1fe")
    reserve(segment, "fd00:56::1:0", "fd00:56::1:ff")
    subnet = carve_segment(
        segment, network=underlay["prod-a"], name="v6", start="fd00:56::ff00", end="fd00:56::1:1ff"
    )
    assert len(subnet.exclude_ips) == 256 and missing_exclusions(subnet) == []
    # Infrastructure and a node reaching into the slice afterwards, one over its gateway.
    reserve(segment, "fd00:56::1:100", "fd00:56::1:101")
    make_node(segment, "fd00:56::1:1ff", name="late-node")
    reserve(segment, "fd00:56::1:1fe")
    subnet.refresh_from_db()
    assert missing_exclusions(subnet) == ["fd00:56::1:100", "fd00:56::1:101", "fd00:56::1:1ff"]


def test_pool_blocks_are_aligned_and_never_overlap():
    pool = make_pool("100.64.0.0/10")
    reserve(pool, "100.64.0.0", "100.64.0.9")
    overlay = {
        name: make_network(make_cluster(name), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
        for name in ("prod-a", "prod-b")
    }
    first = carve_pool(pool, network=overlay["prod-a"], name="init", prefixlen=26)
    second = carve_pool(pool, network=overlay["prod-b"], name="init", prefixlen=16)
    third = carve_pool(pool, network=overlay["prod-a"], name="more", prefixlen=26)
    assert [first.cidr, second.cidr, third.cidr] == [
        "100.64.0.64/26",
        "100.65.0.0/16",
        "100.64.0.128/26",
    ]
    assert first.start == first.end == "" and first.pool == pool
    assert pool_free(pool, limit=2)[0].start == "100.64.0.10"


def test_pool_without_room_names_its_largest_free_block():
    pool = make_pool("100.64.0.0/22")
    overlay = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    carve_pool(pool, network=overlay, name="a", prefixlen=23)
    carve_pool(pool, network=overlay, name="b", prefixlen=24)
    with pytest.raises(NoSpaceError) as error:
        carve_pool(pool, network=overlay, name="c", prefixlen=23)
    assert error.value.message == (
        "no free /23 in pool overlay; the largest free block is 100.64.3.0/24"
    )


def test_a_name_the_cluster_has_is_a_name_error_and_the_carve_changes_nothing(segment, underlay):
    # On PostgreSQL a carve leaves its name to the unique constraint, after it moved the
    # space's hint: the error must still be the name's, and the hint as it was.
    pool = make_pool("100.64.0.0/10")
    overlay = make_network(underlay["prod-a"].cluster, "init", type="Overlay", net_id=4)
    carve_pool(pool, network=overlay, name="taken", prefixlen=26)
    carves = [
        lambda: carve_pool(pool, network=overlay, name="taken", prefixlen=26),
        lambda: carve_segment(segment, network=underlay["prod-a"], name="taken", size=8),
    ]
    for carve in carves:
        hints = [type(space).objects.get(pk=space.pk).free_from_key for space in (pool, segment)]
        with pytest.raises(ValidationError) as error:
            carve()
        assert error.value.message_dict == {"name": ["cluster prod-a already has a subnet taken"]}
        assert [
            type(space).objects.get(pk=space.pk).free_from_key for space in (pool, segment)
        ] == hints
    assert Subnet.objects.filter(name="taken").count() == 1


def test_pool_prefix_and_network_are_checked():
    pool = make_pool("100.64.0.0/10")
    cluster = make_cluster()
    overlay = make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    with pytest.raises(PlannerRejected) as error:
        carve_pool(pool, network=overlay, name="s", prefixlen=15)
    assert error.value.message == "prefix length must be /16../30 in pool overlay (100.64.0.0/10)"
    underlay = make_network(cluster, "underlay-1", net_id=0)
    with pytest.raises(PlannerRejected) as error:
        carve_pool(pool, network=underlay, name="s", prefixlen=24)
    assert error.value.message == (
        "pool overlay is for Overlay (VXLAN) subnets, network underlay-1 is Underlay"
    )


def test_bgp_pool_serves_a_bgp_underlay_network():
    pool = make_pool("10.200.0.0/16", name="bgp")
    pool.purpose = PoolPurposeChoices.UNDERLAY_BGP
    pool.save()
    peers = [{"asn": 65001, "address": "10.0.0.1"}]
    bgp = make_network(make_cluster(), "bgp-1", mode="BGP", net_id=65000, bgp_peers=peers)
    subnet = carve_pool(pool, network=bgp, name="bgp-a", prefixlen=24)
    assert (subnet.cidr, subnet.net_id, subnet.auto_nat_outgoing) == ("10.200.0.0/24", None, None)


def test_immutable_fields_need_replacement_once_applied_reserved_ips_may_change(segment, underlay):
    subnet = carve_segment(segment, network=underlay["prod-a"], name="a", size=20)
    Subnet.objects.filter(pk=subnet.pk).update(applied_at=timezone.now())
    updated = update_subnet(subnet, {"reserved_ips": ["192.168.56.10"], "private": True})
    assert updated.reserved_ips == ["192.168.56.10"]
    with pytest.raises(NeedsReplacementError) as error:
        update_subnet(
            Subnet.objects.get(pk=subnet.pk),
            {"end": "192.168.56.30", "exclude_ips": ["192.168.56.8"]},
        )
    assert error.value.fields == ["end", "exclude_ips"]
    assert Subnet.objects.get(pk=subnet.pk).end == "192.168.56.26"


def test_delete_is_refused_while_ips_are_in_use(segment, underlay):
    subnet = carve_segment(segment, network=underlay["prod-a"], name="a", size=20)
    for ip in ("192.168.56.9", "192.168.56.8"):
        ObservedIPInstance.objects.create(
            cluster=subnet.cluster,
            namespace="default",
            name=ip.replace(".", "-"),
            ip=ip,
            subnet_name="a",
            network_name="underlay-1",
            observed_at="2026-11-26T00:00:00Z",
        )
    with pytest.raises(SubnetInUseError) as error:
        delete_subnet(subnet)
    assert error.value.message == "subnet a still has IPs in use: 192.168.56.8, 192.168.56.9"
    subnet.cluster.ip_instances.all().delete()
    delete_subnet(subnet)
    assert not Subnet.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the backstop is PostgreSQL's")
def test_database_refuses_overlapping_windows_even_without_the_services(segment, underlay):
    carve_segment(segment, network=underlay["prod-a"], name="a", size=20)
    rogue = Subnet(
        network=underlay["prod-b"],
        name="rogue",
        cidr=segment.cidr,
        start="192.168.56.20",
        end="192.168.56.30",
    )
    match = "subnet_ipv4_windows_never_overlap"
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        rogue.save()
    assert Node.objects.count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the backstop is PostgreSQL's")
def test_the_database_backstop_holds_for_ipv6_and_keeps_the_families_apart():
    overlays = [
        make_network(make_cluster(name), "init", NetworkTypeChoices.OVERLAY)
        for name in ("prod-a", "prod-b", "prod-c")
    ]

    def rogue(network, cidr: str) -> Subnet:
        subnet = Subnet(network=network, name="rogue", cidr=cidr)
        subnet.save()  # no full_clean: only the database stands in the way
        return subnet

    rogue(overlays[0], "fd00:1::/120")
    # The same last 32 bits as an IPv4 window, in the other family: no overlap.
    rogue(overlays[1], "0.0.0.0/24")
    for cidr, family in (("fd00:1::80/121", "ipv6"), ("0.0.0.128/25", "ipv4")):
        clash = pytest.raises(IntegrityError, match=f"subnet_{family}_windows_never_overlap")
        with clash, transaction.atomic():
            rogue(overlays[2], cidr)
    assert Subnet.objects.count() == 2
