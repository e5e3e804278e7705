"""Edits that would leave what is planned inconsistent with its space are refused with 409,
naming what stands in the way; edits that leave it consistent go through (issue 15)."""

from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APITestCase

from planner.api.constants import API_NAMESPACE
from planner.choices import NetworkTypeChoices, PoolPurposeChoices, ReservationKindChoices
from planner.models import AddressPool, NodeSegment, Reservation, Subnet
from planner.services.carving import carve_pool, carve_segment
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment

POD = ReservationKindChoices.POD
INFRASTRUCTURE = ReservationKindChoices.INFRASTRUCTURE


def url(model: type, instance=None) -> str:
    name = model._meta.model_name
    if instance is None:
        return reverse(f"{API_NAMESPACE}:{name}-list")
    return reverse(f"{API_NAMESPACE}:{name}-detail", kwargs={"pk": instance.pk})


class PlanIntegrityAPITest(APITestCase):
    """The seed's segment with underlay-subnet1 (.100-.199, gateway .1) carved for prod-a,
    and the overlay pool with a block of prod-a in its second /16."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.user = User.objects.create_superuser("admin")
        cluster = make_cluster("prod-a")
        cls.underlay = make_network(cluster, "underlay-network1", net_id=0)
        cls.overlay = make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
        cls.segment = make_segment()
        cls.node = make_node(cls.segment, "192.168.56.2", name="node-2")
        cls.slice = carve_segment(
            cls.segment,
            network=cls.underlay,
            name="underlay-subnet1",
            start="192.168.56.100",
            end="192.168.56.199",
        )
        cls.pool = make_pool("100.64.0.0/15")
        carve_pool(cls.pool, network=cls.overlay, name="init", prefixlen=16)
        cls.block = carve_pool(cls.pool, network=cls.overlay, name="init-2", prefixlen=16)

    def setUp(self) -> None:
        self.client.force_authenticate(self.user)

    def assertConflict(self, response, field: str, *named: str) -> None:
        """A 409 whose message names each of `named`, also shown on `field`."""
        self.assertEqual(response.status_code, 409, response.data)
        for text in named:
            self.assertIn(text, response.data["detail"])
        self.assertEqual(response.data[field], [response.data["detail"]])

    def patch(self, model: type, instance, **changes):
        return self.client.patch(url(model, instance), changes, format="json")

    # -- segments ---------------------------------------------------------------------------

    def test_a_gateway_used_by_slices_cannot_move(self) -> None:
        response = self.patch(NodeSegment, self.segment, gateway="192.168.56.150")
        self.assertConflict(
            response, "gateway", "underlay-subnet1", "prod-a", "192.168.56.100-192.168.56.199"
        )
        self.segment.refresh_from_db()
        self.assertEqual(self.segment.gateway, "192.168.56.1")

    def test_a_cidr_cannot_shrink_away_from_a_slice(self) -> None:
        response = self.patch(NodeSegment, self.segment, cidr="192.168.56.0/25")
        self.assertConflict(response, "cidr", "underlay-subnet1")
        self.segment.refresh_from_db()
        self.assertEqual(self.segment.cidr, "192.168.56.0/24")

    def test_a_vlan_id_used_by_slices_cannot_change(self) -> None:
        response = self.patch(NodeSegment, self.segment, vlan_id=20)
        self.assertConflict(response, "vlan_id", "underlay-subnet1")

    def test_a_segment_edit_that_leaves_its_slices_alone_goes_through(self) -> None:
        response = self.patch(NodeSegment, self.segment, name="rack-a", description="row 4")
        self.assertEqual(response.status_code, 200, response.data)

    def test_a_gateway_without_slices_moves_but_never_onto_a_node(self) -> None:
        self.slice.delete()
        response = self.patch(NodeSegment, self.segment, gateway="192.168.56.2")
        self.assertConflict(response, "gateway", "node-2")
        response = self.patch(NodeSegment, self.segment, gateway="192.168.56.254")
        self.assertEqual(response.status_code, 200, response.data)

    def test_a_cidr_that_strands_a_node_is_a_conflict(self) -> None:
        self.slice.delete()
        make_node(self.segment, "192.168.56.200", name="node-200")
        response = self.patch(NodeSegment, self.segment, cidr="192.168.56.0/25")
        self.assertConflict(response, "cidr", "would leave outside: node node-200 (192.168.56.200)")

    # -- pools ------------------------------------------------------------------------------

    def test_a_pool_cannot_shrink_away_from_its_blocks(self) -> None:
        response = self.patch(AddressPool, self.pool, cidr="100.64.0.0/16")
        self.assertConflict(response, "cidr", "would leave outside: block prod-a/init-2")
        self.pool.refresh_from_db()
        self.assertEqual(self.pool.cidr, "100.64.0.0/15")

    def test_a_pool_cannot_shrink_away_from_its_reservations(self) -> None:
        Subnet.objects.filter(pk=self.block.pk).delete()
        Reservation.objects.create(pool=self.pool, start="100.65.0.10", kind=INFRASTRUCTURE)
        response = self.patch(AddressPool, self.pool, cidr="100.64.0.0/16")
        self.assertConflict(response, "cidr", "reservation 100.65.0.10")

    def test_a_pool_may_grow_around_its_blocks(self) -> None:
        response = self.patch(AddressPool, self.pool, cidr="100.64.0.0/14")
        self.assertEqual(response.status_code, 200, response.data)

    def test_a_pool_purpose_must_fit_its_blocks(self) -> None:
        response = self.patch(AddressPool, self.pool, purpose=PoolPurposeChoices.UNDERLAY_BGP)
        self.assertConflict(response, "purpose", "block init-2 of cluster prod-a (Overlay)")

    # -- reservations -----------------------------------------------------------------------

    def reserve(self, **fields):
        return self.client.post(url(Reservation), fields, format="json")

    def test_a_pod_reservation_inside_a_slice_is_a_conflict(self) -> None:
        response = self.reserve(segment=self.segment.pk, start="192.168.56.120", kind=POD)
        self.assertConflict(response, "start", "underlay-subnet1", "reservedIPs")
        self.assertFalse(Reservation.objects.exists())

    def test_an_infrastructure_reservation_inside_a_block_is_a_conflict(self) -> None:
        response = self.reserve(
            pool=self.pool.pk, start="100.65.0.10", end="100.65.0.20", kind=INFRASTRUCTURE
        )
        self.assertConflict(response, "start", "init-2", "excludeIPs")

    def test_a_reservation_moved_into_a_block_is_a_conflict(self) -> None:
        self.patch(AddressPool, self.pool, cidr="100.64.0.0/14")
        self.pool.refresh_from_db()
        outside = Reservation.objects.create(pool=self.pool, start="100.66.0.1", kind=POD)
        response = self.patch(Reservation, outside, start="100.65.0.1")
        self.assertConflict(response, "start", "init-2")

    def test_a_reservation_listed_in_its_slice_may_be_edited(self) -> None:
        reservation = Reservation.objects.create(
            segment=self.segment, start="192.168.56.120", kind=POD
        )
        Subnet.objects.filter(pk=self.slice.pk).update(reserved_ips=["192.168.56.120"])
        response = self.patch(Reservation, reservation, note="for the DNS pod")
        self.assertEqual(response.status_code, 200, response.data)

    def test_infrastructure_inside_a_slice_is_recorded_and_shown_as_drift(self) -> None:
        """Deliberate: like a node, an infrastructure reservation records a device on the
        wire, which the plan must not deny; the slice shows it as drift to replace."""
        response = self.reserve(
            segment=self.segment.pk, start="192.168.56.130", kind=INFRASTRUCTURE
        )
        self.assertEqual(response.status_code, 201, response.data)
        drift = self.client.get(url(Subnet, self.slice)).data["missing_exclude_ips"]
        self.assertEqual(drift, ["192.168.56.130"])

    # -- subnets written by hand ------------------------------------------------------------

    def subnet(self, **fields):
        return self.client.post(url(Subnet), {"name": "by-hand", **fields}, format="json")

    def test_a_hand_made_slice_keeps_its_segments_gateway_and_vlan(self) -> None:
        seg = {"segment": self.segment.pk, "cidr": "192.168.56.0/24", "start": "192.168.56.10"}
        response = self.subnet(
            network=self.underlay.pk, gateway="192.168.56.5", end="192.168.56.20", **seg
        )
        self.assertEqual(response.status_code, 400, response.data)
        self.assertIn("must use its gateway 192.168.56.1", response.data["gateway"][0])
        response = self.subnet(
            network=self.underlay.pk, gateway="192.168.56.1", net_id=7, end="192.168.56.20", **seg
        )
        self.assertEqual(response.status_code, 400, response.data)
        self.assertIn("VLAN ID 0 as netID", response.data["net_id"][0])

    def test_a_hand_made_block_serves_a_network_of_its_pools_purpose(self) -> None:
        response = self.subnet(network=self.underlay.pk, pool=self.pool.pk, cidr="100.64.128.0/24")
        self.assertEqual(response.status_code, 400, response.data)
        self.assertIn("is for Overlay (VXLAN) subnets", response.data["network"][0])
