"""API of address pools (carving and free space: test_carving.py)."""

from planner.choices import PoolPurposeChoices
from planner.models import AddressPool
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import make_pool, make_site


class AddressPoolAPITest(APIViewTestCases.ModelViewTestCase):
    model = AddressPool
    # The base five, the pools' reservations, their planned sizes, their observed use.
    list_queries = 8
    canonical = {"cidr": "fd00:100::/48"}
    invalid_field = "cidr"
    update_data = {"description": "shared overlay space", "purpose": "underlay-bgp"}

    @classmethod
    def set_up_fixtures(cls) -> None:
        site = make_site("hz-dc1")
        cls.create_data = [
            {
                "name": "v6-overlay",
                "purpose": PoolPurposeChoices.OVERLAY,
                "cidr": "FD00:100:0::/48",
            },
            {
                "name": "bgp",
                "purpose": PoolPurposeChoices.UNDERLAY_BGP,
                "cidr": "172.16.0.0/16",
                "site": site.pk,
            },
            {"name": "v6-bgp", "purpose": PoolPurposeChoices.UNDERLAY_BGP, "cidr": "fd00:200::/48"},
        ]
        cls.invalid_data = {
            "name": "bad",
            "purpose": PoolPurposeChoices.OVERLAY,
            "cidr": "100.64.0.0/33",
        }

    @classmethod
    def make_object(cls, index: int) -> AddressPool:
        return make_pool(f"100.{64 + index}.0.0/16", f"pool-{index}")

    def test_overlapping_pool_is_refused(self) -> None:
        self.grant("view", "add")
        payload = {"name": "wide", "purpose": PoolPurposeChoices.OVERLAY, "cidr": "100.64.0.0/10"}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertIn("overlaps address pool pool-0", response.data["cidr"][0])

    def test_unknown_purpose_is_a_field_error(self) -> None:
        self.grant("view", "add")
        payload = {"name": "x", "purpose": "vxlan", "cidr": "172.20.0.0/16"}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertIn("purpose", response.data)
