"""API of what sync observes: IPInstances, Subnet status and sync runs, all read-only."""

from django.utils import timezone

from planner.choices import SyncActionChoices, SyncStateChoices
from planner.models import ObservedIPInstance, ObservedSubnetStatus, SyncRun
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import make_cluster

SUBNET_SIZE = 254


def observed_ip(index: int) -> str:
    """Alternately IPv4 and IPv6, so both families are listed."""
    return f"fd00:64::{index + 10:x}" if index % 2 else f"100.64.0.{index + 10}"


class PulledFromOneCluster:
    """Observed rows belong to a cluster (a mixin: test modules collect only the cases)."""

    brief_relations = ["cluster"]

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.cluster = make_cluster()


class ObservedIPInstanceAPITest(PulledFromOneCluster, APIViewTestCases.ReadOnlyViewTestCase):
    model = ObservedIPInstance
    list_queries = 5

    @classmethod
    def make_object(cls, index: int) -> ObservedIPInstance:
        return ObservedIPInstance.objects.create(
            cluster=cls.cluster,
            namespace="default",
            name=f"pod-{index}",
            ip=observed_ip(index),
            subnet_name="init",
            network_name="init",
            pod_name=f"pod-{index}",
            node_name="node-1",
            observed_at=timezone.now(),
        )

    def test_filter_by_address(self) -> None:
        self.grant("view")
        response = self.client.get(self.list_url(), {"ip": "FD00:64:0::B"})
        self.assertEqual([row["name"] for row in response.data["results"]], ["pod-1"])

    def test_ordering_by_address_puts_ipv4_first(self) -> None:
        self.grant("view")
        response = self.client.get(self.list_url(), {"ordering": "ip"})
        self.assertEqual(
            [row["ip"] for row in response.data["results"]],
            ["100.64.0.10", "100.64.0.12", "fd00:64::b"],
        )


class ObservedSubnetStatusAPITest(PulledFromOneCluster, APIViewTestCases.ReadOnlyViewTestCase):
    model = ObservedSubnetStatus
    list_queries = 5

    @classmethod
    def make_object(cls, index: int) -> ObservedSubnetStatus:
        return ObservedSubnetStatus.objects.create(
            cluster=cls.cluster,
            subnet_name=f"subnet-{index}",
            total=SUBNET_SIZE,
            used=index,
            available=SUBNET_SIZE - index,
            observed_at=timezone.now(),
        )


class SyncRunAPITest(PulledFromOneCluster, APIViewTestCases.ReadOnlyViewTestCase):
    model = SyncRun
    list_queries = 5

    @classmethod
    def make_object(cls, index: int) -> SyncRun:
        return SyncRun.objects.create(
            cluster=cls.cluster,
            action=SyncActionChoices.PULL,
            state=SyncStateChoices.SUCCEEDED,
            summary={"ipinstances": index},
        )

    def test_filter_by_state(self) -> None:
        self.grant("view")
        SyncRun.objects.create(
            cluster=self.cluster, action=SyncActionChoices.APPLY, state=SyncStateChoices.FAILED
        )
        response = self.client.get(self.list_url(), {"state": SyncStateChoices.FAILED})
        self.assertEqual([row["action"] for row in response.data["results"]], ["apply"])
