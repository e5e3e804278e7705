"""Carving through the API: segment slices and pool blocks, and free space (parallel carves:
tests/test_parallel_carving.py)."""

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from planner.api.constants import API_NAMESPACE, FREE_INTERVALS_MAX_LIMIT
from planner.choices import NetworkTypeChoices
from planner.models import AddressPool, Network, NodeSegment, Subnet
from tests.api.mixins import APIViewTestCase
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment

OVERLAY = NetworkTypeChoices.OVERLAY
# What a carve costs over the API (the token, the user's permissions, the network, the
# savepoint of a test's transaction included): a change that adds one must say so here.
SEGMENT_CARVE_QUERIES = 14
POOL_CARVE_QUERIES = 15


def action_url(model: type, action: str, pk: int) -> str:
    return reverse(f"{API_NAMESPACE}:{model._meta.model_name}-{action}", kwargs={"pk": pk})


class SegmentCarveAPITest(APIViewTestCase):
    model = NodeSegment

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.cluster = make_cluster()
        cls.underlay = make_network(cls.cluster, "underlay-1", net_id=0)
        cls.overlay = make_network(cls.cluster, "init", type=OVERLAY, net_id=4)

    @classmethod
    def make_object(cls, index: int) -> NodeSegment:
        """Segment 0: the seed's IPv4 segment, nodes .2-.6; segment 1: an IPv6 segment."""
        if index == 0:
            segment = make_segment()
            for host in range(2, 7):
                make_node(segment, f"192.168.56.{host}", name=f"node-{host}")
            return segment
        return make_segment(f"fd00:{index}::/64", f"fd00:{index}::1", f"v6-{index}")

    def setUp(self) -> None:
        super().setUp()
        self.grant("view")
        self.user.user_permissions.add(Permission.objects.get(codename="add_subnet"))

    def carve(self, segment: NodeSegment, **params):
        payload = {"network": self.underlay.pk, "name": "slice", **params}
        return self.client.post(action_url(NodeSegment, "carve", segment.pk), payload)

    def test_carve_by_size_answers_201_with_the_subnet(self) -> None:
        response = self.carve(self.objects[0], size=50)
        self.assertStatus(response, 201)
        self.assertEqual(
            (response.data["start"], response.data["end"]), ("192.168.56.7", "192.168.56.56")
        )
        self.assertEqual(response.data["segment"]["id"], self.objects[0].pk)
        self.assertEqual(response.data["network"]["name"], "underlay-1")
        self.assertEqual(response["Location"], response.data["url"])
        self.assertTrue(Subnet.objects.filter(pk=response.data["id"]).exists())

    def test_a_carve_reads_its_segments_addresses_once_for_the_slice_and_its_drift(self) -> None:
        with CaptureQueriesContext(connection) as queries:
            response = self.carve(self.objects[0], start="192.168.56.5", end="192.168.56.9")
        self.assertStatus(response, 201)
        # The nodes inside are excluded, so the new slice shows no drift.
        self.assertEqual(response.data["exclude_ips"], ["192.168.56.5", "192.168.56.6"])
        self.assertEqual(response.data["missing_exclude_ips"], [])
        nodes = [query for query in queries.captured_queries if '"planner_node"' in query["sql"]]
        self.assertEqual(len(nodes), 1)

    def test_a_carve_locks_its_segment_once_and_costs_its_baseline_of_queries(self) -> None:
        self.carve(self.objects[0], size=4, name="first")
        with CaptureQueriesContext(connection) as queries:
            response = self.carve(self.objects[0], size=4)
        self.assertStatus(response, 201)
        reads = [query["sql"] for query in queries.captured_queries]
        self.assertEqual(len([sql for sql in reads if sql.endswith("FOR UPDATE")]), 1)
        self.assertLessEqual(len(reads), SEGMENT_CARVE_QUERIES, "\n".join(reads))

    def test_carve_an_explicit_ipv6_window_in_any_spelling(self) -> None:
        response = self.carve(self.objects[1], start="FD00:1::0100", end="fd00:1:0::1ff")
        self.assertStatus(response, 201)
        self.assertEqual(
            (response.data["cidr"], response.data["start"], response.data["end"]),
            ("fd00:1::/64", "fd00:1::100", "fd00:1::1ff"),
        )
        self.assertEqual(response.data["utilization"]["capacity"], 256)

    def test_no_space_is_a_conflict(self) -> None:
        self.assertStatus(self.carve(self.objects[0], largest=True), 201)
        response = self.carve(self.objects[0], size=1, name="more")
        self.assertStatus(response, 409)
        self.assertIn("no space for 1 addresses in segment seg-a", response.data["detail"])
        self.assertEqual(Subnet.objects.count(), 1)

    def test_exactly_one_way_of_sizing(self) -> None:
        response = self.carve(self.objects[0], size=10, largest=True)
        self.assertStatus(response, 400)
        self.assertIn("exactly one of", response.data["non_field_errors"][0])
        response = self.carve(self.objects[0], start="192.168.56.100")
        self.assertStatus(response, 400)
        self.assertEqual(response.data["end"], ["start and end go together"])

    def test_a_network_that_cannot_take_a_slice_is_a_field_error(self) -> None:
        response = self.carve(self.objects[0], size=10, network=self.overlay.pk)
        self.assertStatus(response, 400)
        self.assertIn("serve Underlay VLAN networks", response.data["network"][0])

    def test_carving_needs_the_add_subnet_permission(self) -> None:
        self.user.user_permissions.remove(Permission.objects.get(codename="add_subnet"))
        self.assertStatus(self.carve(self.objects[0], size=10), 403)
        self.assertFalse(Subnet.objects.exists())

    def test_unknown_segment_is_404(self) -> None:
        # The carve reads the space only under its lock: the 404 must still be the viewset's.
        unknown = self.client.get(self.detail_url(NodeSegment(pk=999999)))
        payload = {"network": self.underlay.pk, "name": "slice", "size": 8}
        # 2**70: past the id column's range, so no such segment (not a value bound).
        for pk, body in ((999999, {}), (999999, payload), ("1.5e3", payload), (2**70, payload)):
            response = self.client.post(action_url(NodeSegment, "carve", pk), body)
            self.assertStatus(response, 404)
            if pk == 999999:
                self.assertEqual(response.data, unknown.data)
        self.assertFalse(Subnet.objects.exists())

    def test_a_name_the_cluster_has_is_a_field_error(self) -> None:
        self.assertStatus(self.carve(self.objects[0], size=8), 201)
        response = self.carve(self.objects[1], size=8)
        self.assertStatus(response, 400)
        self.assertEqual(response.data, {"name": ["cluster prod-a already has a subnet slice"]})

    def test_free_intervals_with_a_limit(self) -> None:
        self.carve(self.objects[0], start="192.168.56.100", end="192.168.56.149")
        url = action_url(NodeSegment, "free", self.objects[0].pk)
        response = self.client.get(url, {"limit": 2})
        self.assertStatus(response, 200)
        self.assertEqual(
            response.data,
            [
                {
                    "start": "192.168.56.7",
                    "end": "192.168.56.99",
                    "size": 93,
                    "cidrs": [
                        "192.168.56.7/32",
                        "192.168.56.8/29",
                        "192.168.56.16/28",
                        "192.168.56.32/27",
                        "192.168.56.64/27",
                        "192.168.56.96/30",
                    ],
                },
                {
                    "start": "192.168.56.150",
                    "end": "192.168.56.254",
                    "size": 105,
                    "cidrs": [
                        "192.168.56.150/31",
                        "192.168.56.152/29",
                        "192.168.56.160/27",
                        "192.168.56.192/27",
                        "192.168.56.224/28",
                        "192.168.56.240/29",
                        "192.168.56.248/30",
                        "192.168.56.252/31",
                        "192.168.56.254/32",
                    ],
                },
            ],
        )
        for limit in (0, FREE_INTERVALS_MAX_LIMIT + 1, "many"):
            self.assertStatus(self.client.get(url, {"limit": limit}), 400)

    def test_free_space_of_an_ipv6_segment_is_counted_not_listed(self) -> None:
        response = self.client.get(action_url(NodeSegment, "free", self.objects[1].pk))
        [free] = response.data
        self.assertEqual(
            (free["start"], free["end"], free["size"]),
            ("fd00:1::2", "fd00:1::ffff:ffff:ffff:ffff", 2**64 - 2),
        )
        # One CIDR per prefix length from /127 up to /65: a cover, never the addresses.
        cidrs = free["cidrs"]
        self.assertEqual(
            (cidrs[0], cidrs[1], cidrs[-1]),
            ("fd00:1::2/127", "fd00:1::4/126", "fd00:1:0:0:8000::/65"),
        )
        self.assertEqual(len(cidrs), 63)


class PoolCarveAPITest(APIViewTestCase):
    model = AddressPool

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.overlay = make_network(make_cluster(), "init", type=OVERLAY, net_id=4)

    @classmethod
    def make_object(cls, index: int) -> AddressPool:
        """Pool 0: a small IPv4 pool; pool 1: an IPv6 /48."""
        if index == 0:
            return make_pool("100.64.0.0/24", "small")
        return make_pool(f"fd00:{100 + index}::/48", f"v6-{index}")

    def setUp(self) -> None:
        super().setUp()
        self.grant("view")
        self.user.user_permissions.add(Permission.objects.get(codename="add_subnet"))

    def carve(self, pool: AddressPool, prefixlen: int, name: str = "block"):
        payload = {"network": self.overlay.pk, "name": name, "prefixlen": prefixlen}
        return self.client.post(action_url(AddressPool, "carve", pool.pk), payload)

    def test_carve_aligned_blocks_first_fit(self) -> None:
        first = self.carve(self.objects[0], 26, "a")
        second = self.carve(self.objects[0], 26, "b")
        self.assertStatus(first, 201)
        self.assertEqual(
            (first.data["cidr"], second.data["cidr"]), ("100.64.0.0/26", "100.64.0.64/26")
        )
        self.assertEqual(first.data["pool"]["name"], "small")

    def test_a_carve_from_a_pool_reads_no_segment_addresses(self) -> None:
        with CaptureQueriesContext(connection) as queries:
            response = self.carve(self.objects[0], 26, "a")
        self.assertStatus(response, 201)
        self.assertEqual(response.data["missing_exclude_ips"], [])
        # Reservations only as the lock's EXISTS: no read of a segment or its addresses.
        tables = ("planner_node", "planner_reservation", "planner_nodesegment")
        reads = [query["sql"] for query in queries.captured_queries]
        starts = tuple(f'SELECT "{table}".' for table in tables)
        self.assertFalse([sql for sql in reads if sql.startswith(starts)])

    def test_a_carve_locks_its_pool_once_and_costs_its_baseline_of_queries(self) -> None:
        self.carve(self.objects[0], 26, "a")
        with CaptureQueriesContext(connection) as queries:
            response = self.carve(self.objects[0], 26, "b")
        self.assertStatus(response, 201)
        reads = [query["sql"] for query in queries.captured_queries]
        self.assertEqual(len([sql for sql in reads if sql.endswith("FOR UPDATE")]), 1)
        self.assertLessEqual(len(reads), POOL_CARVE_QUERIES, "\n".join(reads))

    def test_carve_from_an_ipv6_pool(self) -> None:
        response = self.carve(self.objects[1], 120)
        self.assertStatus(response, 201)
        self.assertEqual(response.data["cidr"], "fd00:101::/120")
        self.assertEqual(response.data["family"], 6)

    def test_no_space_is_a_conflict(self) -> None:
        self.assertStatus(self.carve(self.objects[0], 25, "a"), 201)
        self.assertStatus(self.carve(self.objects[0], 25, "b"), 201)
        response = self.carve(self.objects[0], 26, "c")
        self.assertStatus(response, 409)
        self.assertIn("no free /26 in pool small", response.data["detail"])

    def test_prefix_length_outside_the_pool_is_a_field_error(self) -> None:
        response = self.carve(self.objects[0], 20)
        self.assertStatus(response, 400)
        self.assertIn("prefixlen", response.data)

    def test_a_network_that_is_not_a_network_id_is_a_field_error(self) -> None:
        pool = self.objects[0]
        missing = Network.objects.order_by("-pk").first().pk + 1
        answers = {
            missing: f'Invalid pk "{missing}" - object does not exist.',
            "abc": "Incorrect type. Expected pk value, received str.",
            True: "Incorrect type. Expected pk value, received bool.",
            2**70: f'Invalid pk "{2**70}" - object does not exist.',
        }
        for network, message in answers.items():
            payload = {"network": network, "name": "block", "prefixlen": 26}
            response = self.client.post(
                action_url(AddressPool, "carve", pool.pk), payload, format="json"
            )
            self.assertStatus(response, 400)
            self.assertEqual(response.data, {"network": [message]})
        # The id as text is the id.
        payload = {"network": str(self.overlay.pk), "name": "block", "prefixlen": 26}
        response = self.client.post(
            action_url(AddressPool, "carve", pool.pk), payload, format="json"
        )
        self.assertStatus(response, 201)

    def test_free_space_after_a_carve(self) -> None:
        self.carve(self.objects[0], 26)
        response = self.client.get(action_url(AddressPool, "free", self.objects[0].pk))
        self.assertEqual(
            response.data,
            [
                {
                    "start": "100.64.0.64",
                    "end": "100.64.0.255",
                    "size": 192,
                    "cidrs": ["100.64.0.64/26", "100.64.0.128/25"],
                }
            ],
        )

    def test_free_space_of_an_ipv6_pool_as_cidrs(self) -> None:
        pool = make_pool("fd00:200::/64", "v6-64")
        url = action_url(AddressPool, "free", pool.pk)
        self.assertEqual(
            self.client.get(url).data,
            [
                {
                    "start": "fd00:200::",
                    "end": "fd00:200::ffff:ffff:ffff:ffff",
                    "size": 2**64,
                    "cidrs": ["fd00:200::/64"],
                }
            ],
        )
        self.assertStatus(self.carve(pool, 112), 201)
        [free] = self.client.get(url).data
        # The rest of the /64 after its first /112: one CIDR each from /112 to /65.
        cidrs = free["cidrs"]
        self.assertEqual((cidrs[0], cidrs[-1]), ("fd00:200::1:0/112", "fd00:200:0:0:8000::/65"))
        self.assertEqual(len(cidrs), 48)

    def test_the_schema_documents_the_cidrs_of_a_free_interval(self) -> None:
        schema = SchemaGenerator().get_schema(public=True)
        free = schema["components"]["schemas"]["FreeInterval"]
        self.assertIn("cidrs", free["required"])
        cidrs = free["properties"]["cidrs"]
        self.assertEqual((cidrs["type"], cidrs["items"]), ("array", {"type": "string"}))

    def test_utilization_of_pools_is_listed(self) -> None:
        self.carve(self.objects[1], 112)
        response = self.client.get(reverse(f"{API_NAMESPACE}:addresspool-list"), {"family": 6})
        usage = response.data["results"][0]["utilization"]
        self.assertEqual((usage["size"], usage["planned"]), (2**80, 2**16))
