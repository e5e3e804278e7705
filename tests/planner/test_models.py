"""Model validation: malformed or misplaced addresses and duplicate names are refused clearly."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from planner.choices import NetworkTypeChoices, ReservationKindChoices
from planner.models import Cluster, Node, NodeSegment, Reservation, Subnet
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_pool,
    make_segment,
    make_site,
    make_subnet,
)

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> dict[str, list[str]]:
    return error.value.message_dict


@pytest.mark.parametrize(
    ("cidr", "reason"),
    [
        ("192.168.56.0", "is not in CIDR form"),
        ("192.168.56.0/33", "prefix length /33 exceeds /32"),
        ("192.168.56.7/24", "has host bits set: the network address is 192.168.56.0/24"),
        ("192.168.300.0/24", "is not a valid IP address"),
        ("fd00::1/64", "has host bits set: the network address is fd00::/64"),
        ("10/8", "is not a valid IP address"),
        ("::ffff:192.168.56.0/120", "is an IPv4-mapped IPv6 address: write the IPv4 address"),
        # Go reads only the ASCII digits 0-9, in the prefix length as in the address.
        ("192.168.56.0/\uff12\uff14", "write the prefix length with the ASCII digits 0-9"),
        ("192.168.56.0/\u00b2", "write the prefix length with the ASCII digits 0-9"),
        ("\uff11\uff19\uff12.168.56.0/24", "is not a valid IP address"),
        ("192.168.56.0/" + "9" * 5000, "exceeds /32"),
    ],
)
def test_malformed_cidr_is_refused_with_the_reason(cidr, reason):
    segment = NodeSegment(site=make_site(), name="s", cidr=cidr)
    with pytest.raises(ValidationError) as error:
        segment.full_clean()
    assert any(reason in text for text in messages(error)["cidr"])


def test_cidr_and_addresses_are_stored_in_canonical_text():
    segment = make_segment(cidr="FD00:0:0:0::/64", gateway="FD00::0001")
    assert (segment.cidr, segment.gateway, segment.family) == ("fd00::/64", "fd00::1", 6)


def test_node_outside_its_segment_is_refused():
    segment = make_segment()
    with pytest.raises(ValidationError) as error:
        make_node(segment, "192.168.57.10")
    assert messages(error)["ip"] == ["192.168.57.10 is not inside 192.168.56.0/24"]


def test_node_of_the_other_family_is_refused():
    segment = make_segment()
    with pytest.raises(ValidationError) as error:
        make_node(segment, "fd00::10")
    assert messages(error)["ip"] == ["fd00::10 is not inside 192.168.56.0/24"]


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("192.168.56.1", "192.168.56.1 is the gateway of seg-a"),
        ("192.168.56.0", "is the network or broadcast address"),
        ("192.168.56.255", "is the network or broadcast address"),
    ],
)
def test_node_on_gateway_network_or_broadcast_is_refused(ip, reason):
    with pytest.raises(ValidationError) as error:
        make_node(make_segment(), ip)
    assert reason in messages(error)["ip"][0]


def test_duplicate_node_ip_in_a_segment_is_refused():
    segment = make_segment()
    make_node(segment, "192.168.56.2", name="node-a")
    with pytest.raises(ValidationError) as error:
        make_node(segment, "192.168.56.2", name="node-b")
    assert messages(error)["ip"] == [
        "192.168.56.2 is already the address of node node-a in segment seg-a"
    ]


def test_duplicate_node_ip_is_refused_by_the_database_too():
    segment = make_segment()
    make_node(segment, "192.168.56.2", name="node-a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Node(segment=segment, ip="192.168.56.2", name="node-b").save()


def test_gateway_outside_segment_is_refused():
    with pytest.raises(ValidationError) as error:
        make_segment(gateway="10.0.0.1")
    assert messages(error)["gateway"] == ["10.0.0.1 is not inside 192.168.56.0/24"]


def test_overlapping_segments_and_pools_are_refused():
    make_segment(cidr="192.168.56.0/24")
    with pytest.raises(ValidationError) as error:
        make_segment(cidr="192.168.0.0/16", gateway="192.168.0.1", name="wide")
    assert messages(error)["cidr"] == [
        "192.168.0.0/16 overlaps node segment seg-a (192.168.56.0/24)"
    ]
    with pytest.raises(ValidationError) as error:
        make_pool(cidr="192.168.56.128/25")
    assert "overlaps node segment seg-a" in messages(error)["cidr"][0]


def test_segment_cidr_edit_may_not_strand_its_nodes():
    segment = make_segment(cidr="192.168.56.0/24")
    make_node(segment, "192.168.56.200")
    segment.cidr, segment.gateway = "192.168.56.0/25", "192.168.56.1"
    with pytest.raises(ValidationError) as error:
        segment.full_clean()
    assert "would leave outside: node node-1 (192.168.56.200)" in messages(error)["cidr"][0]


def test_duplicate_kubernetes_names_in_one_cluster_are_refused():
    cluster = make_cluster()
    make_network(cluster, "underlay-1")
    with pytest.raises(ValidationError) as error:
        make_network(cluster, "underlay-1")
    assert messages(error)["name"] == ["cluster prod-a already has a network underlay-1"]

    overlay = make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    make_subnet(overlay, "init", "100.64.0.0/16")
    with pytest.raises(ValidationError) as error:
        make_subnet(overlay, "init", "100.65.0.0/16")
    assert messages(error)["name"] == ["cluster prod-a already has a subnet init"]


def test_same_kubernetes_name_in_two_clusters_is_fine():
    for cluster in (make_cluster("prod-a"), make_cluster("prod-b")):
        overlay = make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
        make_subnet(overlay, "init", f"100.{64 + cluster.pk % 100}.0.0/16")
    assert Subnet.objects.filter(name="init").count() == 2


def test_invalid_kubernetes_name_is_refused():
    cluster = make_cluster()
    with pytest.raises(ValidationError) as error:
        make_network(cluster, "Underlay_1")
    assert "valid Kubernetes object name" in messages(error)["name"][0]


def test_network_mode_must_match_its_type():
    with pytest.raises(ValidationError) as error:
        make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, mode="VLAN")
    assert messages(error)["mode"] == ["a Overlay network takes mode VXLAN"]


def test_empty_network_mode_stays_empty_and_means_the_types_default():
    # NU-3 compares the raw string: "" -> "VXLAN" would be a denied update, so never fill it.
    network = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    network.refresh_from_db()
    assert (network.mode, network.effective_mode) == ("", "VXLAN")


def test_invalid_node_selector_label_is_refused():
    with pytest.raises(ValidationError) as error:
        make_network(make_cluster(), "u1", node_selector={"net work": "x"})
    assert "label key 'net work' must consist of" in messages(error)["node_selector"][0]


def test_subnet_addresses_are_checked_against_its_cidr():
    network = make_network(make_cluster())
    with pytest.raises(ValidationError) as error:
        make_subnet(
            network,
            "s1",
            "192.168.56.0/24",
            gateway="192.168.56.1",
            start="192.168.56.10",
            end="192.168.57.20",
        )
    assert messages(error)["end"] == ["192.168.57.20 is not inside 192.168.56.0/24"]
    with pytest.raises(ValidationError) as error:
        make_subnet(network, "s1", "192.168.56.0/24", start="192.168.56.50", end="192.168.56.20")
    assert messages(error)["end"] == ["end 192.168.56.20 is before start 192.168.56.50"]
    with pytest.raises(ValidationError) as error:
        make_subnet(
            network, "s1", "192.168.56.0/24", exclude_ips=["192.168.56.9", "192.168.56.09x"]
        )
    assert messages(error)["exclude_ips"] == ["'192.168.56.09x' is not a valid IP address"]
    with pytest.raises(ValidationError) as error:
        make_subnet(network, "s1", "192.168.56.0/24", reserved_ips=["192.168.56.9", "192.168.56.9"])
    assert messages(error)["reserved_ips"] == ["listed more than once: 192.168.56.9"]


def test_subnet_windows_may_not_overlap_even_across_clusters():
    segment = make_segment()
    first = make_network(make_cluster("prod-a"))
    second = make_network(make_cluster("prod-b"))
    slice_a = dict(cidr=segment.cidr, gateway=segment.gateway, segment=segment)
    make_subnet(first, "slice", start="192.168.56.100", end="192.168.56.149", **slice_a)
    make_subnet(second, "slice", start="192.168.56.150", end="192.168.56.199", **slice_a)
    with pytest.raises(ValidationError) as error:
        make_subnet(second, "late", start="192.168.56.140", end="192.168.56.160", **slice_a)
    assert error.value.messages == [
        "the address window overlaps subnet slice of cluster prod-a "
        "(192.168.56.0/24, 192.168.56.100-192.168.56.149)"
    ]


def test_ipv6_subnet_window_defaults_follow_hybridnet():
    network = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    subnet = make_subnet(network, "v6", "fd00::/120")
    assert subnet.version == "6"
    assert subnet.window_text == "fd00::1-fd00::ff"  # IPv6 has no broadcast (SPEC 2.2)


def test_segment_slice_must_keep_the_segment_cidr():
    segment = make_segment()
    network = make_network(make_cluster())
    with pytest.raises(ValidationError) as error:
        make_subnet(network, "s1", "192.168.56.0/25", segment=segment)
    assert messages(error)["cidr"] == ["a slice of segment seg-a must use its CIDR 192.168.56.0/24"]


def test_pool_block_must_lie_inside_the_pool():
    pool = make_pool()
    network = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    with pytest.raises(ValidationError) as error:
        make_subnet(network, "s1", "10.0.0.0/16", pool=pool)
    assert messages(error)["cidr"] == ["10.0.0.0/16 is not inside pool overlay"]


def test_reservation_must_lie_in_its_segment_and_not_overlap_another():
    segment = make_segment()
    reservation = Reservation(
        segment=segment,
        start="192.168.56.250",
        end="192.168.56.254",
        kind=ReservationKindChoices.INFRASTRUCTURE,
    )
    reservation.full_clean()
    reservation.save()
    clash = Reservation(segment=segment, start="192.168.56.254", kind=ReservationKindChoices.POD)
    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert messages(error)["start"] == [
        "overlaps the reservation 192.168.56.250-192.168.56.254 (infrastructure)"
    ]
    outside = Reservation(segment=segment, start="10.0.0.1", kind=ReservationKindChoices.POD)
    with pytest.raises(ValidationError) as error:
        outside.full_clean()
    assert messages(error)["start"] == ["10.0.0.1 is not inside 192.168.56.0/24"]


def test_reservation_needs_exactly_one_parent():
    with pytest.raises(ValidationError) as error:
        Reservation(start="10.0.0.1", kind=ReservationKindChoices.POD).full_clean()
    assert "exactly one segment or pool" in str(error.value)


def test_address_keys_let_the_database_range_query_in_address_order():
    segment = make_segment(cidr="10.0.0.0/8", gateway="10.0.0.1")
    for index, ip in enumerate(["10.0.0.9", "10.0.0.10", "10.2.0.0", "10.255.255.254"]):
        make_node(segment, ip, name=f"n{index}")
    ordered = list(Node.objects.order_by("ip_key").values_list("ip", flat=True))
    assert ordered == ["10.0.0.9", "10.0.0.10", "10.2.0.0", "10.255.255.254"]
    low, high = Node.objects.get(ip="10.0.0.10").ip_key, Node.objects.get(ip="10.2.0.0").ip_key
    inside = Node.objects.filter(ip_key__gte=low, ip_key__lte=high).values_list("ip", flat=True)
    assert sorted(inside) == ["10.0.0.10", "10.2.0.0"]


def test_cluster_credentials_are_encrypted_at_rest():
    secret = "apiVersion: v1\nkind: Config\nusers: [{name: a, user: {token: s3cr3t-token}}]\n"
    cluster = Cluster.objects.create(name="prod-a", credentials=secret)
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM planner_cluster WHERE id = %s", [cluster.pk])
        stored = cursor.fetchone()[0]
    assert "s3cr3t-token" not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert Cluster.objects.get(pk=cluster.pk).credentials == secret
