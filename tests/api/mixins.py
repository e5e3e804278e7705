"""Shared API test cases in NetBox's manner: a model's test class declares its data and
inherits the standard cases (anonymous refused, no permission refused, list, get, create,
update, delete, bulk create, a flat query count for lists)."""

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APITestCase

from planner.api.constants import API_NAMESPACE
from planner.models import APIToken

BRIEF_FIELDS = {"id", "name", "url"}
# Objects each test class starts with, and the two page sizes the query baseline compares.
INITIAL_OBJECTS = 3
SMALL_PAGE, LARGE_PAGE = 2, 20


def is_brief(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == BRIEF_FIELDS


def as_sent(value: Any) -> Any:
    """A response value in the form it was written: brief relations become ids."""
    if is_brief(value):
        return value["id"]
    if isinstance(value, list) and value and all(is_brief(item) for item in value):
        return [item["id"] for item in value]
    return value


class APIViewTestCase(APITestCase):
    """A signed-in user with no permissions, and the model's first objects.

    Subclasses set `model`, implement `make_object(index)` (the index-th distinct object,
    with whatever it depends on) and may add shared rows in `set_up_fixtures()`.
    """

    model: ClassVar[type[Model]]
    make_object: ClassVar[Callable[[int], Model]]
    # Fields whose value must come back as a brief {id, name, url} object.
    brief_relations: ClassVar[list[str]] = []

    @classmethod
    def setUpTestData(cls) -> None:
        cls.user = User.objects.create_user("api-user")
        cls.token, key = APIToken.objects.issue(cls.user)
        cls.token.key = key  # the key is stored nowhere: the tests sign in with this copy
        cls.set_up_fixtures()
        cls.objects = [cls.make_object(index) for index in range(INITIAL_OBJECTS)]

    @classmethod
    def set_up_fixtures(cls) -> None:
        """Rows every object and every payload of the class refers to."""

    def setUp(self) -> None:
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {self.token.key}")
        # Used just now: no request of the test records the last-used time (an UPDATE a
        # minute, tests/api/test_tokens.py), so query counts are the endpoints' own.
        APIToken.objects.filter(pk=self.token.pk).update(last_used=timezone.now())

    def grant(self, *actions: str) -> None:
        """Give the user the model's permissions for *actions* ("view", "add", ...)."""
        model_name = self.model._meta.model_name
        self.user.user_permissions.add(
            *Permission.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model),
                codename__in=[f"{action}_{model_name}" for action in actions],
            )
        )

    def sign_out(self) -> None:
        self.client.credentials()

    def list_url(self) -> str:
        return reverse(f"{API_NAMESPACE}:{self.model._meta.model_name}-list")

    def detail_url(self, instance: Model) -> str:
        name = f"{API_NAMESPACE}:{self.model._meta.model_name}-detail"
        return reverse(name, kwargs={"pk": instance.pk})

    def assertStatus(self, response: Response, expected: int) -> None:
        self.assertEqual(response.status_code, expected, getattr(response, "data", None))


class GetObjectTests:
    def test_get_object_anonymously_is_refused(self) -> None:
        self.sign_out()
        self.assertStatus(self.client.get(self.detail_url(self.objects[0])), 401)

    def test_get_object_without_permission_is_refused(self) -> None:
        self.assertStatus(self.client.get(self.detail_url(self.objects[0])), 403)

    def test_get_object(self) -> None:
        self.grant("view")
        instance = self.objects[0]
        response = self.client.get(self.detail_url(instance))
        self.assertStatus(response, 200)
        self.assertEqual(response.data["id"], instance.pk)
        self.assertTrue(response.data["url"].endswith(self.detail_url(instance)))
        for field in self.brief_relations:
            related = getattr(instance, field)
            self.assertEqual(
                response.data[field],
                {"id": related.pk, "name": related.name, "url": response.data[field]["url"]},
            )
            self.assertIn(f"/{related.pk}/", response.data[field]["url"])


class ListObjectsTests:
    """`list_queries`: the queries a page of the list costs, whatever its size (its
    baseline: a change that adds one must say so here)."""

    list_queries: ClassVar[int]

    def test_list_anonymously_is_refused(self) -> None:
        self.sign_out()
        self.assertStatus(self.client.get(self.list_url()), 401)

    def test_list_without_permission_is_refused(self) -> None:
        self.assertStatus(self.client.get(self.list_url()), 403)

    def test_list_objects(self) -> None:
        self.grant("view")
        response = self.client.get(self.list_url())
        self.assertStatus(response, 200)
        self.assertEqual(response.data["count"], self.model.objects.count())
        self.assertEqual(
            {row["id"] for row in response.data["results"]},
            set(self.model.objects.values_list("pk", flat=True)),
        )

    def test_list_shows_each_object_as_its_detail_does(self) -> None:
        # A page names its relations from one query each, its detail from the objects.
        self.grant("view")
        rows = self.client.get(self.list_url()).data["results"]
        self.assertEqual(len(rows), INITIAL_OBJECTS)
        for row in rows:
            self.assertEqual(row, self.client.get(row["url"]).data)

    def test_list_query_count_is_its_baseline_whatever_the_page_size(self) -> None:
        self.grant("view")
        for index in range(INITIAL_OBJECTS, LARGE_PAGE + 1):
            self.make_object(index)
        counts = []
        for size in (SMALL_PAGE, LARGE_PAGE):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.list_url(), {"limit": size})
            self.assertStatus(response, 200)
            self.assertEqual(len(response.data["results"]), size)
            counts.append(len(queries))
        self.assertEqual(
            counts,
            [self.list_queries] * 2,
            f"pages of {SMALL_PAGE} and {LARGE_PAGE} rows against the baseline",
        )


class CreateObjectTests:
    """`create_data`: payloads (the first for the single create, the rest in bulk);
    `canonical`: what the first one's fields read back as, where that differs from what was
    sent; `invalid_data` and `invalid_field`: a payload refused, and the field blamed."""

    create_data: ClassVar[list[dict[str, Any]]]
    canonical: ClassVar[dict[str, Any]] = {}
    invalid_data: ClassVar[dict[str, Any]]
    invalid_field: ClassVar[str]
    write_only_fields: ClassVar[set[str]] = set()

    def assertReadsBack(self, data: dict[str, Any], sent: dict[str, Any], expected: dict) -> None:
        for field, value in sent.items():
            if field in self.write_only_fields:
                self.assertNotIn(field, data)
            else:
                self.assertEqual(as_sent(data[field]), expected.get(field, value), field)

    def test_create_anonymously_is_refused(self) -> None:
        self.sign_out()
        self.assertStatus(self.client.post(self.list_url(), self.create_data[0]), 401)

    def test_create_without_permission_is_refused(self) -> None:
        self.grant("view")
        before = self.model.objects.count()
        self.assertStatus(self.client.post(self.list_url(), self.create_data[0]), 403)
        self.assertEqual(self.model.objects.count(), before)

    def test_create_object(self) -> None:
        self.grant("view", "add")
        response = self.client.post(self.list_url(), self.create_data[0])
        self.assertStatus(response, 201)
        self.assertTrue(self.model.objects.filter(pk=response.data["id"]).exists())
        self.assertReadsBack(response.data, self.create_data[0], self.canonical)

    def test_create_invalid_object_is_a_field_error(self) -> None:
        self.grant("view", "add")
        before = self.model.objects.count()
        response = self.client.post(self.list_url(), self.invalid_data)
        self.assertStatus(response, 400)
        self.assertIn(self.invalid_field, response.data)
        self.assertEqual(self.model.objects.count(), before)

    def test_bulk_create(self) -> None:
        self.grant("view", "add")
        payloads = self.create_data[1:]
        response = self.client.post(self.list_url(), payloads)
        self.assertStatus(response, 201)
        self.assertEqual(len(response.data), len(payloads))
        for data, sent in zip(response.data, payloads, strict=True):
            self.assertTrue(self.model.objects.filter(pk=data["id"]).exists())
            self.assertReadsBack(data, sent, {})

    def test_bulk_create_is_all_or_nothing(self) -> None:
        self.grant("view", "add")
        before = self.model.objects.count()
        response = self.client.post(self.list_url(), [self.create_data[1], self.invalid_data])
        self.assertStatus(response, 400)
        self.assertEqual(list(response.data), [1], "errors are keyed by the failing item")
        self.assertIn(self.invalid_field, response.data[1])
        self.assertEqual(self.model.objects.count(), before)


class UpdateObjectTests:
    """`update_data`: a PATCH that the first object accepts."""

    update_data: ClassVar[dict[str, Any]]

    def test_update_without_permission_is_refused(self) -> None:
        self.grant("view")
        response = self.client.patch(self.detail_url(self.objects[0]), self.update_data)
        self.assertStatus(response, 403)

    def test_update_object(self) -> None:
        self.grant("view", "change")
        instance = self.objects[0]
        response = self.client.patch(self.detail_url(instance), self.update_data)
        self.assertStatus(response, 200)
        self.assertReadsBack(response.data, self.update_data, {})
        stored = self.client.get(self.detail_url(instance)).data
        self.assertReadsBack(stored, self.update_data, {})


class DeleteObjectTests:
    def test_delete_without_permission_is_refused(self) -> None:
        self.grant("view")
        self.assertStatus(self.client.delete(self.detail_url(self.objects[0])), 403)
        self.assertTrue(self.model.objects.filter(pk=self.objects[0].pk).exists())

    def test_delete_object(self) -> None:
        self.grant("view", "delete")
        self.assertStatus(self.client.delete(self.detail_url(self.objects[0])), 204)
        self.assertFalse(self.model.objects.filter(pk=self.objects[0].pk).exists())


class ReadOnlyTests:
    def test_writes_are_not_allowed_even_with_every_permission(self) -> None:
        self.grant("view", "add", "change", "delete")
        detail = self.detail_url(self.objects[0])
        self.assertStatus(self.client.post(self.list_url(), {}), 405)
        self.assertStatus(self.client.put(detail, {}), 405)
        self.assertStatus(self.client.patch(detail, {}), 405)
        self.assertStatus(self.client.delete(detail), 405)
        self.assertTrue(self.model.objects.filter(pk=self.objects[0].pk).exists())


class APIViewTestCases:
    """Namespaced so that test modules do not collect the abstract cases themselves."""

    class ModelViewTestCase(
        GetObjectTests,
        ListObjectsTests,
        CreateObjectTests,
        UpdateObjectTests,
        DeleteObjectTests,
        APIViewTestCase,
    ):
        pass

    class ReadOnlyViewTestCase(GetObjectTests, ListObjectsTests, ReadOnlyTests, APIViewTestCase):
        pass
