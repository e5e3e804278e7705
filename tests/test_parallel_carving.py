"""Parallel carving through the API with real commits, served by gunicorn's worker processes
as `make run` serves it, on PostgreSQL and on the embedded SQLite: no two results overlap,
and every request that loses the race gets a clean 409 (never a 500, never a silent
overlap)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth import get_user_model

from planner.addressing import key_value
from planner.choices import NetworkTypeChoices
from planner.models import APIToken, Subnet
from tests.planner.factories import make_cluster, make_network, make_node, make_pool, make_segment

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8
REQUEST_TIMEOUT_S = 60


@pytest.fixture
def token() -> str:
    user = get_user_model().objects.create_superuser("carver", password="unused-password")
    return APIToken.objects.issue(user)[1]


def fire(url: str, token: str, bodies: list[dict]) -> list[requests.Response]:
    """POST every body at once from its own thread."""
    start = threading.Barrier(len(bodies))

    def post(body: dict) -> requests.Response:
        start.wait()
        return requests.post(
            url, json=body, headers={"Authorization": f"Token {token}"}, timeout=REQUEST_TIMEOUT_S
        )

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def assert_disjoint(subnets, first_field: str, last_field: str) -> None:
    spans = sorted(
        (key_value(getattr(s, first_field)), key_value(getattr(s, last_field))) for s in subnets
    )
    for (_, previous_end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start > previous_end, spans


def test_parallel_slices_of_one_segment(web_server, token):
    segment = make_segment()
    make_node(segment, "192.168.56.2")
    # 252 usable addresses after the gateway and the node: room for six slices of 40.
    networks = [make_network(make_cluster(f"c{i}"), "underlay", net_id=0) for i in range(4)]
    bodies = [
        {"network": networks[i % 4].pk, "name": f"slice-{i}", "size": 40} for i in range(THREADS)
    ]
    responses = fire(f"{web_server.url}/api/segments/{segment.pk}/carve/", token, bodies)
    codes = sorted(response.status_code for response in responses)
    assert codes == [201] * 6 + [409] * 2, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert "no space for 40 addresses in segment seg-a" in response.text
    assert_disjoint(Subnet.objects.all(), "window_first_key", "window_last_key")


def test_parallel_blocks_of_one_pool(web_server, token):
    pool = make_pool("100.64.0.0/21")
    networks = [
        make_network(make_cluster(f"c{i}"), "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
        for i in range(4)
    ]
    bodies = [
        {"network": networks[i % 4].pk, "name": f"block-{i}", "prefixlen": 23}
        for i in range(THREADS)
    ]
    responses = fire(f"{web_server.url}/api/pools/{pool.pk}/carve/", token, bodies)
    codes = sorted(response.status_code for response in responses)
    assert codes == [201] * 4 + [409] * 4, [r.text for r in responses]
    assert_disjoint(Subnet.objects.all(), "first_key", "last_key")
    assert sorted(Subnet.objects.values_list("cidr", flat=True)) == [
        "100.64.0.0/23",
        "100.64.2.0/23",
        "100.64.4.0/23",
        "100.64.6.0/23",
    ]
