"""Querysets compiled once: the same rows and objects as the ORM, the real arguments bound in
every call, one compile per shape, and builders the scheme cannot serve refused. An INSERT
assembled once: the row bulk_create writes."""

import pytest
from django.db import connection, transaction
from django.db.models import Count, Value
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from planner.addressing import address_key
from planner.compiled import CompiledInsert, CompiledQuery
from planner.models import AddressPool, Network, Subnet
from tests.planner.factories import make_cluster, make_network, make_pool, make_subnet

pytestmark = pytest.mark.django_db


def subnet_ranges(family: int, lo_key: bytes, names: list[str]):
    return (
        Subnet.objects.filter(family=family, first_key__gte=lo_key, name__in=names)
        .order_by("first_key")
        .values_list("name", "first_key", "last_key")
    )


@pytest.fixture
def subnets():
    network = make_network(make_cluster("c0"), "init", "Overlay")
    return [make_subnet(network, f"s{index}", f"10.0.{index}.0/24") for index in range(4)]


def test_rows_are_the_orms_rows_with_each_calls_arguments(subnets):
    compiled = CompiledQuery(subnet_ranges)
    for lo, names in ((0, ["s0", "s1", "s3"]), (2, ["s1", "s2", "s3"]), (1, ["s0", "s9", "s3"])):
        lo_key = address_key(4, (10 << 24) + (lo << 8))
        arguments = (4, lo_key, names)
        assert compiled.rows(*arguments) == list(subnet_ranges(*arguments))
    assert compiled.rows(4, address_key(4, 11 << 24), ["s0", "s1", "s2"]) == []
    # Three calls, one shape: compiled once (twice over, with two sets of stand-ins).
    assert len(compiled._statements) == 1
    # Another length of list is another shape.
    compiled.rows(4, subnets[0].first_key, ["s0", "s1"])
    assert len(compiled._statements) == 2


def test_the_sql_is_the_orms_so_the_database_keeps_one_prepared_plan(subnets):
    compiled = CompiledQuery(subnet_ranges)
    arguments = (4, subnets[1].first_key, ["s1", "s2"])
    with CaptureQueriesContext(connection) as queries:
        list(subnet_ranges(*arguments))
        compiled.rows(*arguments)
    orm, ours = (query["sql"] for query in queries.captured_queries)
    assert ours == orm


def test_objects_carry_select_related_objects_and_annotations():
    cluster = make_cluster("c1")
    for name in ("init", "other"):
        make_network(cluster, name, "Overlay")

    def networks(pk: int):
        return (
            Network.objects.select_related("cluster")
            .annotate(siblings=Count("cluster__networks"))
            .filter(pk=pk)
        )

    compiled = CompiledQuery(networks)
    for network in Network.objects.all():
        found = compiled.one(network.pk)
        assert found == network and found.name == network.name
        # Read through the field's converter (JSON text to a dict), as the ORM reads it.
        assert found.node_selector == network.node_selector == {}
        assert found.created == network.created
        with CaptureQueriesContext(connection) as queries:
            assert found.cluster.name == "c1"  # read with it, not after
        assert queries.captured_queries == []
        assert found.siblings == 2


def test_one_says_when_there_is_none_or_several():
    make_network(make_cluster("c1"), "init", "Overlay")
    make_network(make_cluster("c2"), "init", "Overlay")
    compiled = CompiledQuery(lambda name: Network.objects.filter(name=name))
    with pytest.raises(Network.DoesNotExist):
        compiled.one("absent")
    with pytest.raises(Network.MultipleObjectsReturned):
        compiled.one("init")


def test_keyword_literals_shape_the_sql_and_are_part_of_the_shape(subnets):
    compiled = CompiledQuery(
        lambda family, *, limit: (
            Subnet.objects.filter(family=family).order_by("first_key").values_list("name")[:limit]
        )
    )
    assert compiled.rows(4, limit=1) == [("s0",)]
    assert compiled.rows(4, limit=3) == [("s0",), ("s1",), ("s2",)]


def test_an_argument_that_lands_in_the_sql_text_is_refused(subnets):
    compiled = CompiledQuery(lambda limit: Subnet.objects.values_list("name")[:limit])
    with pytest.raises(ValueError, match="pass values that shape the SQL text as keywords"):
        compiled.rows(2)


def test_a_constant_equal_to_a_stand_in_is_refused():
    # 20000 is the first integer stand-in of the first compile: it would be bound over.
    compiled = CompiledQuery(lambda pk: Network.objects.filter(pk=pk, net_id=20_000))
    with pytest.raises(ValueError, match="a constant equals a stand-in"):
        compiled.objects(1)


def test_only_plain_values_are_bound():
    compiled = CompiledQuery(lambda value: Network.objects.filter(net_id=value))
    for value in (None, 1.5, {"a": 1}):
        with pytest.raises(TypeError, match="binds int, str or bytes"):
            compiled.objects(value)


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_needs_a_transaction_as_the_orms_does():
    pool = make_pool("10.9.0.0/16")
    compiled = CompiledQuery(lambda pk: AddressPool.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert compiled.one(pool.pk) == pool
    # Compiled already, it still refuses to lock outside a transaction.
    with pytest.raises(TransactionManagementError):
        compiled.one(pool.pk)


def test_a_values_query_gives_rows_not_objects(subnets):
    compiled = CompiledQuery(lambda family: Subnet.objects.filter(family=family).values_list("pk"))
    with pytest.raises(TypeError, match="read its rows"):
        compiled.objects(4)


def stored_columns(subnet: Subnet) -> dict:
    """What the database holds of `subnet`, but for what differs between any two rows."""
    row = Subnet.objects.filter(pk=subnet.pk).values().get()
    for column in ("id", "name", "created", "last_updated"):
        row.pop(column)
    return row


def test_an_insert_writes_the_row_bulk_create_writes():
    network = make_network(make_cluster("c0"), "init", "Overlay")
    inserts = CompiledInsert(Subnet)
    for index, cidr in enumerate(("10.1.0.0/24", "fd00:2::/120", "10.1.1.0/26")):
        ours, theirs = (
            Subnet(network=network, name=f"{side}-{index}", cidr=cidr, reserved_ips=[])
            for side in ("ours", "theirs")
        )
        for subnet in (ours, theirs):
            subnet.full_clean(exclude=["network"], validate_unique=False)
        assert inserts.insert(ours) is ours
        assert ours.pk is not None and not ours._state.adding and ours._state.db == "default"
        assert ours.created is not None and ours.last_updated is not None
        stored = stored_columns(ours)
        ours.delete()  # the window is free again for bulk_create's copy
        Subnet.objects.bulk_create([theirs])
        assert stored == stored_columns(theirs)


def test_an_insert_takes_only_new_objects_and_plain_values():
    network = make_network(make_cluster("c0"), "init", "Overlay")
    inserts = CompiledInsert(Subnet)
    subnet = make_subnet(network, "stored", "10.2.0.0/24")
    with pytest.raises(ValueError, match="without a primary key"):
        inserts.insert(subnet)
    expression = Subnet(network=network, name="x", cidr="10.3.0.0/24")
    expression.full_clean(exclude=["network"], validate_unique=False)
    expression.description = Value("made by the database")
    with pytest.raises(ValueError, match="description: a compiled insert takes values"):
        inserts.insert(expression)
    # Refused before its text was kept: a plain object after it is inserted as usual.
    expression.description = "plain"
    inserts.insert(expression)
    assert Subnet.objects.get(name="x").description == "plain"
