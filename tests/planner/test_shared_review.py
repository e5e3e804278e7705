"""New Subnets reviewed together: each sees the ones before it, the cluster's planned state
is read once, and only the Subnets the create rules can deny on are read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planner.choices import NetworkTypeChoices
from planner.models import Subnet
from planner.services.errors import HybridnetDenied
from planner.services.review import states_for_new_subnets
from planner.services.subnets import save_new_subnet, save_new_subnets
from tests.planner.factories import make_cluster, make_network

pytestmark = pytest.mark.django_db


def block(network, index: int) -> Subnet:
    return Subnet(network=network, name=f"block-{index}", cidr=f"100.64.{index}.0/24")


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


def test_each_new_subnet_sees_the_ones_before_it_in_the_same_request():
    cluster = make_cluster()
    first = make_network(cluster, "underlay-1", net_id=0)
    second = make_network(cluster, "underlay-2", net_id=0)
    with pytest.raises(HybridnetDenied) as error:
        save_new_subnets(
            [
                slice_of(first, "a", "10.0.0.10", "10.0.0.20"),
                slice_of(second, "b", "10.0.0.30", "10.0.0.40"),
            ]
        )
    assert error.value.rule == "S-12"
    assert not Subnet.objects.exists()


def test_a_new_subnet_is_reviewed_against_a_stored_one_it_nests_with():
    cluster = make_cluster()
    first = make_network(cluster, "underlay-1", net_id=0)
    second = make_network(cluster, "underlay-2", net_id=0)
    save_new_subnet(slice_of(first, "a", "10.0.0.10", "10.0.0.20"))
    with pytest.raises(HybridnetDenied) as error:
        save_new_subnet(slice_of(second, "b", "10.0.0.30", "10.0.0.40"))
    assert error.value.rule == "S-12"


def test_the_review_reads_only_the_subnets_a_new_one_nests_with():
    cluster = make_cluster()
    overlay = make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    save_new_subnets([block(overlay, index) for index in range(40)])
    wide = Subnet(network=overlay, name="wide", cidr="100.64.128.0/17")
    save_new_subnet(wide)

    def state_of(new: Subnet):
        new.full_clean(validate_unique=False)
        return states_for_new_subnets([new])[cluster.pk]

    def state_subnets(new: Subnet) -> list[str]:
        return list(state_of(new).subnets)

    assert state_subnets(Subnet(network=overlay, name="far", cidr="100.64.100.0/24")) == []
    assert state_subnets(Subnet(network=overlay, name="in-3", cidr="100.64.3.128/25")) == [
        "block-3"
    ]
    assert state_subnets(Subnet(network=overlay, name="in-wide", cidr="100.64.200.0/24")) == [
        "wide"
    ]
    # The state's Networks are all there, whatever the subnets.
    assert list(state_of(block(overlay, 99)).networks) == ["init"]


def test_a_bulk_create_reads_the_cluster_once_not_per_subnet():
    overlay = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)

    def queries(first: int, count: int) -> int:
        with CaptureQueriesContext(connection) as context:
            save_new_subnets([block(overlay, index) for index in range(first, first + count)])
        return len(context.captured_queries)

    assert queries(0, 5) == queries(5, 40)
    assert Subnet.objects.count() == 45


def test_a_slice_is_reviewed_without_its_own_networks_slices_elsewhere_in_its_cidr():
    """Slices of the same CIDR and Network can only deny a new slice by S-13, an overlapping
    window: the review reads only those whose window reaches the new one, however many
    there are; a Subnet of another Network or another nesting CIDR still denies it."""
    cluster = make_cluster()
    first = make_network(cluster, "underlay-1", net_id=0)
    second = make_network(cluster, "underlay-2", net_id=0)
    for index in range(3):
        low = 10 + 10 * index
        save_new_subnet(slice_of(first, f"a{index}", f"10.0.0.{low}", f"10.0.0.{low + 5}"))
    new = slice_of(first, "new", "10.0.0.100", "10.0.0.110")
    new.full_clean(exclude=["network"], validate_unique=False)
    (state,) = states_for_new_subnets([new]).values()
    assert list(state.subnets) == []
    reaching = slice_of(first, "reaching", "10.0.0.14", "10.0.0.19")
    reaching.full_clean(exclude=["network"], validate_unique=False)
    (state,) = states_for_new_subnets([reaching]).values()
    assert sorted(state.subnets) == ["a0"]

    # Stored as another writer might have left them (the review would deny either now).
    for denier in (
        Subnet(network=first, name="inner", cidr="10.0.0.128/26", start="10.0.0.130"),
        slice_of(second, "other", "10.0.0.200", "10.0.0.210"),
    ):
        denier.full_clean(exclude=["network"], validate_unique=False)
        denier.save()
    (state,) = states_for_new_subnets([new]).values()
    assert sorted(state.subnets) == ["inner", "other"]
    with pytest.raises(HybridnetDenied) as error:
        save_new_subnet(new)
    assert (error.value.rule, error.value.hybridnet_message) == (
        "S-11",
        "different but overlapped CIDR with existing subnet inner, this is not suppored yet",
    )
    assert not Subnet.objects.filter(name="new").exists()
