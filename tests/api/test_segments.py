"""API of node segments (carving and free space: test_carving.py)."""

from django.contrib.auth.models import Permission

from planner.models import NodeSegment
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import make_cluster, make_network, make_node, make_segment, make_site


class NodeSegmentAPITest(APIViewTestCases.ModelViewTestCase):
    model = NodeSegment
    # As a pool's, and the segments' nodes.
    list_queries = 9
    brief_relations = ["site"]
    canonical = {"cidr": "fd00:0:0:1::/64", "gateway": "fd00:0:0:1::1"}
    invalid_field = "cidr"
    update_data = {"description": "rack row 4", "vlan_id": 20}

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.site = make_site("hz-dc1")
        cls.create_data = [
            {
                "site": cls.site.pk,
                "name": "v6-nodes",
                "cidr": "FD00:0:0:1:0::/64",
                "gateway": "FD00:0:0:1::0001",
                "vlan_id": 10,
            },
            {"site": cls.site.pk, "name": "b", "cidr": "192.168.100.0/24"},
            {
                "site": cls.site.pk,
                "name": "c",
                "cidr": "fd00:0:0:2::/64",
                "gateway": "fd00:0:0:2::1",
            },
        ]
        cls.invalid_data = {"site": cls.site.pk, "name": "bad", "cidr": "192.168.56.7/24"}

    @classmethod
    def make_object(cls, index: int) -> NodeSegment:
        return make_segment(f"10.{index}.0.0/24", f"10.{index}.0.1", f"seg-{index}", cls.site)

    def test_host_bits_are_refused_with_the_network_address(self) -> None:
        self.grant("view", "add")
        response = self.client.post(self.list_url(), self.invalid_data)
        self.assertEqual(
            response.data["cidr"],
            ["'192.168.56.7/24' has host bits set: the network address is 192.168.56.0/24"],
        )

    def test_overlapping_segment_is_refused(self) -> None:
        self.grant("view", "add")
        payload = {"site": self.site.pk, "name": "wide", "cidr": "10.0.0.0/16"}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertEqual(
            response.data["cidr"], ["10.0.0.0/16 overlaps node segment seg-0 (10.0.0.0/24)"]
        )

    def test_utilization_is_listed(self) -> None:
        self.grant("view")
        segment = self.objects[0]
        make_node(segment, "10.0.0.2")
        response = self.client.get(self.list_url(), {"id": segment.pk})
        usage = response.data["results"][0]["utilization"]
        # usable .1-.254; fixed: the gateway and the node
        self.assertEqual(
            usage,
            {
                "size": 254,
                "fixed": 2,
                "planned": 0,
                "free": 252,
                "percent_planned": 0.0,
                "observed": None,
            },
        )

    def test_a_segment_with_no_usable_address_is_listed_empty_and_has_no_room(self) -> None:
        """A /31, /32 or /128 segment: Hybridnet's default start..end is empty."""
        self.grant("view")
        self.user.user_permissions.add(
            *Permission.objects.filter(codename__in=["add_subnet", "view_subnet"])
        )
        network = make_network(make_cluster(), net_id=0)
        for cidr in ("10.9.0.0/31", "10.9.0.2/32", "fd00:9::2/128"):
            segment = make_segment(cidr, gateway="", name=cidr.replace("/", "-"))
            usage = self.client.get(self.detail_url(segment)).data["utilization"]
            self.assertEqual((usage["size"], usage["planned"], usage["free"]), (0, 0, 0), cidr)
            free = self.client.get(f"{self.detail_url(segment)}free/")
            self.assertEqual(free.json(), [], cidr)
            carve = self.client.post(
                f"{self.detail_url(segment)}carve/",
                {"network": network.pk, "name": f"s{segment.pk}", "size": 1},
                format="json",
            )
            self.assertStatus(carve, 409)
        self.assertStatus(self.client.get(self.list_url()), 200)

    def test_filter_by_contained_address_in_any_spelling(self) -> None:
        self.grant("view")
        response = self.client.get(self.list_url(), {"contains": "10.1.0.77"})
        self.assertEqual([row["name"] for row in response.data["results"]], ["seg-1"])
        for text in ("10.1.0.777", "10.%d.0.1"):
            response = self.client.get(self.list_url(), {"contains": text})
            self.assertStatus(response, 400)
            self.assertEqual(response.data["contains"], [f"'{text}' is not a valid IP address"])

    def test_ordering_by_cidr_is_numeric(self) -> None:
        self.grant("view")
        make_segment("10.10.0.0/24", "10.10.0.1", "seg-10", self.site)
        make_segment("fd00:9::/64", "fd00:9::1", "seg-v6", self.site)
        response = self.client.get(self.list_url(), {"ordering": "-cidr"})
        self.assertEqual(
            [row["cidr"] for row in response.data["results"]],
            ["fd00:9::/64", "10.10.0.0/24", "10.2.0.0/24", "10.1.0.0/24", "10.0.0.0/24"],
        )
