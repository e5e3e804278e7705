"""The global search: an address answers who holds it; a name finds objects."""

import pytest
from django.urls import reverse

from frontend.links import object_url
from planner.addressing import address_key, parse_address
from planner.models import ObservedIPInstance

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("planner:search")


def search(client, text: str):
    return client.get(SEARCH_URL, {"q": text})


def test_an_address_in_a_slice_names_the_subnet_segment_and_the_pod(reader_client, plan):
    slice_a = plan["slices"][0]
    address = parse_address("192.168.56.10")
    ObservedIPInstance.objects.create(
        cluster=slice_a.cluster,
        namespace="shop",
        name="192-168-56-10",
        ip=address.text,
        ip_key=address_key(address.family, address.value),
        subnet_name=slice_a.name,
        network_name=slice_a.network.name,
        pod_name="cart-7d9f",
        node_name="node-1",
        observed_at="2026-12-03T10:00Z",
    )
    response = search(reader_client, "192.168.56.10")
    found = response.context["address"]
    assert (found.subnet, found.segment, found.pool) == (slice_a, plan["segment"], None)
    page = response.content.decode()
    assert object_url(slice_a) in page
    assert "cart-7d9f" in page and "shop" in page


@pytest.mark.parametrize(
    ("text", "holder"),
    [
        ("192.168.56.1", "<strong>segment seg-a</strong>"),
        ("192.168.56.2", "node-1"),
        ("192.168.56.251", "infrastructure"),
    ],
)
def test_fixed_addresses_say_what_holds_them(reader_client, plan, text, holder):
    response = search(reader_client, text)
    assert response.context["address"].subnet is None
    assert holder in response.content.decode()


def test_an_address_of_a_pool_block(reader_client, plan):
    found = search(reader_client, "100.64.3.4").context["address"]
    assert (found.subnet, found.pool) == (plan["block"], plan["pool"])


def test_an_address_nobody_plans(reader_client, plan):
    found = search(reader_client, "2001:db8::1").context["address"]
    assert (found.subnet, found.segment, found.pool, found.ipinstances) == (None, None, None, [])


def test_a_name_finds_objects_of_every_kind(reader_client, plan):
    response = search(reader_client, "prod")
    kinds = dict(response.context["by_name"])
    assert [row.name for row in kinds["clusters"]] == ["prod-a", "prod-b"]
    slices = search(reader_client, "slice").context["by_name"]
    assert [row.name for row in dict(slices)["subnets"]] == ["slice-a", "slice-b"]
    assert object_url(plan["slices"][0]) in search(reader_client, "slice").content.decode()


def test_the_search_box_is_on_every_page(reader_client, plan):
    for url in ("/", object_url(plan["segment"]), reverse("planner:subnet_list")):
        assert f'action="{SEARCH_URL}"' in reader_client.get(url).content.decode()
