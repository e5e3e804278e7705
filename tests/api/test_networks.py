"""API of Networks: writes go through Hybridnet's admission rules."""

from django.utils import timezone

from planner.choices import NetworkModeChoices, NetworkTypeChoices
from planner.models import Network
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_segment,
    make_subnet,
)

UNDERLAY, OVERLAY = NetworkTypeChoices.UNDERLAY, NetworkTypeChoices.OVERLAY


class NetworkAPITest(APIViewTestCases.ModelViewTestCase):
    model = Network
    # The page, and its utilization: its Subnets' capacity and their pulled use.
    list_queries = 7
    brief_relations = ["cluster"]
    invalid_data = {"name": "x", "type": "Banana"}
    invalid_field = "type"
    update_data = {"node_selector": {"network": "underlay-0", "rack": "r4"}, "description": "moved"}

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.cluster = make_cluster()
        cluster = cls.cluster.pk
        cls.create_data = [
            {"cluster": cluster, "name": "init", "type": OVERLAY, "mode": "VXLAN", "net_id": 4},
            {
                "cluster": cluster,
                "name": "underlay-a",
                "type": UNDERLAY,
                "mode": NetworkModeChoices.VLAN,
                "net_id": 0,
                "node_selector": {"network": "underlay-a"},
            },
            {
                "cluster": cluster,
                "name": "bgp",
                "type": UNDERLAY,
                "mode": NetworkModeChoices.BGP,
                "net_id": 65001,
                "node_selector": {"network": "bgp"},
                "bgp_peers": [{"asn": 65000, "address": "10.0.0.1"}],
            },
        ]
        cls.invalid_data = {**cls.invalid_data, "cluster": cluster}

    @classmethod
    def make_object(cls, index: int) -> Network:
        return make_network(
            cls.cluster, f"underlay-{index}", mode=NetworkModeChoices.VLAN, net_id=index
        )

    def test_hybridnet_denial_is_a_400_with_its_rule(self) -> None:
        self.grant("view", "add")
        payload = {"cluster": self.cluster.pk, "name": "init", "type": OVERLAY}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertEqual(response.data["rule"], "N-6")
        self.assertEqual(
            response.data["hybridnet_message"], "must assign net ID for overlay network"
        )
        self.assertFalse(Network.objects.filter(name="init").exists())

    def test_changing_an_immutable_field_of_an_applied_network_needs_replacement(self) -> None:
        self.grant("view", "change")
        Network.objects.filter(pk=self.objects[0].pk).update(applied_at=timezone.now())
        response = self.client.patch(self.detail_url(self.objects[0]), {"net_id": 42})
        self.assertStatus(response, 409)
        self.assertEqual(response.data["fields"], ["net_id"])
        self.objects[0].refresh_from_db()
        self.assertEqual(self.objects[0].net_id, 0)

    def test_never_applied_network_takes_an_immutable_edit_unless_it_has_subnets(self) -> None:
        self.grant("view", "change")
        network = self.objects[1]
        response = self.client.patch(self.detail_url(network), {"net_id": 42})
        self.assertStatus(response, 200)
        self.assertEqual(Network.objects.get(pk=network.pk).net_id, 42)
        make_subnet(network, "slice", "192.168.56.0/24", gateway="192.168.56.1")
        response = self.client.patch(self.detail_url(network), {"net_id": 43})
        self.assertStatus(response, 409)
        self.assertIn("it has subnets: slice", response.data["net_id"][0])
        self.assertEqual(Network.objects.get(pk=network.pk).net_id, 42)

    def test_network_with_subnets_cannot_be_deleted(self) -> None:
        self.grant("view", "delete")
        network = self.objects[0]
        make_subnet(network, "slice", "192.168.56.0/24", gateway="192.168.56.1", net_id=0)
        response = self.client.delete(self.detail_url(network))
        self.assertStatus(response, 409)
        self.assertIn("still has subnets: slice", response.data["detail"])

    def test_planner_warnings_come_back_with_the_write(self) -> None:
        self.grant("view", "add", "change")
        make_node(make_segment(), "192.168.56.2", cluster=self.cluster)
        payload = {**self.create_data[1], "node_selector": {"network": "nowhere"}}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 201)
        self.assertEqual([item["code"] for item in response.data["warnings"]], ["NO_NODES"])
        self.assertEqual(response.data["warnings"][0]["level"], "warning")
        url = response.data["url"]
        self.assertEqual(self.client.get(url).data["warnings"], [])
        response = self.client.patch(url, {"description": "still nowhere"})
        self.assertStatus(response, 200)
        self.assertEqual([item["code"] for item in response.data["warnings"]], ["NO_NODES"])

    def test_bgp_peers_are_typed(self) -> None:
        self.grant("view", "add")
        payload = {**self.create_data[2], "bgp_peers": [{"asn": "many", "address": "10.0.0.1"}]}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertIn("asn", response.data["bgp_peers"][0])
