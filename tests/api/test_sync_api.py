"""Cluster sync in the API: starting a pull, the conflicts of the last pull, the lookup."""

from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APITestCase

from planner.api.constants import API_NAMESPACE
from planner.choices import (
    ConflictKindChoices,
    ReservationKindChoices,
    SyncActionChoices,
    SyncStateChoices,
)
from planner.models import (
    APIToken,
    ObservedIPInstance,
    ObservedNode,
    ObservedSubnetStatus,
    Reservation,
    SyncRun,
)
from planner.services.carving import carve_segment
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_segment,
    make_subnet,
)

VIEW = ["view_cluster", "view_observedipinstance", "view_subnet", "view_node", "view_network"]
SLICE = ("192.168.56.100", "192.168.56.149")
POD_RESERVED_FOR = "team-a/db-0"
# The slice's addresses less the one reserved for a pod.
SLICE_CAPACITY = 49


class SyncAPITestCase(APITestCase):
    """A cluster with a slice .100-.149 of segment 192.168.56.0/24 (gateway .1), planned
    nodes .2 and .3, an infrastructure reservation .250-.254 and .140 reserved for a pod,
    and a signed-in user with no permissions."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.user = User.objects.create_user("operator")
        _token, cls.key = APIToken.objects.issue(cls.user)
        cls.cluster = make_cluster("prod-a")
        cls.segment = make_segment()
        make_node(cls.segment, "192.168.56.2", "node-1", cls.cluster)
        node = make_node(cls.segment, "192.168.56.3", "node-2", cls.cluster)
        node.labels = {"network": "vlan0"}
        node.save()
        for start, end, kind, note in [
            ("192.168.56.250", "192.168.56.254", ReservationKindChoices.INFRASTRUCTURE, ""),
            ("192.168.56.140", "", ReservationKindChoices.POD, POD_RESERVED_FOR),
        ]:
            reservation = Reservation(
                segment=cls.segment, start=start, end=end, kind=kind, note=note
            )
            reservation.full_clean()
            reservation.save()
        cls.network = make_network(
            cls.cluster, "vlan0", net_id=0, node_selector={"network": "vlan0"}
        )
        cls.slice = carve_segment(
            cls.segment, network=cls.network, name="s1", start=SLICE[0], end=SLICE[1]
        )

    def setUp(self) -> None:
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {self.key}")

    def grant(self, *codenames: str) -> None:
        self.user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))

    def observe(self, ip: str, name: str, subnet: str = "s1", pod: str = "", **values) -> None:
        ObservedIPInstance.objects.create(
            cluster=values.pop("cluster", self.cluster),
            namespace=values.pop("namespace", "team-a"),
            name=name,
            ip=ip,
            subnet_name=subnet,
            network_name="vlan0",
            pod_name=pod or name,
            node_name="node-1",
            observed_at=timezone.now(),
        )


class PullActionTest(SyncAPITestCase):
    def url(self, pk: object = None) -> str:
        return reverse(f"{API_NAMESPACE}:cluster-pull", kwargs={"pk": pk or self.cluster.pk})

    def test_anonymous_is_refused(self) -> None:
        self.client.credentials()
        self.assertEqual(self.client.post(self.url()).status_code, 401)

    def test_viewing_clusters_is_not_enough(self) -> None:
        self.grant("view_cluster")
        self.assertEqual(self.client.post(self.url()).status_code, 403)
        self.assertFalse(SyncRun.objects.exists())

    def test_queues_a_pull_and_answers_202_with_the_run(self) -> None:
        self.grant("view_cluster", "operate_cluster")
        with self.captureOnCommitCallbacks(execute=False) as queued:
            response = self.client.post(self.url())
        self.assertEqual(response.status_code, 202, response.data)
        run = SyncRun.objects.get()
        self.assertEqual(
            (run.action, run.state, run.requested_by, run.cluster),
            (SyncActionChoices.PULL, SyncStateChoices.QUEUED, self.user, self.cluster),
        )
        self.assertEqual(response.data["id"], run.pk)
        self.assertTrue(response["Location"].endswith(f"/api/sync-runs/{run.pk}/"))
        self.assertEqual(response.data["url"], response["Location"])
        # The task is sent once the run is committed.
        self.assertEqual(len(queued), 1)

    def test_a_missing_cluster_is_404(self) -> None:
        self.grant("view_cluster", "operate_cluster")
        self.assertEqual(self.client.post(self.url(pk=999999)).status_code, 404)


class ConflictsTest(SyncAPITestCase):
    def conflicts(self) -> list[dict]:
        url = reverse(f"{API_NAMESPACE}:cluster-conflicts", kwargs={"pk": self.cluster.pk})
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, getattr(response, "data", None))
        return response.data["conflicts"]

    def test_needs_view_permissions(self) -> None:
        url = reverse(f"{API_NAMESPACE}:cluster-conflicts", kwargs={"pk": self.cluster.pk})
        self.grant("view_cluster")
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_a_clean_pull_has_no_conflict(self) -> None:
        self.grant(*VIEW)
        self.observe("192.168.56.100", "192-168-56-100")
        ObservedNode.objects.create(
            cluster=self.cluster,
            name="node-2",
            internal_ips=["192.168.56.3"],
            labels={"network": "vlan0", "kubernetes.io/os": "linux"},
            observed_at=timezone.now(),
        )
        self.assertEqual(self.conflicts(), [])

    def test_planted_conflicts_are_each_reported(self) -> None:
        self.grant(*VIEW)
        self.observe("192.168.56.120", "192-168-56-120")  # fine
        self.observe("192.168.56.1", "192-168-56-1")  # the gateway
        self.observe("192.168.56.251", "192-168-56-251")  # infrastructure
        self.observe("192.168.56.160", "192-168-56-160")  # outside the slice
        self.observe("10.9.0.5", "10-9-0-5", subnet="rogue")
        self.observe("10.9.0.6", "10-9-0-6", subnet="rogue")
        ObservedNode.objects.create(
            cluster=self.cluster,
            name="node-2",
            internal_ips=["192.168.56.13"],
            labels={},
            observed_at=timezone.now(),
        )
        with CaptureQueriesContext(connection) as queries:
            conflicts = self.conflicts()
        found = {(c["kind"], c["name"] or c["address"]) for c in conflicts}
        self.assertEqual(
            found,
            {
                (ConflictKindChoices.UNKNOWN_SUBNET, "rogue"),
                (ConflictKindChoices.EXCLUDED, "192-168-56-1"),
                (ConflictKindChoices.EXCLUDED, "192-168-56-251"),
                (ConflictKindChoices.OUTSIDE_SUBNET, "192-168-56-1"),
                (ConflictKindChoices.OUTSIDE_SUBNET, "192-168-56-160"),
                (ConflictKindChoices.OUTSIDE_SUBNET, "192-168-56-251"),
                (ConflictKindChoices.NODE_ADDRESS, "node-2"),
                (ConflictKindChoices.NODE_LABELS, "node-2"),
            },
        )
        by_kind = {(c["kind"], c["name"]): c for c in conflicts}
        self.assertEqual(by_kind[ConflictKindChoices.UNKNOWN_SUBNET, "rogue"]["count"], 2)
        self.assertIn(
            "the gateway of segment seg-a",
            by_kind[ConflictKindChoices.EXCLUDED, "192-168-56-1"]["message"],
        )
        self.assertIn(
            "192.168.56.100-192.168.56.149",
            by_kind[ConflictKindChoices.OUTSIDE_SUBNET, "192-168-56-160"]["message"],
        )
        self.assertIn(
            "network=vlan0", by_kind[ConflictKindChoices.NODE_LABELS, "node-2"]["message"]
        )
        self.assertLessEqual(len(queries), 16)

    def test_a_pod_on_an_address_reserved_for_another_pod(self) -> None:
        self.grant(*VIEW)
        self.observe("192.168.56.140", "192-168-56-140", pod="web-0")
        conflicts = self.conflicts()
        self.assertEqual(
            [(c["kind"], c["name"]) for c in conflicts],
            [(ConflictKindChoices.RESERVED, "192-168-56-140")],
        )
        self.assertIn("reserved for team-a/db-0", conflicts[0]["message"])

    def test_the_pod_an_address_is_reserved_for_holds_it(self) -> None:
        self.grant(*VIEW)
        self.observe("192.168.56.140", "192-168-56-140", pod="db-0")
        self.assertEqual(self.conflicts(), [])

    def test_ipv6_outside_its_block(self) -> None:
        self.grant(*VIEW)
        network = make_network(self.cluster, "overlay", type="Overlay", net_id=4)
        make_subnet(network, "v6", "fd00:10::/120", start="fd00:10::10", end="fd00:10::20")
        self.observe("fd00:10::15", "fd00-10-0-0-0-0-0-15", subnet="v6")
        self.observe("fd00:10::30", "fd00-10-0-0-0-0-0-30", subnet="v6")
        self.assertEqual(
            [(c["kind"], c["address"]) for c in self.conflicts()],
            [(ConflictKindChoices.OUTSIDE_SUBNET, "fd00:10::30")],
        )


class LookupTest(SyncAPITestCase):
    def lookup(self, q: str, expected: int = 200) -> dict:
        response = self.client.get(reverse(f"{API_NAMESPACE}:lookup"), {"q": q})
        self.assertEqual(response.status_code, expected, getattr(response, "data", None))
        return response.json()

    def test_anonymous_is_refused(self) -> None:
        self.client.credentials()
        self.lookup("192.168.56.120", expected=401)

    def test_needs_view_permissions(self) -> None:
        self.lookup("192.168.56.120", expected=403)

    def test_who_holds_an_address_across_clusters(self) -> None:
        self.grant(*VIEW)
        other = make_cluster("prod-b")
        self.observe("192.168.56.120", "192-168-56-120", pod="web-0")
        self.observe("192.168.56.120", "192-168-56-120", pod="api-0", cluster=other)
        found = self.lookup("192.168.56.120")
        self.assertEqual(
            [(row["cluster"]["name"], row["pod_name"]) for row in found["ipinstances"]],
            [("prod-a", "web-0"), ("prod-b", "api-0")],
        )
        holder = found["ipinstances"][0]
        self.assertEqual(
            (holder["namespace"], holder["node_name"], holder["subnet_name"]),
            ("team-a", "node-1", "s1"),
        )
        self.assertIsNotNone(holder["observed_at"])
        self.assertEqual(found["subnet"]["name"], "s1")
        self.assertEqual(found["subnet"]["cluster"]["name"], "prod-a")
        self.assertEqual(found["segment"]["name"], "seg-a")
        self.assertIsNone(found["node"])
        self.assertEqual((found["gateway_of"], found["reservations"]), ([], []))

    def test_a_node_address_gateway_and_reservation(self) -> None:
        self.grant(*VIEW)
        self.assertEqual(self.lookup("192.168.56.3")["node"]["name"], "node-2")
        self.assertEqual(self.lookup("192.168.56.1")["gateway_of"], ["segment seg-a"])
        reserved = self.lookup("192.168.56.252")
        self.assertEqual(
            [row["kind"] for row in reserved["reservations"]],
            [ReservationKindChoices.INFRASTRUCTURE],
        )
        self.assertIsNone(reserved["subnet"])

    def test_an_ipv6_address_in_any_spelling(self) -> None:
        self.grant(*VIEW)
        network = make_network(self.cluster, "overlay", type="Overlay", net_id=4)
        make_subnet(network, "v6", "fd00:10::/120", gateway="fd00:10::1")
        self.observe("fd00:10::15", "fd00-10-0-0-0-0-0-15", subnet="v6")
        found = self.lookup("FD00:10:0::0015")
        self.assertEqual(found["address"], "fd00:10::15")
        self.assertEqual([row["name"] for row in found["ipinstances"]], ["fd00-10-0-0-0-0-0-15"])
        self.assertEqual(found["subnet"]["name"], "v6")
        self.assertEqual(self.lookup("fd00:10::1")["gateway_of"], ["subnet prod-a/v6"])

    def test_by_pod_name(self) -> None:
        self.grant(*VIEW)
        self.observe("192.168.56.120", "192-168-56-120", pod="web-0")
        self.observe("192.168.56.121", "192-168-56-121", pod="web-1")
        found = self.lookup("web-0")
        self.assertIsNone(found["address"])
        self.assertEqual([row["ip"] for row in found["ipinstances"]], ["192.168.56.120"])

    def test_a_malformed_query_names_the_field(self) -> None:
        self.grant(*VIEW)
        for q in ("192.168.56.999", "fd00::1::2", "Web_0!"):
            with self.subTest(q=q):
                self.assertIn("q", self.lookup(q, expected=400))
        self.assertIn("q", self.lookup("", expected=400))


class NetworkUtilizationTest(SyncAPITestCase):
    def test_planned_capacity_and_pulled_use(self) -> None:
        self.grant("view_network")
        url = reverse(f"{API_NAMESPACE}:network-detail", kwargs={"pk": self.network.pk})
        self.assertEqual(
            self.client.get(url).data["utilization"], {"capacity": SLICE_CAPACITY, "observed": None}
        )
        ObservedSubnetStatus.objects.create(
            cluster=self.cluster,
            subnet_name="s1",
            total=50,
            used=3,
            available=47,
            observed_at=timezone.now(),
        )
        self.assertEqual(
            self.client.get(url).data["utilization"],
            {"capacity": SLICE_CAPACITY, "observed": {"used": 3, "available": 47}},
        )
