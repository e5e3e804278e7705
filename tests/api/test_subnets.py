"""API of Subnets: writes go through Hybridnet's admission rules and the planner's checks."""

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from planner.choices import NetworkTypeChoices, ReservationKindChoices
from planner.models import (
    ObservedIPInstance,
    ObservedSubnetStatus,
    Reservation,
    Subnet,
)
from planner.querysets import triggers_keep_spaces
from planner.services.carving import carve_pool, carve_segment
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment


class SubnetAPITest(APIViewTestCases.ModelViewTestCase):
    model = Subnet
    # The base five: the page's relations are joined.
    list_queries = 5
    brief_relations = ["cluster", "network", "pool"]
    canonical = {"cidr": "fd00:64::/112", "reserved_ips": ["fd00:64::10"]}
    invalid_field = "cidr"
    update_data = {"reserved_ips": ["100.64.0.10"], "private": True, "description": "db pods"}

    @classmethod
    def set_up_fixtures(cls) -> None:
        cls.cluster = make_cluster()
        cls.overlay = make_network(cls.cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
        cls.underlay = underlay = make_network(cls.cluster, "underlay-1", net_id=0)
        cls.pool = make_pool("100.64.0.0/10", "overlay-v4")
        pool_v6 = make_pool("fd00:64::/48", "overlay-v6")
        segment = make_segment()
        cls.create_data = [
            {
                "network": cls.overlay.pk,
                "name": "v6",
                "pool": pool_v6.pk,
                "cidr": "FD00:64:0::/112",
                "reserved_ips": ["FD00:64::0010"],
            },
            {"network": cls.overlay.pk, "name": "b", "pool": cls.pool.pk, "cidr": "100.65.0.0/24"},
            {
                "network": underlay.pk,
                "name": "slice",
                "segment": segment.pk,
                "cidr": "192.168.56.0/24",
                "gateway": "192.168.56.1",
                "start": "192.168.56.100",
                "end": "192.168.56.149",
                "net_id": 0,
            },
        ]
        cls.invalid_data = {"network": cls.overlay.pk, "name": "bad", "cidr": "100.66.0.1/24"}

    @classmethod
    def make_object(cls, index: int) -> Subnet:
        return carve_pool(cls.pool, network=cls.overlay, name=f"subnet-{index}", prefixlen=24)

    def test_hybridnet_denial_is_a_400_with_its_rule(self) -> None:
        self.grant("view", "add")
        payload = {**self.create_data[1], "net_id": 4}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertEqual(response.data["rule"], "S-7")
        self.assertEqual(
            response.data["hybridnet_message"], "must not assign net ID for overlay subnet"
        )

    def test_overlapping_window_is_refused(self) -> None:
        self.grant("view", "add")
        payload = {**self.create_data[1], "cidr": "100.64.0.0/24"}
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertIn("overlaps subnet subnet-0", str(response.data))

    def bulk_blocks(self, first: int, count: int) -> list[dict]:
        return [
            {"network": self.overlay.pk, "name": f"bulk-{n}", "cidr": f"100.80.{n}.0/24"}
            for n in range(first, first + count)
        ]

    def test_bulk_create_refuses_names_and_windows_taken_within_the_request(self) -> None:
        self.grant("view", "add")
        payload = self.bulk_blocks(0, 3)
        payload[1]["name"] = "bulk-0"
        payload[2]["cidr"] = "100.80.0.128/25"  # inside bulk-0's /24
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertEqual(sorted(response.data), [1, 2])
        self.assertIn("already has a subnet bulk-0", str(response.data[1]["name"]))
        self.assertIn("overlaps subnet bulk-0", str(response.data[2]))
        self.assertFalse(Subnet.objects.filter(name__startswith="bulk-").exists())

    def test_bulk_create_refuses_a_window_taken_by_a_stored_subnet(self) -> None:
        self.grant("view", "add")
        payload = self.bulk_blocks(0, 3)
        payload[2]["cidr"] = "100.64.0.0/24"  # subnet-0, carved first from the pool
        payload[1]["name"] = "subnet-1"
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 400)
        self.assertEqual(sorted(response.data), [1, 2])
        self.assertIn("overlaps subnet subnet-0", str(response.data[2]))
        self.assertFalse(Subnet.objects.filter(name__startswith="bulk-").exists())

    def test_bulk_create_costs_the_same_queries_for_5_or_40_subnets(self) -> None:
        self.grant("view", "add")

        def queries(first: int, count: int) -> int:
            with CaptureQueriesContext(connection) as context:
                response = self.client.post(self.list_url(), self.bulk_blocks(first, count))
            self.assertStatus(response, 201)
            return len(context.captured_queries)

        self.assertEqual(queries(0, 5), queries(5, 40))
        self.assertEqual(Subnet.objects.filter(name__startswith="bulk-").count(), 45)

    def test_a_page_of_slices_of_many_segments_costs_its_baseline(self) -> None:
        # Each segment's node and infrastructure addresses (the slices' drift) are read
        # together with the others', not segment by segment.
        self.grant("view")
        Subnet.objects.all().delete()
        for index in range(4):
            segment = make_segment(f"10.{index}.0.0/24", f"10.{index}.0.1", f"seg-{index}")
            make_node(segment, f"10.{index}.0.5", name=f"node-{index}")
            carve_segment(segment, network=self.underlay, name=f"slice-{index}", size=10)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.list_url())
        self.assertStatus(response, 200)
        self.assertEqual(len(response.data["results"]), 4)
        # The base queries, then the segments' node addresses and their reservations.
        self.assertEqual(len(queries), self.list_queries + 2)

    def test_drift_lists_node_addresses_missing_from_exclude_ips(self) -> None:
        self.grant("view")
        segment = make_segment("10.9.0.0/24", gateway="10.9.0.1", name="drift")
        slices = [
            carve_segment(segment, network=self.underlay, name=f"slice-{n}", size=10)
            for n in range(12)
        ]
        self.assertEqual(slices[0].start, "10.9.0.2")
        make_node(segment, "10.9.0.5", name="late-node")  # inside slice-0, after carving
        make_node(segment, "10.9.0.250", name="outside")  # in no slice
        response = self.client.get(self.detail_url(slices[0]))
        self.assertEqual(response.data["missing_exclude_ips"], ["10.9.0.5"])
        self.assertEqual(
            self.client.get(self.detail_url(slices[1])).data["missing_exclude_ips"], []
        )
        counts = []
        for size in (2, 12):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.list_url(), {"segment": segment.pk, "limit": size})
            self.assertEqual(len(response.data["results"]), size)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1], "drift costs queries per row")
        # Infrastructure reserved later inside a slice is drift too, on a page as alone.
        reservation = Reservation(
            segment=segment, start="10.9.0.15", kind=ReservationKindChoices.INFRASTRUCTURE
        )
        reservation.full_clean()
        reservation.save()
        page = self.client.get(self.list_url(), {"segment": segment.pk, "limit": 3}).data
        drift = {row["name"]: row["missing_exclude_ips"] for row in page["results"]}
        self.assertEqual(drift["slice-0"], ["10.9.0.5"])
        self.assertEqual(drift["slice-1"], ["10.9.0.15"])
        self.assertEqual(
            self.client.get(self.detail_url(slices[1])).data["missing_exclude_ips"], ["10.9.0.15"]
        )

    def test_planner_warnings_come_back_with_the_write(self) -> None:
        self.grant("view", "add")
        payload = {**self.create_data[2], "reserved_ips": ["192.168.56.20"]}  # before start
        response = self.client.post(self.list_url(), payload)
        self.assertStatus(response, 201)
        self.assertEqual([item["code"] for item in response.data["warnings"]], ["OUTSIDE_WINDOW"])
        self.assertIn("192.168.56.20 is outside", response.data["warnings"][0]["message"])
        self.assertEqual(self.client.get(response.data["url"]).data["warnings"], [])

    def test_changing_an_immutable_field_of_an_applied_subnet_needs_replacement(self) -> None:
        self.grant("view", "change")
        applied_at = timezone.now()
        Subnet.objects.filter(pk=self.objects[0].pk).update(applied_at=applied_at)
        response = self.client.patch(self.detail_url(self.objects[0]), {"cidr": "100.100.0.0/24"})
        self.assertStatus(response, 409)
        self.assertEqual(response.data["fields"], ["cidr"])
        # What may change in place does, and it stays applied.
        response = self.client.patch(self.detail_url(self.objects[0]), {"private": True})
        self.assertStatus(response, 200)
        self.assertEqual(response.data["applied_at"], applied_at.isoformat().replace("+00:00", "Z"))
        self.objects[0].refresh_from_db()
        self.assertEqual(self.objects[0].cidr, "100.64.0.0/24")

    def test_never_applied_subnet_takes_immutable_edits_into_its_manifest(self) -> None:
        self.grant("view", "change")
        self.user.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_cluster", "view_network"])
        )
        subnet = self.objects[0]
        self.pool.refresh_from_db()
        planned_before = self.pool.planned_size
        response = self.client.patch(
            self.detail_url(subnet),
            {
                "cidr": "100.100.0.0/25",
                "start": "100.100.0.10",
                "exclude_ips": ["100.100.0.20"],
                # Only sync records it: a client cannot.
                "applied_at": "2026-01-01T00:00:00Z",
            },
        )
        self.assertStatus(response, 200)
        self.assertIsNone(response.data["applied_at"])
        manifests = self.client.get(f"/api/clusters/{self.cluster.pk}/manifests/").data
        (spec,) = [
            obj["spec"] for obj in manifests["objects"] if obj["metadata"]["name"] == "subnet-0"
        ]
        self.assertEqual(
            (spec["range"]["cidr"], spec["range"]["start"], spec["range"]["excludeIPs"]),
            ("100.100.0.0/25", "100.100.0.10", ["100.100.0.20"]),
        )
        if triggers_keep_spaces():  # the pool counts the block's new CIDR, not its old one
            self.pool.refresh_from_db()
            self.assertEqual(self.pool.planned_size, planned_before - 128)

    def test_never_applied_subnet_edit_gets_the_checks_of_a_new_one(self) -> None:
        self.grant("view", "change")
        other = make_network(
            make_cluster("prod-b"), "init", type=NetworkTypeChoices.OVERLAY, net_id=4
        )
        carve_pool(self.pool, network=other, name="theirs", prefixlen=24)  # 100.64.3.0/24
        subnet = self.objects[0]
        refused = {
            # Another cluster's block: windows never overlap, whichever cluster holds them.
            "100.64.3.0/24": "overlaps subnet theirs of cluster prod-b",
            # Outside its pool.
            "10.0.0.0/24": "is not inside pool overlay-v4",
        }
        for cidr, message in refused.items():
            response = self.client.patch(self.detail_url(subnet), {"cidr": cidr})
            self.assertStatus(response, 400)
            self.assertIn(message, str(response.data))
        response = self.client.patch(self.detail_url(subnet), {"net_id": 4})
        self.assertStatus(response, 400)
        self.assertEqual(response.data["rule"], "S-7")
        subnet.refresh_from_db()
        self.assertEqual((subnet.cidr, subnet.net_id), ("100.64.0.0/24", None))
        # Its own window is no obstacle: a narrower range of the same CIDR is fine.
        response = self.client.patch(self.detail_url(subnet), {"end": "100.64.0.99"})
        self.assertStatus(response, 200)

    def test_subnet_in_use_cannot_be_deleted(self) -> None:
        self.grant("view", "delete")
        ObservedIPInstance.objects.create(
            cluster=self.cluster,
            namespace="default",
            name="pod-a",
            ip="100.64.0.7",
            subnet_name="subnet-0",
            network_name="init",
            observed_at=timezone.now(),
        )
        response = self.client.delete(self.detail_url(self.objects[0]))
        self.assertStatus(response, 409)
        self.assertEqual(response.data["ips"], ["100.64.0.7"])
        self.assertTrue(Subnet.objects.filter(pk=self.objects[0].pk).exists())

    def test_utilization_shows_capacity_and_observed_status(self) -> None:
        self.grant("view")
        observed_at = timezone.now()
        ObservedSubnetStatus.objects.create(
            cluster=self.cluster,
            subnet_name="subnet-1",
            total=254,
            used=7,
            available=247,
            observed_at=observed_at,
        )
        response = self.client.get(self.list_url(), {"ordering": "name"})
        usage = {row["name"]: row["utilization"] for row in response.data["results"]}
        # A /24 without a gateway: .1 to .254 (SPEC 5.1)
        self.assertEqual(usage["subnet-0"], {"capacity": 254, "observed": None})
        self.assertEqual(usage["subnet-1"]["capacity"], 254)
        self.assertEqual(
            usage["subnet-1"]["observed"],
            {
                "total": 254,
                "used": 7,
                "available": 247,
                "observed_at": observed_at.isoformat().replace("+00:00", "Z"),
            },
        )

    def test_filter_by_window_address(self) -> None:
        self.grant("view")
        response = self.client.get(self.list_url(), {"contains": "100.64.1.9"})
        self.assertEqual([row["name"] for row in response.data["results"]], ["subnet-1"])
