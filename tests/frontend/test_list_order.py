"""The subnets list (the page and the API) sorted by an address column: in address order
across pages, IPv4 before IPv6, read from the address indexes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontend.constants import ROWS_PER_PAGE
from frontend.links import list_url
from planner.models import Subnet
from planner.services.carving import carve_pool, carve_segment
from tests.planner.factories import make_cluster, make_network, make_pool, make_segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def subnets() -> list[Subnet]:
    """Slices of an IPv4 and an IPv6 segment and blocks of a pool, created out of address
    order; in address order."""
    cluster = make_cluster("order")
    vlan4 = make_network(cluster, "vlan4", net_id=0)
    vlan6 = make_network(cluster, "vlan6", net_id=0)
    overlay = make_network(cluster, "init", type="Overlay", net_id=4)
    six = make_segment("fd00:50::/64", "fd00:50::1", name="six")
    four = make_segment("10.50.0.0/24", "10.50.0.1", name="four")
    pool = make_pool("10.0.0.0/16", name="blocks")
    created = []
    for index in range(ROWS_PER_PAGE // 2):
        created.append(carve_segment(six, network=vlan6, name=f"v6-{index}", size=2))
        created.append(carve_pool(pool, network=overlay, name=f"block-{index}", prefixlen=26))
        created.append(carve_segment(four, network=vlan4, name=f"v4-{index}", size=2))
    return sorted(
        created,
        key=lambda subnet: (
            subnet.family,
            subnet.first_key,
            subnet.last_key,
            subnet.window_first_key,
        ),
    )


def listed_names(client, query: str) -> list[str]:
    page = client.get(f"{list_url(Subnet)}?{query}").content.decode()
    return re.findall(r'<a href="/subnets/\d+/">([\w-]+)</a>', page)


@pytest.mark.parametrize("column", ["cidr", "start", "end"])
def test_a_sorted_subnets_list_reads_in_address_order_across_pages(planner_client, subnets, column):
    names = [subnet.name for subnet in subnets]
    if column != "cidr":
        # Windows: the IPv4 slices and blocks by where they start, then the IPv6 slices.
        names = [
            subnet.name for subnet in sorted(subnets, key=lambda s: (s.family, s.window_first_key))
        ]
    pages = [listed_names(planner_client, f"sort={column}&page={page}") for page in (1, 2)]
    assert pages[0] + pages[1] == names
    descending = [listed_names(planner_client, f"sort=-{column}&page={page}") for page in (1, 2)]
    assert descending[0] + descending[1] == names[::-1]


def test_a_list_sorted_by_cidr_orders_by_the_indexed_family_and_keys(planner_client, subnets):
    with CaptureQueriesContext(connection) as captured:
        planner_client.get(f"{list_url(Subnet)}?sort=cidr&page=2")
    page_query = next(
        query["sql"]
        for query in captured
        if 'FROM "planner_subnet"' in query["sql"] and "LIMIT" in query["sql"]
    )
    assert re.search(
        r'ORDER BY "planner_subnet"\."family" ASC, "planner_subnet"\."first_key" ASC, '
        r'"planner_subnet"\."last_key" ASC, "planner_subnet"\."window_first_key" ASC',
        page_query,
    )


@pytest.mark.parametrize("column", ["cidr", "start"])
def test_the_api_sorts_subnets_in_the_same_address_order(planner_client, subnets, column):
    key = {"cidr": "cidr", "start": "window"}[column]
    names = [
        subnet.name
        for subnet in sorted(
            subnets,
            key=lambda s: (
                (s.family, s.first_key, s.last_key, s.window_first_key)
                if key == "cidr"
                else (s.family, s.window_first_key)
            ),
        )
    ]
    half = len(names) // 2
    pages = [
        planner_client.get("/api/subnets/", {"ordering": column, "limit": limit, "offset": offset})
        for offset, limit in ((0, half), (half, len(names)))
    ]
    assert [row["name"] for page in pages for row in page.json()["results"]] == names
