"""API of sites."""

from planner.models import NodeSegment, Site
from tests.api.mixins import APIViewTestCases
from tests.planner.factories import make_segment, make_site


class SiteAPITest(APIViewTestCases.ModelViewTestCase):
    model = Site
    # The token with its user, the user's permissions (2), the page's count and rows.
    list_queries = 5
    create_data = [
        {"name": "hz-dc1", "description": "Hangzhou, hall 1"},
        {"name": "hz-dc2"},
        {"name": "sh-dc1"},
    ]
    invalid_data = {"name": ""}
    invalid_field = "name"
    update_data = {"description": "Hangzhou, hall 2"}

    @classmethod
    def make_object(cls, index: int) -> Site:
        return make_site(f"site-{index}")

    def test_duplicate_name_is_a_field_error(self) -> None:
        self.grant("view", "add")
        response = self.client.post(self.list_url(), {"name": self.objects[0].name})
        self.assertStatus(response, 400)
        self.assertIn("name", response.data)

    def test_deleting_a_site_with_segments_is_a_conflict(self) -> None:
        self.grant("view", "delete")
        site = self.objects[0]
        segment = make_segment(site=site)
        response = self.client.delete(self.detail_url(site))
        self.assertStatus(response, 409)
        self.assertIn(str(segment), response.data["detail"])
        self.assertTrue(NodeSegment.objects.filter(site=site).exists())

    def test_search_and_ordering(self) -> None:
        self.grant("view")
        response = self.client.get(self.list_url(), {"search": "site-1"})
        self.assertEqual([row["name"] for row in response.data["results"]], ["site-1"])
        response = self.client.get(self.list_url(), {"ordering": "-name"})
        self.assertEqual(
            [row["name"] for row in response.data["results"]], ["site-2", "site-1", "site-0"]
        )

    def test_filters_apply_beside_pagination_and_ordering(self) -> None:
        # Without a filter in the query the FilterSet is skipped (PlannerFilterBackend).
        self.grant("view")
        query = {"limit": 2, "offset": 0, "ordering": "-name"}
        response = self.client.get(self.list_url(), query)
        self.assertEqual([row["name"] for row in response.data["results"]], ["site-2", "site-1"])
        response = self.client.get(self.list_url(), {**query, "name": "site-0"})
        self.assertEqual([row["name"] for row in response.data["results"]], ["site-0"])
        response = self.client.get(self.list_url(), {**query, "name__icontains": "E-1"})
        self.assertEqual([row["name"] for row in response.data["results"]], ["site-1"])

    def test_a_malformed_id_is_a_json_404(self) -> None:
        self.grant("view")
        response = self.client.get(f"{self.list_url()}1.5e3/")
        self.assertStatus(response, 404)
        self.assertEqual(response.data, {"detail": "Not found."})

    def test_query_errors_are_objects(self) -> None:
        self.grant("view")
        response = self.client.get(self.list_url(), {"search": "site\x00"})
        self.assertStatus(response, 400)
        self.assertEqual(response.data, {"non_field_errors": ["Null characters are not allowed."]})
