"""API of nodes."""

from planner.models import Node
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import make_cluster, make_node, make_segment


class NodeAPITest(APIViewTestCases.ModelViewTestCase):
    model = Node
    list_queries = 5
    brief_relations = ["segment", "cluster"]
    canonical = {"ip": "fd00:20::10"}
    invalid_field = "ip"
    update_data = {"labels": {"network": "underlay-a", "topology.kubernetes.io/zone": "hz-1"}}

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.segment = make_segment("10.20.0.0/16", "10.20.0.1", "nodes-v4")
        cls.segment_v6 = make_segment("fd00:20::/64", "fd00:20::1", "nodes-v6")
        cls.cluster = make_cluster()
        cls.create_data = [
            {
                "name": "v6-node",
                "segment": cls.segment_v6.pk,
                "ip": "FD00:20:0::0010",
                "cluster": cls.cluster.pk,
                "labels": {"network": "underlay-a"},
            },
            {"name": "node-b", "segment": cls.segment.pk, "ip": "10.20.1.1"},
            {"name": "node-c", "segment": cls.segment_v6.pk, "ip": "fd00:20::11"},
        ]
        cls.invalid_data = {"name": "outside", "segment": cls.segment.pk, "ip": "10.21.0.1"}

    @classmethod
    def make_object(cls, index: int) -> Node:
        return make_node(cls.segment, f"10.20.0.{10 + index}", f"node-{index}", cls.cluster)

    def test_the_reason_names_the_segment(self) -> None:
        self.grant("view", "add")
        response = self.client.post(self.list_url(), self.invalid_data)
        self.assertEqual(response.data["ip"], ["10.21.0.1 is not inside 10.20.0.0/16"])

    def test_taken_address_is_refused(self) -> None:
        self.grant("view", "add")
        payload = {"name": "twin", "segment": self.segment.pk, "ip": "10.20.0.10"}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertEqual(
            response.data["ip"],
            ["10.20.0.10 is already the address of node node-0 in segment nodes-v4"],
        )

    def test_malformed_labels_are_refused(self) -> None:
        self.grant("view", "add")
        payload = {**self.create_data[1], "labels": {"bad key!": "x"}}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertIn("labels", response.data)

    def test_unknown_segment_is_a_field_error(self) -> None:
        self.grant("view", "add")
        response = self.client.post(self.list_url(), {**self.create_data[1], "segment": 999999})
        self.assertStatus(response, 400)
        self.assertIn("segment", response.data)

    def test_filter_by_address_in_any_spelling(self) -> None:
        self.grant("view")
        make_node(self.segment_v6, "fd00:20::abc", "v6-node")
        response = self.client.get(self.list_url(), {"ip": "FD00:20:0:0::ABC"})
        self.assertEqual([row["name"] for row in response.data["results"]], ["v6-node"])
