"""Users and a small plan for the browser UI's tests."""

import ipaddress

import pytest
from django.contrib.auth.models import Permission, User

from planner.choices import ReservationKindChoices
from planner.models import Reservation, Subnet
from planner.services.carving import carve_pool, carve_segment
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_pool,
    make_segment,
)

PASSWORD = "a-long-test-password"


def bulk_slices(
    segment, networks: list, count: int, size: int, first_offset: int = 2, prefix: str = "s"
) -> None:
    """`count` slices of `size` addresses from `first_offset` up, dealt round `networks`'
    clusters, written at once (carving them one by one would take minutes)."""
    first = int(ipaddress.ip_network(segment.cidr).network_address) + first_offset
    slices = []
    for index in range(count):
        start = first + index * size
        network = networks[index % len(networks)]
        subnet = Subnet(
            network=network,
            segment=segment,
            name=f"{prefix}{index}",
            cidr=segment.cidr,
            gateway=segment.gateway,
            start=str(ipaddress.ip_address(start)),
            end=str(ipaddress.ip_address(start + size - 1)),
            net_id=0,
        )
        subnet.cluster_id = network.cluster_id
        subnet.normalize_addresses()
        slices.append(subnet)
    Subnet.objects.bulk_create(slices)


def make_user(username: str, actions: tuple[str, ...]) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    codenames = Permission.objects.filter(
        content_type__app_label="planner", codename__regex=rf"^({'|'.join(actions)})_"
    )
    user.user_permissions.set(codenames)
    return user


@pytest.fixture
def planner_user(db) -> User:
    """May view and change everything planned."""
    return make_user("planner", ("view", "add", "change", "delete"))


@pytest.fixture
def reader(db) -> User:
    """May view everything, change nothing."""
    return make_user("reader", ("view",))


@pytest.fixture
def planner_client(client, planner_user):
    client.force_login(planner_user)
    return client


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def plan(db) -> dict:
    """A segment with nodes, a reservation and two clusters' slices; a pool with a block."""
    segment = make_segment()
    prod_a, prod_b = make_cluster("prod-a"), make_cluster("prod-b")
    node = make_node(segment, "192.168.56.2", cluster=prod_a)
    underlay_a = make_network(prod_a, net_id=0)
    underlay_b = make_network(prod_b, net_id=0)
    overlay = make_network(prod_a, "init", type="Overlay", net_id=4)
    reservation = Reservation(
        segment=segment,
        start="192.168.56.250",
        end="192.168.56.254",
        kind=ReservationKindChoices.INFRASTRUCTURE,
    )
    reservation.full_clean()
    reservation.save()
    slice_a = carve_segment(segment, network=underlay_a, name="slice-a", size=50)
    slice_b = carve_segment(segment, network=underlay_b, name="slice-b", size=20)
    pool = make_pool()
    block = carve_pool(pool, network=overlay, name="init-a", prefixlen=16)
    return {
        "segment": segment,
        "pool": pool,
        "clusters": (prod_a, prod_b),
        "node": node,
        "reservation": reservation,
        "networks": (underlay_a, underlay_b, overlay),
        "slices": (slice_a, slice_b),
        "block": block,
    }
