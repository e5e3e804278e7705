"""POST /api/clusters/{id}/adopt/: queues the adopt and answers at once."""

from django.contrib.auth.models import Permission, User
from rest_framework.test import APITestCase

from planner.choices import SyncActionChoices, SyncStateChoices
from planner.models import APIToken, SyncRun
from planner.models.clusters import OPERATE_CLUSTER
from tests.planner.factories import make_cluster

# Operating a cluster means seeing it too.
OPERATING = (OPERATE_CLUSTER, "view_cluster")


class ClusterAdoptAPITest(APITestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.user = User.objects.create_user("operator")
        _token, cls.key = APIToken.objects.issue(cls.user)
        cls.cluster = make_cluster()
        cls.url = f"/api/clusters/{cls.cluster.pk}/adopt/"

    def setUp(self) -> None:
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {self.key}")

    def test_adopt_needs_the_operate_permission(self) -> None:
        self.user.user_permissions.add(*Permission.objects.filter(codename="change_cluster"))
        self.assertEqual(self.client.post(self.url).status_code, 403)
        self.client.credentials()
        self.assertEqual(self.client.post(self.url).status_code, 401)
        self.assertFalse(SyncRun.objects.exists())

    def test_adopt_answers_202_with_the_queued_run(self) -> None:
        self.user.user_permissions.add(*Permission.objects.filter(codename__in=OPERATING))
        response = self.client.post(self.url)
        self.assertEqual(response.status_code, 202, response.data)
        run = SyncRun.objects.get()
        self.assertEqual(response.data["id"], run.pk)
        self.assertEqual(response["Location"], response.data["url"])
        self.assertTrue(response.data["url"].endswith(f"/api/sync-runs/{run.pk}/"))
        self.assertEqual(
            (run.cluster, run.action, run.state, run.requested_by),
            (self.cluster, SyncActionChoices.ADOPT, SyncStateChoices.QUEUED, self.user),
        )

    def test_adopt_of_a_missing_cluster_is_a_404(self) -> None:
        self.user.user_permissions.add(*Permission.objects.filter(codename__in=OPERATING))
        self.assertEqual(self.client.post("/api/clusters/999999/adopt/").status_code, 404)
