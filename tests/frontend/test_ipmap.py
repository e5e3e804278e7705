"""The IP map draws intervals: a /24 as a grid of one cell per address, larger spaces as rows
of equal spans, so a /16 and an IPv6 /64 stay a few hundred rectangles."""

import pytest

from frontend.ipmap import CELL_GRID_MAX, MAP_ROWS, MIN_WIDTH, cluster_colour, pool_map, segment_map
from frontend.links import object_url, object_urls
from planner.addressing import address_key, parse_address
from planner.models import ObservedIPInstance, Subnet
from planner.services.carving import carve_segment
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_pool,
    make_segment,
)

pytestmark = pytest.mark.django_db

# Far fewer than the addresses of any space drawn here.
MAX_RECTS = 1000


def titles(drawing) -> list[str]:
    return [rect.title for rect in drawing.rects]


def observe(cluster, subnet, ips: list[str]) -> None:
    for index, ip in enumerate(ips):
        address = parse_address(ip)
        ObservedIPInstance.objects.create(
            cluster=cluster,
            namespace="default",
            name=f"pod-{index}",
            ip=ip,
            ip_key=address_key(address.family, address.value),
            subnet_name=subnet.name,
            network_name=subnet.network.name,
            observed_at="2026-12-03T10:00Z",
        )


def test_a_24_is_a_grid_of_one_cell_per_address(plan):
    drawing = segment_map(plan["segment"], object_urls(Subnet))
    assert len(drawing.labels) == CELL_GRID_MAX // 16
    assert "one cell per address" in drawing.scale
    # Every address is one cell, whatever holds it.
    assert len(drawing.rects) == CELL_GRID_MAX
    slice_a, slice_b = plan["slices"]
    cells_a = [rect for rect in drawing.rects if rect.href == object_url(slice_a)]
    assert len(cells_a) == 50
    assert {rect.fill for rect in cells_a} == {cluster_colour(slice_a.cluster_id)}
    assert any(
        title.startswith("prod-b/slice-b 192.168.56.53-192.168.56.72") for title in titles(drawing)
    )
    assert "gateway 192.168.56.1" in titles(drawing)
    assert any(title.startswith("node node-1 192.168.56.2") for title in titles(drawing))
    legend = [text for _, text in drawing.legend]
    assert {"cluster prod-a", "cluster prod-b", "gateway", "node IP", "free"} <= set(legend)


def test_the_segment_page_draws_the_map_with_links(planner_client, plan):
    page = planner_client.get(object_url(plan["segment"])).content.decode()
    assert "<svg" in page
    assert f'<a href="{object_url(plan["slices"][0])}"><rect' in page
    assert "<title>prod-a/slice-a 192.168.56.3-192.168.56.52 (50)</title>" in page


def test_a_16_is_rows_of_equal_spans_and_a_node_ip_stays_visible():
    segment = make_segment("10.20.0.0/16", "10.20.0.1", name="wide")
    cluster = make_cluster("wide-a")
    network = make_network(cluster, "vlan", net_id=0)
    make_node(segment, "10.20.200.7", name="lonely")
    for index in range(20):
        carve_segment(segment, network=network, name=f"s{index}", size=1000)
    drawing = segment_map(segment, object_urls(Subnet))
    assert len(drawing.labels) == MAP_ROWS
    assert "each row 1,024 addresses" in drawing.scale
    assert len(drawing.rects) < MAX_RECTS
    node = next(rect for rect in drawing.rects if rect.title.startswith("node lonely"))
    assert node.width == MIN_WIDTH


def test_an_ipv6_64_is_drawn_in_a_bounded_number_of_rectangles():
    segment = make_segment("fd00:10::/64", "fd00:10::1", name="v6")
    cluster = make_cluster("six")
    network = make_network(cluster, "vlan6", net_id=0)
    subnet = carve_segment(
        segment, network=network, name="pods", start="fd00:10::1:0:100", end="fd00:10::1:0:1ff"
    )
    observe(cluster, subnet, ["fd00:10::1:0:100", "fd00:10::1:0:101", "fd00:10::1:0:102"])
    drawing = segment_map(segment, object_urls(Subnet))
    assert len(drawing.labels) == MAP_ROWS
    assert f"each row {2**64 // MAP_ROWS:,} addresses" in drawing.scale
    assert len(drawing.rects) < MAX_RECTS
    assert any(rect.href == object_url(subnet) for rect in drawing.rects)
    # Three adjacent observed pod IPs are one interval.
    observed = [title for title in titles(drawing) if title.startswith("observed pod IPs")]
    assert observed == ["observed pod IPs fd00:10::1:0:100-fd00:10::1:0:102 (3)"]


def test_a_pool_shows_its_blocks(plan):
    drawing = pool_map(plan["pool"], object_urls(Subnet))
    block = plan["block"]
    rects = [rect for rect in drawing.rects if rect.href == object_url(block)]
    assert rects and all(rect.fill == cluster_colour(block.cluster_id) for rect in rects)
    assert len(drawing.rects) < MAX_RECTS


def test_blocks_that_share_a_pixel_are_one_rectangle_naming_how_many():
    pool = make_pool("10.0.0.0/8", name="wide-pool")
    cluster = make_cluster("blocks")
    network = make_network(cluster, "init", type="Overlay", net_id=4)
    blocks = []
    for index in range(2000):
        block = Subnet(
            network=network,
            pool=pool,
            name=f"b{index}",
            cidr=f"10.{index // 1024}.{index // 4 % 256}.{index % 4 * 64}/26",
        )
        block.cluster_id = cluster.pk
        block.normalize_addresses()
        blocks.append(block)
    Subnet.objects.bulk_create(blocks)
    drawing = pool_map(pool, object_urls(Subnet))
    # 2,000 blocks of 64 addresses in the first 128,000 addresses: a row is 262,144.
    assert len(drawing.rects) == 1
    assert drawing.rects[0].title == "2,000 subnet intervals in 10.0.0.0-10.1.243.255 (128,000)"
    assert drawing.rects[0].fill == cluster_colour(cluster.pk) and drawing.rects[0].href == ""


def test_the_map_links_each_subnet_to_its_page(plan):
    for subnet in (*plan["slices"], plan["block"]):
        assert object_urls(Subnet)(subnet.pk) == object_url(subnet)
