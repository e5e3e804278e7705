"""Writers of subnets in several spaces lock them in one order, segments then pools, each by
id (the subnet triggers of migration 0011, planner.services.subnets): two of them queued
behind the same lock never deadlock, whichever gets it first. An edit that moves no
address locks no space."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, close_old_connections, connection, transaction

from planner.addressing import address_key, parse_address
from planner.choices import NetworkTypeChoices
from planner.models import NodeSegment, Subnet
from planner.services.carving import carve_pool, carve_segment
from planner.services.subnets import save_new_subnets
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_pool,
    make_segment,
    slice_of,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"),
]
WAIT_SECONDS = 30
POLL_SECONDS = 0.05
LOCK_TIMEOUT = "1s"


def waiting_for_locks() -> int:
    """Sessions of this database waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_until_waiting(count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while waiting_for_locks() < count:
        assert time.monotonic() < deadline, f"fewer than {count} sessions ever waited"
        time.sleep(POLL_SECONDS)


class Worker(threading.Thread):
    """Runs `work` in a transaction of its own connection; keeps what it raised."""

    def __init__(self, work) -> None:
        super().__init__(daemon=True)
        self.work, self.error = work, None

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.work()
        except Exception as error:  # noqa: BLE001 (reported by the test)
            self.error = error
        finally:
            close_old_connections()
            connection.close()


@contextmanager
def segment_locked_elsewhere(segment: NodeSegment) -> Iterator[None]:
    """`segment`'s row locked by another transaction (as a carve holds it) until the block
    ends."""
    holding, release = threading.Event(), threading.Event()

    def hold_segment() -> None:
        list(NodeSegment.objects.select_for_update().filter(pk=segment.pk).values_list("pk"))
        holding.set()
        release.wait(WAIT_SECONDS)

    holder = Worker(hold_segment)
    holder.start()
    assert holding.wait(WAIT_SECONDS)
    try:
        yield
    finally:
        release.set()
        holder.join(WAIT_SECONDS)


def test_a_delete_and_a_create_over_the_same_segment_and_pool_never_deadlock():
    segment, pool = make_segment(), make_pool("10.8.0.0/16", name="p")
    underlay = make_network(make_cluster("a"), "underlay-1", net_id=0)
    overlay = make_network(make_cluster("b"), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    doomed = [
        carve_segment(segment, network=underlay, name="old-slice", size=10).pk,
        carve_pool(pool, network=overlay, name="old-block", prefixlen=24).pk,
    ]
    new = [
        slice_of(segment, underlay, "new-slice", "192.168.56.100", "192.168.56.109"),
        Subnet(network=overlay, cluster=overlay.cluster, pool=pool, name="b", cidr="10.8.9.0/24"),
    ]
    deleter = Worker(lambda: Subnet.objects.filter(pk__in=doomed).delete())
    creator = Worker(lambda: save_new_subnets(new))
    with segment_locked_elsewhere(segment):
        # One statement deleting a slice and a block queues first for the segment, then a
        # bulk create of a slice and a block: had it locked the pool first, the delete would
        # wait for the pool while the create waited for the segment.
        deleter.start()
        wait_until_waiting(1)
        creator.start()
        wait_until_waiting(2)
    for worker in (deleter, creator):
        worker.join(WAIT_SECONDS)
    assert (deleter.error, creator.error) == (None, None)
    assert sorted(Subnet.objects.values_list("name", flat=True)) == ["b", "new-slice"]


def test_editing_what_moves_no_address_locks_no_space():
    """A carve holds its segment's lock: an edit of a slice's description meanwhile goes
    through, where a change of its addresses would wait."""
    segment = make_segment()
    underlay = make_network(make_cluster("a"), "underlay-1", net_id=0)
    slice_ = carve_segment(segment, network=underlay, name="slice", size=10)
    with segment_locked_elsewhere(segment):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            Subnet.objects.filter(pk=slice_.pk).update(description="edited meanwhile")
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            moved_end = address_key(*parse_address("192.168.56.30"))
            Subnet.objects.filter(pk=slice_.pk).update(window_last_key=moved_end)
    assert Subnet.objects.get(pk=slice_.pk).description == "edited meanwhile"
