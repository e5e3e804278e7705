"""load_demo builds the seed's scenario and is idempotent."""

import pytest
import yaml
from django.core.management import CommandError, call_command

from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    Reservation,
    Site,
    Subnet,
)
from planner.services.carving import carve_segment

pytestmark = pytest.mark.django_db

DEMO_MODELS = [Site, NodeSegment, Node, Reservation, AddressPool, Cluster, Network, Subnet]


def snapshot() -> dict[str, list[dict]]:
    """Every demo row as plain values, without timestamps."""
    return {
        model.__name__: [
            {key: value for key, value in row.items() if key not in ("created", "last_updated")}
            for row in model.objects.order_by("pk").values()
        ]
        for model in DEMO_MODELS
    }


def test_demo_has_the_seed_scenario():
    call_command("load_demo")
    segment = NodeSegment.objects.get()
    assert (segment.cidr, segment.gateway, segment.vlan_id) == (
        "192.168.56.0/24",
        "192.168.56.1",
        0,
    )
    nodes = dict(Node.objects.values_list("name", "ip"))
    assert len(nodes) == 5 and sorted(nodes.values()) == [f"192.168.56.{n}" for n in range(2, 7)]
    labelled = Node.objects.filter(labels__network="network1").values_list("name", flat=True)
    assert list(labelled) == ["izf8zdygpbo4hx57g2wah8z"]
    assert str(Reservation.objects.get()) == "192.168.56.250-192.168.56.254 (infrastructure)"
    assert AddressPool.objects.get().cidr == "100.64.0.0/10"
    init = Network.objects.get(name="init")
    assert (init.type, init.mode, init.effective_mode, init.net_id) == ("Overlay", "", "VXLAN", 4)
    underlay = Network.objects.get(name="underlay-network1")
    assert (underlay.type, underlay.net_id, underlay.node_selector) == (
        "Underlay",
        0,
        {"network": "network1"},
    )
    assert Subnet.objects.get(name="init").cidr == "100.64.0.0/16"
    slice_ = Subnet.objects.get(name="underlay-subnet1")
    assert (slice_.segment, slice_.cidr, slice_.gateway) == (segment, segment.cidr, segment.gateway)
    # The slice keeps clear of the node IPs (.2-.6) and the infrastructure range.
    assert (slice_.start, slice_.end) == ("192.168.56.100", "192.168.56.199")


def test_demo_twice_gives_the_same_state():
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first


def test_demo_repairs_a_changed_row():
    call_command("load_demo")
    Node.objects.filter(name="izf8zdygpbo4hx57g2wah8z").update(labels={})
    call_command("load_demo")
    assert Node.objects.get(name="izf8zdygpbo4hx57g2wah8z").labels == {"network": "network1"}


def test_demo_writes_its_nodes_for_the_local_cluster(tmp_path):
    nodes_file = tmp_path / "nodes.yaml"
    call_command("load_demo", nodes_file=nodes_file)
    nodes = yaml.safe_load(nodes_file.read_text())
    assert nodes[1] == {"name": "izf8zdygpbo4hx57g2wah8z", "ip": "192.168.56.3"}
    assert len(nodes) == 5


def test_demo_if_empty_loads_into_an_empty_database():
    call_command("load_demo", if_empty=True)
    assert Subnet.objects.count() == 2


def test_demo_if_empty_leaves_a_users_plan_alone(capsys):
    """What `make run` does on every start: edits and deletions of demo objects stay."""
    call_command("load_demo")
    Node.objects.filter(name="izf8zdygpbo4hx57g2wah8z").update(labels={})
    Subnet.objects.filter(name="init").delete()
    edited = snapshot()
    call_command("load_demo", if_empty=True)
    assert snapshot() == edited
    assert "already holds a plan: demo not loaded" in capsys.readouterr().out


def test_demo_over_a_users_carve_fails_cleanly_and_changes_nothing():
    call_command("load_demo")
    slice_ = Subnet.objects.get(name="underlay-subnet1")
    network = slice_.network
    slice_.delete()
    carve_segment(
        NodeSegment.objects.get(),
        network=network,
        name="mine",
        start="192.168.56.120",
        end="192.168.56.130",
    )
    before = snapshot()
    with pytest.raises(CommandError, match="cannot restore the demo over the current plan"):
        call_command("load_demo")
    assert snapshot() == before
