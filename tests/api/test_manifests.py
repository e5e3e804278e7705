"""GET /api/subnets/{id}/manifest/ and /api/clusters/{id}/manifests/: CRs and node labels."""

import yaml
from django.contrib.auth.models import Permission

from planner.choices import NetworkTypeChoices
from planner.models import Cluster
from planner.services.carving import carve_pool, carve_segment
from tests.api.mixins import APIViewTestCase
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment

SELECTOR = {"network": "underlay-1"}


class ManifestAPITest(APIViewTestCase):
    model = Cluster

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.cluster = make_cluster()
        segment = make_segment("fd00:56::/64", "fd00:56::1")
        node = make_node(segment, "fd00:56::2", "node-1", cls.cluster)
        node.labels = SELECTOR
        node.save()
        underlay = make_network(cls.cluster, "underlay-1", net_id=0, node_selector=SELECTOR)
        overlay = make_network(cls.cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
        cls.slice = carve_segment(segment, network=underlay, name="slice", size=100)
        cls.block = carve_pool(make_pool(), network=overlay, name="init", prefixlen=16)

    @classmethod
    def make_object(cls, index: int) -> Cluster:
        return cls.cluster if index == 0 else make_cluster(f"empty-{index}")

    def setUp(self) -> None:
        super().setUp()
        self.user.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_cluster", "view_network", "view_subnet"])
        )

    def test_cluster_manifests_list_networks_before_subnets(self) -> None:
        response = self.client.get(f"/api/clusters/{self.cluster.pk}/manifests/")
        self.assertStatus(response, 200)
        objects = response.data["objects"]
        self.assertEqual(
            [(item["kind"], item["metadata"]["name"]) for item in objects],
            [
                ("Network", "init"),
                ("Network", "underlay-1"),
                ("Subnet", "init"),
                ("Subnet", "slice"),
            ],
        )
        self.assertEqual(response.data["node_labels"], {"node-1": SELECTOR})
        self.assertEqual(list(yaml.safe_load_all(response.data["yaml"])), objects)
        self.assertIn("# kubectl label node node-1 network=underlay-1", response.data["yaml"])

    def test_subnet_manifest_is_its_cr_in_canonical_ipv6(self) -> None:
        response = self.client.get(f"/api/subnets/{self.slice.pk}/manifest/")
        self.assertStatus(response, 200)
        [subnet] = response.data["objects"]
        self.assertEqual(subnet["kind"], "Subnet")
        self.assertEqual(subnet["spec"]["network"], "underlay-1")
        self.assertEqual(subnet["spec"]["range"]["cidr"], "fd00:56::/64")
        self.assertEqual(subnet["spec"]["range"]["version"], "6")
        self.assertEqual(response.data["node_labels"], {"node-1": SELECTOR})
        self.assertEqual(list(yaml.safe_load_all(response.data["yaml"])), [subnet])

    def test_manifests_need_view_permission_on_networks_and_subnets(self) -> None:
        self.user.user_permissions.remove(Permission.objects.get(codename="view_subnet"))
        response = self.client.get(f"/api/clusters/{self.cluster.pk}/manifests/")
        self.assertStatus(response, 403)

    def test_yaml_format_is_the_kubectl_stream_itself(self) -> None:
        by_query = self.client.get(f"/api/clusters/{self.cluster.pk}/manifests/?format=yaml")
        self.assertStatus(by_query, 200)
        self.assertEqual(by_query["Content-Type"], "application/yaml; charset=utf-8")
        json_form = self.client.get(f"/api/clusters/{self.cluster.pk}/manifests/").data
        self.assertEqual(by_query.content.decode(), json_form["yaml"])
        by_accept = self.client.get(
            f"/api/subnets/{self.slice.pk}/manifest/", HTTP_ACCEPT="application/yaml"
        )
        self.assertEqual(list(yaml.safe_load_all(by_accept.content)), [json_form["objects"][3]])

    def test_errors_stay_json_when_yaml_is_asked_for(self) -> None:
        response = self.client.get("/api/clusters/0/manifests/?format=yaml")
        self.assertStatus(response, 404)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json(), {"detail": "No Cluster matches the given query."})
