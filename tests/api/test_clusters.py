"""API of clusters: credentials are write-only."""

from planner.choices import DefaultNetworkTypeChoices
from planner.models import Cluster
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import make_site

KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user: {token: s3cr3t-t0ken}\n"


class ClusterAPITest(APIViewTestCases.ModelViewTestCase):
    model = Cluster
    # The base five, and the page's sites.
    list_queries = 6
    write_only_fields = {"credentials"}
    invalid_data = {"name": "Prod_A"}
    invalid_field = "name"
    update_data = {"sync_enabled": True, "sync_interval_seconds": 600}

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.site = make_site("hz-dc1")
        cls.create_data = [
            {
                "name": "prod-a",
                "sites": [cls.site.pk],
                "api_server_url": "https://10.0.0.1:6443",
                "credentials": KUBECONFIG,
                "default_network_type": DefaultNetworkTypeChoices.UNDERLAY,
            },
            {"name": "prod-b"},
            {"name": "prod-c", "credentials": KUBECONFIG},
        ]

    @classmethod
    def make_object(cls, index: int) -> Cluster:
        cluster = Cluster.objects.create(name=f"cluster-{index}", credentials=KUBECONFIG)
        cluster.sites.add(cls.site)
        return cluster

    def test_credentials_are_never_sent_back(self) -> None:
        self.grant("view", "add", "change")
        created = self.client.post(self.list_url(), self.create_data[0])
        self.assertTrue(created.data["has_credentials"])
        cluster = Cluster.objects.get(pk=created.data["id"])
        self.assertEqual(cluster.credentials, KUBECONFIG)
        responses = [
            created,
            self.client.get(self.detail_url(cluster)),
            self.client.get(self.list_url()),
            self.client.patch(self.detail_url(cluster), {"description": "x"}),
        ]
        for response in responses:
            self.assertNotIn(b"s3cr3t", response.content)
            self.assertNotIn(b'"credentials"', response.content)

    def test_credentials_are_kept_unless_written(self) -> None:
        self.grant("view", "change")
        cluster = self.objects[0]
        self.client.patch(self.detail_url(cluster), {"description": "kept"})
        cluster.refresh_from_db()
        self.assertEqual(cluster.credentials, KUBECONFIG)
        response = self.client.patch(self.detail_url(cluster), {"credentials": ""})
        self.assertFalse(response.data["has_credentials"])
        cluster.refresh_from_db()
        self.assertEqual(cluster.credentials, "")

    def test_sites_are_brief(self) -> None:
        self.grant("view")
        response = self.client.get(self.detail_url(self.objects[0]))
        self.assertEqual(
            response.data["sites"],
            [
                {
                    "id": self.site.pk,
                    "name": "hz-dc1",
                    "url": f"http://testserver/api/sites/{self.site.pk}/",
                }
            ],
        )

    def test_filter_by_site(self) -> None:
        self.grant("view")
        Cluster.objects.create(name="elsewhere")
        response = self.client.get(self.list_url(), {"sites": self.site.pk})
        self.assertEqual(response.data["count"], 3)
