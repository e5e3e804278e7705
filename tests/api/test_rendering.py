"""How objects become JSON: the serializers' getter plan shows exactly what DRF's generic
to_representation shows, and the orjson renderer writes what DRF's JSONRenderer would."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import set_script_prefix
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.reverse import reverse
from rest_framework.test import APIRequestFactory

from planner.api.renderers import PlannerJSONRenderer
from planner.api.serializers.base import DefaultZoneDateTimeField, detail_url, detail_view_name
from planner.api.urls import router
from planner.choices import SyncActionChoices, SyncStateChoices
from planner.models import ObservedIPInstance, ObservedSubnetStatus, Subnet, SyncRun

pytestmark = pytest.mark.django_db
# Objects of each model compared; the demo has fewer of most.
OBJECTS_COMPARED = 25
OBSERVED_AT = "2026-11-26T00:00:00Z"
OBSERVED_IP = "100.64.0.5"


@pytest.fixture
def demo_context() -> dict:
    """The demo, plus one of each observed object, so that every viewset has rows."""
    call_command("load_demo", verbosity=0)
    subnet = Subnet.objects.first()
    ObservedSubnetStatus.objects.create(
        cluster=subnet.cluster,
        subnet_name=subnet.name,
        total=10,
        used=3,
        available=7,
        observed_at=OBSERVED_AT,
    )
    ObservedIPInstance.objects.create(
        cluster=subnet.cluster,
        namespace="default",
        name="pod-a",
        ip=OBSERVED_IP,
        subnet_name=subnet.name,
        network_name=subnet.network.name,
        pod_name="pod-a",
        observed_at=OBSERVED_AT,
    )
    SyncRun.objects.create(
        cluster=subnet.cluster, action=SyncActionChoices.PULL, state=SyncStateChoices.SUCCEEDED
    )
    return {"request": Request(APIRequestFactory().get("/api/"))}


@pytest.mark.parametrize("prefix, viewset", [(p, v) for p, v, _ in router.registry])
def test_getter_plan_shows_what_drf_shows(demo_context, prefix, viewset) -> None:
    serializer = viewset.serializer_class(context=demo_context)
    objects = list(viewset.queryset.all()[:OBJECTS_COMPARED])
    assert objects, f"nothing to compare for /api/{prefix}/"
    for instance in objects:
        generic = serializers.Serializer.to_representation(serializer, instance)
        assert serializer.to_representation(instance) == generic


@pytest.mark.parametrize("items", [[], ["10.0.0.1", "10.0.0.2"], ["10.0.0.1", 7, None]])
def test_lists_of_text_show_what_drf_shows(demo_context, items) -> None:
    """Lists of str are shown as read; any other item as DRF's CharField shows it."""
    from planner.api.views import SubnetViewSet

    serializer = SubnetViewSet.serializer_class(context=demo_context)
    subnet = SubnetViewSet.queryset.first()
    subnet.exclude_ips = items
    generic = serializers.Serializer.to_representation(serializer, subnet)
    assert serializer.to_representation(subnet)["exclude_ips"] == generic["exclude_ips"]
    assert generic["exclude_ips"] == [None if item is None else str(item) for item in items]


def test_a_page_shows_what_drf_shows(demo_context) -> None:
    """Rows of a page name their relations from the names read for the page."""
    from planner.api.views import SubnetViewSet

    rows = list(SubnetViewSet.queryset.select_related(None))
    page = SubnetViewSet.serializer_class(rows, many=True, context=demo_context).data
    one_by_one = [
        serializers.Serializer.to_representation(
            SubnetViewSet.serializer_class(context=demo_context), subnet
        )
        for subnet in SubnetViewSet.queryset.all()
    ]
    assert len(page) == len(one_by_one) > 1
    assert page == one_by_one


@pytest.mark.parametrize(
    "script_name, query", [("", ""), ("/hybridplan", "format=json")], ids=["plain", "prefixed"]
)
def test_detail_urls_are_the_urls_drfs_reverse_gives(script_name, query) -> None:
    """Behind a script prefix (a proxy's sub-path) and with DRF's format override kept."""
    request = Request(APIRequestFactory().get(f"/api/?{query}", SCRIPT_NAME=script_name))
    set_script_prefix(f"{script_name}/")
    try:
        for model in (Subnet, SyncRun, ObservedIPInstance):
            drf = reverse(detail_view_name(model), kwargs={"pk": 7}, request=request)
            assert detail_url(model, 7, {"request": request}) == drf
            assert detail_url(model, 7, {}) == reverse(detail_view_name(model), kwargs={"pk": 7})
        assert drf.startswith(f"http://testserver{script_name}/api/")
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 27, 0, 31, 22, 123456, tzinfo=UTC),
        datetime(2026, 11, 27, 0, 31, 22, tzinfo=UTC),
        datetime(2026, 11, 27, 6, 1, 22, 5, tzinfo=ZoneInfo("Asia/Kolkata")),
        datetime(2026, 11, 27, 0, 31, 22, tzinfo=ZoneInfo("UTC")),
    ],
)
def test_timestamps_show_as_drfs_field_shows_them(settings, zone, value) -> None:
    settings.TIME_ZONE = zone
    drfs = serializers.DateTimeField(default_timezone=ZoneInfo(zone))
    assert DefaultZoneDateTimeField().to_representation(value) == drfs.to_representation(value)


@pytest.mark.parametrize(
    "data",
    [
        {"0": {"name": ["taken"]}, "results": [{"id": 1, "cidr": "fd00::/64"}]},
        {1: {"name": ["keyed by item index"]}},
        {"size": 2**80, "percent_planned": 12.5, "name": "ünïcode"},
        [],
    ],
)
def test_renderer_writes_what_drf_writes(data) -> None:
    assert json.loads(PlannerJSONRenderer().render(data)) == json.loads(JSONRenderer().render(data))


def test_renderer_indents_on_request() -> None:
    rendered = PlannerJSONRenderer().render(
        {"a": [1]}, "application/json; indent=2", {"request": None}
    )
    assert rendered == JSONRenderer().render(
        {"a": [1]}, "application/json; indent=2", {"request": None}
    )
    assert b"\n  " in rendered
