"""Property: whatever sequence of creates, carves, edits and deletes is written through the
services and through full_clean() and save() as the API writes, no accepted write leaves a
plan that Hybridnet would refuse, subnets that overlap across clusters, or planned objects
at odds with the segment or pool they lie in (issue 15). Refusals are fine."""

import contextlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ipam.addresses import int_to_text
from ipam.admission import ClusterState, review_network_create, review_subnet_create
from ipam.intervals import IntervalSet
from ipam.planner_checks import ERROR, check_subnet
from planner.addressing import key_value, parse_address
from planner.choices import PoolPurposeChoices, ReservationKindChoices
from planner.models import (
    AddressPool,
    Cluster,
    Node,
    NodeSegment,
    Reservation,
    Subnet,
)
from planner.models.sites import POOL_NETWORK_TYPES
from planner.services.carving import carve_pool, carve_segment
from planner.services.errors import PlanError
from planner.services.specs import network_spec, subnet_spec
from planner.services.subnets import delete_subnet, update_subnet
from tests.planner.factories import (
    make_clusters_with_networks,
    make_pool,
    make_segment,
)

CLUSTERS = 2
REFUSALS = (ValidationError, PlanError, ProtectedError, IntegrityError)
# What the segment (192.168.56.0/24) and the pool (100.64.0.0/14) may become: mostly
# shapes that would leave what is planned in them outside.
SEGMENT_CIDRS = ["192.168.56.0/25", "192.168.56.128/25", "192.168.56.0/23"]
POOL_CIDRS = ["100.64.0.0/15", "100.65.0.0/16", "100.66.0.0/15"]
SEGMENT_SIZE, POOL_STEP = 1 << 9, 1 << 9
KINDS = [ReservationKindChoices.INFRASTRUCTURE, ReservationKindChoices.POD]

cluster_index = st.integers(0, CLUSTERS - 1)
host = st.integers(1, 254)
pick = st.integers(0, 100)  # which of the stored rows, modulo how many there are
# Edits of the spaces and what lies in them: drawn as often as all the other writes.
space_edits = st.one_of(
    st.tuples(st.just("segment_gateway"), host),
    st.tuples(st.just("segment_cidr"), st.sampled_from(SEGMENT_CIDRS)),
    st.tuples(st.just("segment_vlan"), st.sampled_from([0, 7])),
    st.tuples(st.just("pool_cidr"), st.sampled_from(POOL_CIDRS)),
    st.tuples(st.just("pool_purpose"), st.sampled_from(PoolPurposeChoices.values)),
    st.tuples(st.just("move_node"), pick, host),
    st.tuples(st.just("move_reservation"), pick, host, st.sampled_from(KINDS)),
)
other_writes = st.one_of(
    st.tuples(st.just("carve"), cluster_index, st.integers(1, 60)),
    st.tuples(st.just("carve_range"), cluster_index, host, st.integers(0, 60)),
    st.tuples(st.just("block"), cluster_index, st.integers(16, 20)),
    st.tuples(st.just("delete_subnet"), pick),
    st.tuples(st.just("reserve_ips"), pick, host),
    st.tuples(st.just("node"), host),
    st.tuples(st.just("delete_node"), pick),
    st.tuples(st.just("reserve"), st.booleans(), st.sampled_from(KINDS), host),
    st.tuples(st.just("delete_reservation"), pick),
)
operations = st.lists(
    st.one_of(space_edits, other_writes),
    min_size=3,
    max_size=12,
)


def saved(instance):
    """Validate and store `instance` as the API does."""
    instance.full_clean()
    instance.save()
    return instance


def nth(queryset, index: int):
    rows = list(queryset.order_by("pk"))
    return rows[index % len(rows)] if rows else None


def address(row, offset: int) -> str:
    """The address `offset` steps into the CIDR of `row` (a segment, pool or subnet): steps
    of one address in a segment, of POOL_STEP in anything larger, to reach all of it."""
    cidr = row.parsed_cidr
    step = 1 if cidr.size <= SEGMENT_SIZE else POOL_STEP
    return int_to_text(cidr.first + offset * step, cidr.family)


class PlanIntegrityPropertyTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        """The seed's shape: a segment with a slice .100-.199, a pool with a block; every
        edit of either then meets something planned."""
        cls.segment = make_segment()
        cls.pool = make_pool("100.64.0.0/14")
        cls.underlay, cls.overlay = make_clusters_with_networks(CLUSTERS)
        carve_segment(
            cls.segment,
            network=cls.underlay[0],
            name="underlay-subnet1",
            start="192.168.56.100",
            end="192.168.56.199",
        )
        carve_pool(cls.pool, network=cls.overlay[1], name="init", prefixlen=16)

    def apply(self, step: int, operation: tuple) -> None:
        kind, *args = operation
        name = f"s{step}"
        segment = NodeSegment.objects.get(pk=self.segment.pk)
        pool = AddressPool.objects.get(pk=self.pool.pk)
        if kind == "carve":
            carve_segment(segment, network=self.underlay[args[0]], name=name, size=args[1])
        elif kind == "carve_range":
            start, end = address(segment, args[1]), address(segment, args[1] + args[2])
            carve_segment(segment, network=self.underlay[args[0]], name=name, start=start, end=end)
        elif kind == "block":
            carve_pool(pool, network=self.overlay[args[0]], name=name, prefixlen=args[1])
        elif kind == "delete_subnet":
            subnet = nth(Subnet.objects, args[0])
            if subnet is not None:
                delete_subnet(subnet)
        elif kind == "reserve_ips":
            subnet = nth(Subnet.objects, args[0])
            if subnet is not None:
                reserved = [*subnet.reserved_ips, address(subnet, args[1])]
                update_subnet(subnet, {"reserved_ips": reserved})
        elif kind in ("segment_gateway", "segment_cidr", "segment_vlan"):
            field = {"segment_gateway": "gateway", "segment_cidr": "cidr"}.get(kind, "vlan_id")
            value = address(segment, args[0]) if field == "gateway" else args[0]
            setattr(segment, field, value)
            saved(segment)
        elif kind in ("pool_cidr", "pool_purpose"):
            setattr(pool, kind.removeprefix("pool_"), args[0])
            saved(pool)
        elif kind == "node":
            saved(Node(segment=segment, ip=address(segment, args[0]), name=name))
        elif kind == "move_node":
            node = nth(Node.objects, args[0])
            if node is not None:
                node.ip = address(node.segment, args[1])
                saved(node)
        elif kind == "reserve":
            in_segment, reservation_kind, offset = args
            space = {"segment": segment} if in_segment else {"pool": pool}
            start = address(segment if in_segment else pool, offset)
            saved(Reservation(**space, start=start, kind=reservation_kind))
        elif kind == "move_reservation":
            reservation = nth(Reservation.objects, args[0])
            if reservation is not None:
                reservation.start, reservation.end = address(reservation.parent, args[1]), ""
                reservation.kind = args[2]
                saved(reservation)
        elif kind == "delete_reservation":
            reservation = nth(Reservation.objects, args[0])
            if reservation is not None:
                reservation.delete()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_no_accepted_write_bends_the_plan(self, ops) -> None:
        for step, operation in enumerate(ops):
            with contextlib.suppress(*REFUSALS), transaction.atomic():
                self.apply(step, operation)
            faults = plan_faults()
            assert not faults, (operation, faults)


def plan_faults() -> list[str]:
    return [*review_faults(), *overlap_faults(), *space_faults()]


def review_faults() -> list[str]:
    """Each cluster's plan, created from nothing as an apply creates it (Networks, then
    Subnets in order), passes Hybridnet's review and the planner's error checks."""
    faults = []
    for cluster in Cluster.objects.order_by("pk"):
        state = ClusterState()
        for network in cluster.networks.order_by("pk"):
            spec = network_spec(network)
            decision = review_network_create(state, spec)
            if not decision.allowed:
                faults.append(f"network {network}: {decision.message}")
            state.put_network(spec)
        for subnet in cluster.subnets.select_related("network").order_by("pk"):
            spec = subnet_spec(subnet)
            decision = review_subnet_create(state, spec)
            if not decision.allowed:
                faults.append(f"subnet {subnet}: {decision.message}")
            errors = [finding for finding in check_subnet(state, spec) if finding.level == ERROR]
            faults += [f"subnet {subnet}: {finding.message}" for finding in errors]
            state.put_subnet(spec)
    return faults


def overlap_faults() -> list[str]:
    """No two subnets' windows overlap, of whatever cluster."""
    subnets = list(Subnet.objects.order_by("family", "window_first_key"))
    return [
        f"{earlier} and {later} overlap"
        for earlier, later in zip(subnets, subnets[1:], strict=False)
        if earlier.family == later.family and later.window_first_key <= earlier.window_last_key
    ]


def window(subnet: Subnet) -> IntervalSet:
    return IntervalSet([(key_value(subnet.window_first_key), key_value(subnet.window_last_key))])


def listed(texts: list[str]) -> IntervalSet:
    return IntervalSet((value, value) for value in (parse_address(t).value for t in texts))


def space_faults() -> list[str]:
    """Slices keep their segment's CIDR, gateway and VLAN ID; blocks lie inside their pool
    and serve a network of its purpose; nodes and reservations lie inside their space; a
    reservation inside a subnet (but infrastructure in a slice: drift, by design) is listed
    there, so Hybridnet never hands it to a pod."""
    faults = []
    for subnet in Subnet.objects.select_related("segment", "pool", "network"):
        segment, pool = subnet.segment, subnet.pool
        if segment is not None:
            kept = (subnet.cidr, subnet.gateway, subnet.net_id)
            space = (segment.cidr, segment.gateway, segment.vlan_id)
            if kept != space:
                faults.append(
                    f"slice {subnet} has CIDR, gateway, netID {kept}, its segment {space}"
                )
        if pool is not None:
            if not (pool.first_key <= subnet.first_key and subnet.last_key <= pool.last_key):
                faults.append(f"block {subnet} is outside pool {pool}")
            if subnet.network.type not in POOL_NETWORK_TYPES[pool.purpose]:
                faults.append(f"block {subnet} does not serve the purpose of pool {pool}")
    for node in Node.objects.select_related("segment"):
        segment = node.segment
        if not segment.first_key <= node.ip_key <= segment.last_key or node.ip == segment.gateway:
            faults.append(f"node {node} is outside segment {segment} or its gateway")
    for reservation in Reservation.objects.select_related("segment", "pool"):
        space = reservation.parent
        if not space.first_key <= reservation.start_key <= reservation.end_key <= space.last_key:
            faults.append(f"reservation {reservation} is outside {space}")
        pod = reservation.kind == ReservationKindChoices.POD
        if reservation.segment_id is not None and not pod:
            continue
        reserved = IntervalSet([(key_value(reservation.start_key), key_value(reservation.end_key))])
        for subnet in space.subnets.all():
            texts = subnet.reserved_ips if pod else subnet.exclude_ips
            unlisted = reserved.intersect(window(subnet)).subtract(
                listed([*texts, *filter(None, [subnet.gateway])])
            )
            if unlisted:
                faults.append(f"reservation {reservation} is not listed in subnet {subnet}")
    return faults
