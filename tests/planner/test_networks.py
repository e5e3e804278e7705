"""Planned Networks under Hybridnet's rules and the planner's stricter checks."""

import pytest
from django.utils import timezone

from planner.choices import NetworkTypeChoices
from planner.models import Network
from planner.services.errors import (
    HybridnetDenied,
    NeedsReplacementError,
    PlanConflictError,
    PlannerRejected,
)
from planner.services.networks import delete_network, save_new_network, update_network
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_segment,
    make_subnet,
)

pytestmark = pytest.mark.django_db


def new_network(cluster, name, **values) -> Network:
    values.setdefault("type", NetworkTypeChoices.UNDERLAY)
    return save_new_network(Network(cluster=cluster, name=name, **values))


def test_second_overlay_network_is_denied_with_hybridnets_text():
    cluster = make_cluster()
    new_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    with pytest.raises(HybridnetDenied) as error:
        new_network(cluster, "second", type=NetworkTypeChoices.OVERLAY, net_id=5)
    assert (error.value.rule, error.value.hybridnet_message) == (
        "N-4",
        "must have one overlay network at most",
    )
    assert error.value.message == (
        "Hybridnet would reject this Network: must have one overlay network at most"
    )


def test_underlay_selectors_may_not_share_a_node():
    cluster = make_cluster()
    segment = make_segment()
    node = make_node(segment, "192.168.56.2", cluster=cluster)
    node.labels = {"rack": "r1", "network": "n1"}
    node.save()
    new_network(cluster, "n1", node_selector={"network": "n1"}, net_id=0)
    with pytest.raises(HybridnetDenied) as error:
        new_network(cluster, "rack-1", node_selector={"rack": "r1"}, net_id=0)
    assert error.value.hybridnet_message == "underlay network cannot be overlapped"


def test_planner_refuses_what_hybridnet_would_accept_but_the_daemon_would_not():
    with pytest.raises(PlannerRejected) as error:
        new_network(make_cluster(), "n1", node_selector={"network": "n1"}, net_id=5000)
    assert "5000" in error.value.message and "NETID_RANGE" in error.value.message
    assert not Network.objects.exists()


def test_immutable_network_fields_need_replacement_once_applied_selector_may_change():
    cluster = make_cluster()
    network = new_network(cluster, "n1", mode="VLAN", node_selector={"network": "n1"}, net_id=0)
    Network.objects.filter(pk=network.pk).update(applied_at=timezone.now())
    update_network(network, {"node_selector": {"network": "n1-new"}})
    assert Network.objects.get().node_selector == {"network": "n1-new"}
    with pytest.raises(NeedsReplacementError) as error:
        update_network(Network.objects.get(), {"net_id": 7, "mode": ""})
    assert error.value.fields == ["mode", "net_id"]


def test_never_applied_network_takes_immutable_changes_reviewed_as_a_new_one():
    cluster = make_cluster()
    new_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    network = new_network(cluster, "n1", mode="VLAN", node_selector={"network": "n1"}, net_id=0)
    update_network(network, {"net_id": 7})
    assert Network.objects.get(name="n1").net_id == 7
    # Reviewed as a create in place of itself: a second Overlay Network is still N-4.
    with pytest.raises(HybridnetDenied) as error:
        update_network(
            Network.objects.get(name="n1"),
            {"type": NetworkTypeChoices.OVERLAY, "mode": "", "node_selector": {}, "net_id": 5},
        )
    assert error.value.rule == "N-4"
    assert Network.objects.get(name="n1").type == NetworkTypeChoices.UNDERLAY


def test_never_applied_network_with_subnets_keeps_its_immutable_fields():
    cluster = make_cluster()
    network = make_network(cluster, "n1", net_id=0)
    make_subnet(network, "slice", "192.168.56.0/24", gateway="192.168.56.1")
    with pytest.raises(PlanConflictError) as error:
        update_network(network, {"net_id": 7})
    assert error.value.field == "net_id"
    assert "it has subnets: slice" in error.value.message
    assert Network.objects.get().net_id == 0


def test_network_with_subnets_cannot_be_deleted():
    cluster = make_cluster()
    network = make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    make_subnet(network, "init", "100.64.0.0/16")
    with pytest.raises(PlanConflictError) as error:
        delete_network(network)
    assert error.value.message == "network init still has subnets: init; delete them first"
    network.subnets.all().delete()
    delete_network(network)
    assert not Network.objects.exists()
