"""manage.py rebuild_space_sizes: what a write that bypassed the triggers left wrong (a
data-only restore with triggers disabled, plain SQL run as a replica), measured again."""

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from planner.choices import NetworkTypeChoices
from planner.models import AddressPool, NodeSegment, Subnet
from planner.services.carving import carve_pool, carve_segment
from planner.services.utilization import pool_usages, segment_usages
from tests.planner.factories import make_cluster, make_network, make_pool, make_segment

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"
)


def rebuild() -> str:
    output = StringIO()
    call_command("rebuild_space_sizes", stdout=output)
    return output.getvalue()


@contextmanager
def triggers_bypassed():
    """Writes as a replica makes them, no trigger fired (as pg_restore --disable-triggers
    loads data)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


@pytest.fixture
def spaces():
    """A pool with blocks .0/24 and .1/24, a segment with one slice of 20 addresses."""
    overlay = make_network(make_cluster(), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    underlay = make_network(make_cluster("prod-b"), "underlay-1", net_id=0)
    pool, segment = make_pool("10.8.0.0/16", name="p"), make_segment()
    for name in ("a", "b"):
        carve_pool(pool, network=overlay, name=name, prefixlen=24)
    carve_segment(segment, network=underlay, name="slice", size=20)
    return pool, segment, overlay


def sizes(*spaces) -> list[int]:
    return [
        int(type(space).objects.values_list("planned_size", flat=True).get(pk=space.pk))
        for space in spaces
    ]


@on_postgresql
def test_rebuild_repairs_sizes_and_hints_the_triggers_did_not_keep(spaces):
    pool, segment, overlay = spaces
    with triggers_bypassed():
        Subnet.objects.filter(name="a").delete()
        NodeSegment.objects.filter(pk=segment.pk).update(planned_size=1)
    # The pool still counts the deleted block, and its hint still lies above it.
    assert sizes(pool, segment) == [512, 1]
    assert pool_usages([pool])[pool.pk].utilization.planned == 512

    output = rebuild()

    assert sizes(pool, segment) == [256, 20]
    assert pool_usages([pool])[pool.pk].utilization.planned == 256
    assert segment_usages([segment])[segment.pk].utilization.planned == 20
    assert f"node segment {segment}: planned size 1 repaired to 20" in output
    assert f"address pool {pool}: planned size 512 repaired to 256" in output
    assert "address pools: 1 of 1 planned sizes repaired, 1 search hints reset" in output
    # The freed block is found again from the bottom.
    assert carve_pool(pool, network=overlay, name="c", prefixlen=24).cidr == "10.8.0.0/24"


@on_postgresql
def test_rebuild_of_kept_sizes_changes_none(spaces):
    pool, segment, _ = spaces
    output = rebuild()
    assert sizes(pool, segment) == [512, 20]
    assert "node segments: 0 of 1 planned sizes repaired" in output
    assert "address pools: 0 of 1 planned sizes repaired" in output


@on_postgresql
def test_rebuild_measures_a_space_whose_subnets_were_restored_without_triggers(spaces):
    pool, _, overlay = spaces
    with triggers_bypassed():
        restored = Subnet(
            network=overlay, cluster=overlay.cluster, pool=pool, name="c", cidr="10.8.9.0/24"
        )
        restored.full_clean()
        restored.save()
    assert sizes(pool) == [512]
    rebuild()
    assert sizes(pool) == [768]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL keeps sizes")
def test_without_triggers_no_size_is_kept_and_there_is_nothing_to_rebuild(spaces):
    pool, segment, _ = spaces
    assert [AddressPool.objects.get(pk=pool.pk).planned_size] == [None]
    assert [NodeSegment.objects.get(pk=segment.pk).planned_size] == [None]
    assert pool_usages([pool])[pool.pk].utilization.planned == 512
    assert "Nothing to rebuild" in rebuild()
