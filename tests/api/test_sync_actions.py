"""The API's cluster actions that start a run (test, plan, apply) and a run's results."""

from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework import status
from rest_framework.test import APITestCase

from planner.api.constants import API_NAMESPACE
from planner.choices import SyncActionChoices, SyncOutcomeChoices, SyncStateChoices
from planner.models import APIToken, Cluster, SyncRun, SyncRunResult
from tests.planner.factories import make_cluster

ACTIONS = {"test": SyncActionChoices.TEST, "plan": SyncActionChoices.PLAN, "apply": "apply"}
RESULTS = 7
PAGE = 5


class SyncActionAPITest(APITestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cluster = make_cluster("prod-a")
        cls.user = User.objects.create_user("operator")
        _token, cls.key = APIToken.objects.issue(cls.user)

    def setUp(self) -> None:
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {self.key}")

    def grant(self, *codenames: str) -> None:
        self.user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))

    def url(self, action: str, cluster: Cluster | None = None) -> str:
        pk = (cluster or self.cluster).pk
        return reverse(f"{API_NAMESPACE}:cluster-{action}", args=[pk])

    def test_each_action_answers_202_with_the_queued_run(self) -> None:
        self.grant("view_cluster", "operate_cluster")
        for name, action in ACTIONS.items():
            with self.subTest(name):
                response = self.client.post(self.url(name))
                self.assertEqual(response.status_code, status.HTTP_202_ACCEPTED, response.data)
                run = SyncRun.objects.get(pk=response.data["id"])
                self.assertEqual((run.action, run.state), (action, SyncStateChoices.QUEUED))
                self.assertEqual(run.requested_by, self.user)
                self.assertEqual(response["Location"], response.data["url"])
                self.assertEqual(response.data["requested_by"], "operator")

    def test_a_second_apply_while_one_is_active_answers_409_naming_it(self) -> None:
        self.grant("view_cluster", "operate_cluster")
        first = self.client.post(self.url("apply")).data["id"]
        response = self.client.post(self.url("apply"))
        self.assertEqual(response.status_code, status.HTTP_409_CONFLICT)
        self.assertEqual(response.json()["run"], str(first))
        self.assertIn(f"run {first} (apply of cluster", response.data["detail"])
        # Another cluster, or another action, is not held up.
        other = make_cluster("prod-b")
        self.assertEqual(self.client.post(self.url("apply", other)).status_code, 202)
        self.assertEqual(self.client.post(self.url("plan")).status_code, 202)
        SyncRun.objects.filter(pk=first).update(state=SyncStateChoices.FAILED)
        self.assertEqual(self.client.post(self.url("apply")).status_code, 202)

    def test_a_second_pull_while_one_is_active_answers_409_and_holds_up_no_apply(self) -> None:
        self.grant("view_cluster", "operate_cluster")
        first = self.client.post(self.url("pull")).data["id"]
        response = self.client.post(self.url("pull"))
        self.assertEqual(response.status_code, status.HTTP_409_CONFLICT)
        self.assertEqual(response.json()["run"], str(first))
        self.assertEqual(self.client.post(self.url("apply")).status_code, 202)

    def test_starting_a_run_needs_the_operate_permission(self) -> None:
        self.grant("view_cluster", "add_cluster", "change_cluster")
        for name in ACTIONS:
            with self.subTest(name):
                response = self.client.post(self.url(name))
                self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertFalse(SyncRun.objects.exists())

    def test_anonymous_is_refused(self) -> None:
        self.client.credentials()
        response = self.client.post(self.url("apply"))
        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertFalse(SyncRun.objects.exists())

    def test_a_runs_results_are_paged_in_a_bounded_number_of_queries(self) -> None:
        self.grant("view_syncrun")
        run = SyncRun.objects.create(
            cluster=self.cluster,
            action=SyncActionChoices.APPLY,
            state=SyncStateChoices.SUCCEEDED,
            requested_by=self.user,
            done=RESULTS,
            total=RESULTS,
        )
        SyncRunResult.objects.bulk_create(
            SyncRunResult(
                run=run,
                kind="Subnet",
                name=f"s{index}",
                outcome=SyncOutcomeChoices.DENIED,
                message="overlap with existing subnet s0",
            )
            for index in range(RESULTS)
        )
        detail = self.client.get(reverse(f"{API_NAMESPACE}:syncrun-detail", args=[run.pk])).data
        self.assertEqual((detail["done"], detail["total"]), (RESULTS, RESULTS))

        with CaptureQueriesContext(connection) as queries:
            page = self.client.get(detail["results_url"], {"limit": PAGE}).data
        self.assertLessEqual(len(queries), 6)
        self.assertEqual(page["count"], RESULTS)
        self.assertEqual([row["name"] for row in page["results"]], ["s0", "s1", "s2", "s3", "s4"])
        self.assertEqual(page["results"][0]["message"], "overlap with existing subnet s0")
