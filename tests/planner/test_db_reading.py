"""How values come back from PostgreSQL: timestamps through the ISO loader read exactly as
through Django's own, JSON through orjson as through json, and rows become the objects
Django's own from_db() would build."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models.signals import post_init

from planner.dbtypes import IsoTimestamptzLoader
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
from tests.planner.factories import make_cluster

pytestmark = pytest.mark.django_db
# Session zones with whole-hour, half-hour and negative offsets, and one with DST.
SESSION_ZONES = ["UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Paris"]
INSTANTS = [
    datetime(2026, 11, 27, 0, 31, 22, 123456, tzinfo=UTC),
    datetime(2026, 11, 27, 0, 31, 22, tzinfo=UTC),  # no fraction: none in the text
    datetime(2026, 11, 27, 0, 31, 22, 500000, tzinfo=UTC),  # PostgreSQL writes ".5"
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # Paris moves to summer time
    datetime(999, 1, 1, tzinfo=UTC),
]


def read_timestamps(zone: str, loader_of: callable) -> list[datetime]:
    """INSTANTS read back in a session of `zone` with the loader `loader_of(cursor)` sets."""
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        loader_of(cursor)
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [zone])
        cursor.execute(
            "SELECT value FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS t(value, n) ORDER BY n",
            [INSTANTS],
        )
        values = [value for (value,) in cursor.fetchall()]
        cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")
        return values


@pytest.mark.parametrize("zone", SESSION_ZONES)
def test_timestamps_read_as_djangos_loader_reads_them(zone: str) -> None:
    ours = read_timestamps(zone, lambda cursor: None)
    djangos = read_timestamps(zone, lambda cursor: register_tzloader(connection.timezone, cursor))
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [value.tzinfo for value in djangos]
    assert [value.isoformat() for value in ours] == [value.isoformat() for value in djangos]


def test_the_iso_loader_reads_the_models_timestamps() -> None:
    connection.ensure_connection()
    adapters = connection.connection.adapters
    loader = adapters.get_loader(adapters.types["timestamptz"].oid, 0)
    assert issubclass(loader, IsoTimestamptzLoader)
    site = Site.objects.create(name="dc1")
    stored = Site.objects.get(pk=site.pk)
    assert stored.created == site.created
    assert stored.created.tzinfo is UTC


def test_json_reads_as_written_beyond_64_bit_integers_too() -> None:
    selector = {"network": "underlay-1", "rack": "r01"}
    # Not a valid peer (the API refuses it), but what the column holds comes back as it is.
    peers = [{"asn": 2**70, "address": "10.0.0.1", "gracefulRestartSeconds": None}]
    network = Network.objects.create(
        cluster=make_cluster(),
        name="underlay-1",
        type="Underlay",
        mode="BGP",
        node_selector=selector,
        bgp_peers=peers,
    )
    stored = Network.objects.get(pk=network.pk)
    assert stored.node_selector == selector
    assert stored.bgp_peers == peers


def without_state(instance: models.Model) -> dict:
    return {key: value for key, value in vars(instance).items() if key != "_state"}


def load_the_usual_way(queryset: models.QuerySet) -> list[models.Model]:
    """The rows as Django's own from_db() builds them: a post_init listener makes it."""

    def listen(sender, instance, **kwargs) -> None:
        pass

    post_init.connect(listen, sender=queryset.model)
    try:
        return list(queryset.all())
    finally:
        post_init.disconnect(listen, sender=queryset.model)


@pytest.mark.parametrize(
    "model", [Site, NodeSegment, AddressPool, Node, Reservation, Cluster, Network, Subnet]
)
def test_rows_load_as_djangos_from_db_loads_them(model) -> None:
    call_command("load_demo", verbosity=0)
    rows = model.objects.order_by("pk")
    loaded, usual = list(rows), load_the_usual_way(rows)
    assert loaded
    assert [without_state(row) for row in loaded] == [without_state(row) for row in usual]
    assert {(row._state.adding, row._state.db) for row in loaded} == {(False, "default")}


def test_a_post_init_listener_still_hears_each_row() -> None:
    sites = [Site.objects.create(name=name) for name in ("dc1", "dc2")]
    heard = []  # the listener hears each row, so from_db() took Django's own way

    def listen(sender, instance, **kwargs) -> None:
        heard.append(instance.name)

    post_init.connect(listen, sender=Site)
    try:
        loaded = list(Site.objects.order_by("name"))
    finally:
        post_init.disconnect(listen, sender=Site)
    assert heard == ["dc1", "dc2"]
    assert [site.pk for site in loaded] == [site.pk for site in sites]
