"""Property: whatever sequence of carves and deletes, slices never overlap across clusters,
every stored subnet passes Hybridnet's review against the rest of its cluster's plan, and
the planned sizes kept for lists (PostgreSQL triggers) say what the ranges measure."""

import contextlib

from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ipam.admission import review_subnet_create
from ipam.allocatable import total
from ipam.intervals import first_fit_in, gaps
from ipam.planner_checks import ERROR, check_subnet
from planner.addressing import key_value
from planner.choices import ReservationKindChoices
from planner.models import AddressPool, NodeSegment, Reservation, Subnet
from planner.querysets import triggers_keep_spaces
from planner.services.carving import carve_pool, carve_segment
from planner.services.errors import NoSpaceError, PlanConflictError, PlannerRejected
from planner.services.space import pool_range, pool_taken, segment_taken, segment_usable
from planner.services.specs import planned_state, subnet_spec
from planner.services.subnets import delete_subnet
from planner.services.utilization import (
    POOLS,
    SEGMENTS,
    planned_from_ranges,
    planned_from_sums,
    space_bounds,
    uncounted_by_space,
)
from tests.planner.factories import (
    make_clusters_with_networks,
    make_node,
    make_pool,
    make_segment,
)

CLUSTERS = 3
EXPECTED_REFUSALS = (NoSpaceError, PlanConflictError, PlannerRejected)

cluster_index = st.integers(0, CLUSTERS - 1)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("size"), cluster_index, st.integers(1, 60)),
        st.tuples(st.just("range"), cluster_index, st.integers(1, 254), st.integers(0, 40)),
        st.tuples(st.just("largest"), cluster_index),
        st.tuples(st.just("block"), cluster_index, st.integers(20, 30)),
        st.tuples(st.just("delete"), st.integers(0, 1000)),
    ),
    max_size=20,
)


class CarvingPropertyTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.segment = make_segment()
        for host in (2, 3, 40, 41, 100):
            make_node(cls.segment, f"192.168.56.{host}", name=f"node-{host}")
        for start, end, kind in (
            ("192.168.56.250", "192.168.56.254", "infrastructure"),
            ("192.168.56.77", "", ReservationKindChoices.POD),
        ):
            Reservation.objects.create(segment=cls.segment, start=start, end=end, kind=kind)
        cls.pool = make_pool("100.64.0.0/16")
        cls.underlay, cls.overlay = make_clusters_with_networks(CLUSTERS)

    @staticmethod
    def lowest_fit(taken, lo: int, hi: int, size: int, alignment: int) -> int | None:
        """First fit read from the bottom of the space, whatever its hint says."""
        return first_fit_in(gaps(taken, lo, hi), size, alignment)

    def apply(self, step: int, operation: tuple) -> None:
        kind, *args = operation
        name = f"s{step}"
        if kind == "delete":
            subnets = list(Subnet.objects.order_by("pk"))
            if subnets:
                delete_subnet(subnets[args[0] % len(subnets)])
            return
        cluster = args[0]
        if kind == "block":
            block = 1 << (32 - args[1])
            lowest = self.lowest_fit(pool_taken(self.pool), *pool_range(self.pool), block, block)
            subnet = carve_pool(
                self.pool, network=self.overlay[cluster], name=name, prefixlen=args[1]
            )
            # First fit searched from the pool's hint is first fit from the bottom.
            assert key_value(subnet.first_key) == lowest
            return
        if kind == "size":
            segment = NodeSegment.objects.get(pk=self.segment.pk)
            lowest = self.lowest_fit(segment_taken(segment), *segment_usable(segment), args[1], 1)
            subnet = carve_segment(
                self.segment, network=self.underlay[cluster], name=name, size=args[1]
            )
            assert key_value(subnet.window_first_key) == lowest
            return
        if kind == "largest":
            extra = {"largest": True}
        else:
            last = min(args[1] + args[2], 255)
            extra = {"start": f"192.168.56.{args[1]}", "end": f"192.168.56.{last}"}
        carve_segment(self.segment, network=self.underlay[cluster], name=name, **extra)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_slices_never_overlap_and_always_pass_review(self, ops) -> None:
        for step, operation in enumerate(ops):
            with contextlib.suppress(EXPECTED_REFUSALS):
                self.apply(step, operation)
        subnets = list(Subnet.objects.order_by("window_first_key"))
        windows = [(key_value(s.window_first_key), key_value(s.window_last_key)) for s in subnets]
        for (_, previous_end), (start, _) in zip(windows, windows[1:], strict=False):
            assert start > previous_end, windows
        for subnet in subnets:
            state = planned_state(subnet.cluster, subnets_where=~Q(pk=subnet.pk))
            spec = subnet_spec(subnet)
            decision = review_subnet_create(state, spec)
            assert decision.allowed, (subnet.name, decision.message)
            errors = [f for f in check_subnet(state, spec) if f.level == ERROR]
            assert not errors, (subnet.name, errors)
            # The stored capacity is what Hybridnet's IPAM will count (SPEC 5.1).
            assert subnet.capacity == total(spec), subnet.name
        if not triggers_keep_spaces():
            return
        for kind, model in ((SEGMENTS, NodeSegment), (POOLS, AddressPool)):
            spaces = list(model.objects.with_utilization_data())
            uncounted = uncounted_by_space(spaces, space_bounds(spaces, kind))
            assert planned_from_sums(spaces, kind, uncounted) == planned_from_ranges(
                spaces, kind, uncounted
            )
