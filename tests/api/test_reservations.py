"""API of reservations."""

from planner.choices import ReservationKindChoices
from planner.models import Reservation
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import make_pool, make_segment


class ReservationAPITest(APIViewTestCases.ModelViewTestCase):
    model = Reservation
    list_queries = 5
    brief_relations = ["segment"]
    canonical = {"start": "fd00:30::100"}
    invalid_field = "end"
    update_data = {"note": "routers and VIPs"}

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.segment = make_segment("10.30.0.0/24", "10.30.0.1", "seg")
        pool = make_pool("fd00:30::/48", "v6-pool")
        infrastructure, pod = ReservationKindChoices.INFRASTRUCTURE, ReservationKindChoices.POD
        cls.create_data = [
            {
                "pool": pool.pk,
                "start": "FD00:30::0100",
                "end": "fd00:30::1ff",
                "kind": pod,
                "note": "statefulset db",
            },
            {
                "segment": cls.segment.pk,
                "start": "10.30.0.200",
                "end": "10.30.0.210",
                "kind": infrastructure,
            },
            {"segment": cls.segment.pk, "start": "10.30.0.250", "kind": infrastructure},
        ]
        cls.invalid_data = {
            "segment": cls.segment.pk,
            "start": "10.30.0.50",
            "end": "10.30.0.40",
            "kind": infrastructure,
        }

    @classmethod
    def make_object(cls, index: int) -> Reservation:
        reservation = Reservation(
            segment=cls.segment,
            start=f"10.30.0.{100 + index}",
            kind=ReservationKindChoices.INFRASTRUCTURE,
        )
        reservation.full_clean()
        reservation.save()
        return reservation

    def test_segment_or_pool_not_both(self) -> None:
        self.grant("view", "add")
        payload = {**self.create_data[1], "pool": self.create_data[0]["pool"]}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertEqual(
            response.data["non_field_errors"],
            ["A reservation belongs to exactly one segment or pool."],
        )

    def test_overlap_with_another_reservation_is_refused(self) -> None:
        self.grant("view", "add")
        payload = {**self.create_data[1], "start": "10.30.0.90", "end": "10.30.0.101"}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertIn("overlaps the reservation 10.30.0.100", response.data["start"][0])
