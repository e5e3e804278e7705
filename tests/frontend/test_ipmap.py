"""The IP map draws intervals: a /24 as a grid of one cell per address, larger spaces as rows
of equal spans, so a /16 and an IPv6 /64 stay a few hundred rectangles; many subnets are
bands that name how many of which clusters they hold."""

import pytest

from frontend.ipmap import MAX_LANES, cluster_colour, pool_map, segment_map
from frontend.links import object_url, object_urls
from frontend.mapbands import SubnetGroup, group_by_cell
from frontend.maplayout import (
    BAND_CELLS_PER_ROW,
    CELL_GRID_MAX,
    MAP_ROWS,
    MIN_WIDTH,
    MIXED_FILL,
    MapLayout,
)
from planner.addressing import address_key, key_value, parse_address
from planner.models import ObservedIPInstance, Subnet
from planner.services.carving import carve_segment
from tests.frontend.conftest import bulk_slices
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
    assert drawing.rects[0].title == (
        "2,000 blocks of cluster blocks in 10.0.0.0-10.1.243.255 (128,000)"
    )
    assert drawing.rects[0].fill == cluster_colour(cluster.pk) and drawing.rects[0].href == ""


def test_the_map_links_each_subnet_to_its_page(plan):
    for subnet in (*plan["slices"], plan["block"]):
        assert object_urls(Subnet)(subnet.pk) == object_url(subnet)


def wide_segment(clusters: int) -> tuple:
    segment = make_segment("10.30.0.0/16", "10.30.0.1", name="many")
    networks = [
        make_network(make_cluster(f"team-{index}"), "vlan", net_id=0) for index in range(clusters)
    ]
    return segment, networks


def subnet_rects(drawing) -> list:
    """The rectangles of slices and blocks: linked ones and bands (the rest name a kind)."""
    return [rect for rect in drawing.rects if rect.href or " of " in rect.title]


def test_thousands_of_slices_are_a_band_per_row_naming_their_clusters():
    segment, networks = wide_segment(3)
    # 3,000 slices of 4 addresses from .2: 12,000 addresses, the first 12 rows of 1,024.
    bulk_slices(segment, networks, 3000, 4)
    drawing = segment_map(segment, object_urls(Subnet))
    bands = subnet_rects(drawing)
    assert len(bands) == 12
    assert len(drawing.rects) < 20
    # Every slice is in a band: the one crossing each row's end is in both rows'.
    counts = [int(band.title.split()[0].replace(",", "")) for band in bands]
    assert sum(counts) == 3000 + 11
    assert bands[0].title == (
        "256 slices of 3 clusters in 10.30.0.2-10.30.3.255 (1,022): team-0, team-1, team-2"
    )
    colours = tuple(cluster_colour(network.cluster_id) for network in networks)
    assert all(band.lanes == colours and band.href == "" for band in bands)
    legend = [text for _, text in drawing.legend]
    assert {"cluster team-0", "cluster team-1", "cluster team-2"} <= set(legend)


def test_a_band_of_more_clusters_than_lanes_gives_the_rest_one_lane():
    segment, networks = wide_segment(MAX_LANES + 2)
    bulk_slices(segment, networks, 200, 4)
    drawing = segment_map(segment, object_urls(Subnet))
    (band,) = subnet_rects(drawing)
    assert len(band.lanes) == MAX_LANES and band.lanes[-1] == MIXED_FILL
    assert band.title.startswith(f"200 slices of {MAX_LANES + 2} clusters in ")
    assert band.title.endswith(": team-0, team-1, team-10, team-11, team-2 and 7 more")
    legend = [text for _, text in drawing.legend]
    assert "several clusters (zoomed out)" in legend
    assert {f"cluster {network.cluster.name}" for network in networks} <= set(legend)


def test_a_slice_wide_enough_to_click_is_drawn_alone_and_linked():
    segment, networks = wide_segment(2)
    bulk_slices(segment, networks, 100, 4)
    # From .402 (10.30.1.146) into the second row of 1,024 addresses, then more small ones.
    wide = carve_segment(segment, network=networks[0], name="wide", size=1000)
    bulk_slices(segment, networks[1:], 50, 2, first_offset=1402, prefix="t")
    drawing = segment_map(segment, object_urls(Subnet))
    linked = [rect for rect in drawing.rects if rect.href == object_url(wide)]
    assert len(linked) == 2
    assert {rect.fill for rect in linked} == {cluster_colour(wide.cluster_id)}
    assert {rect.title for rect in linked} == {"team-0/wide 10.30.1.146-10.30.5.121 (1,000)"}
    titles = [rect.title for rect in subnet_rects(drawing) if not rect.href]
    assert titles == [
        "100 slices of 2 clusters in 10.30.0.2-10.30.1.145 (400): team-0, team-1",
        "50 slices of cluster team-1 in 10.30.5.122-10.30.5.221 (100)",
    ]


def test_an_ipv6_64_of_many_slices_stays_a_few_bands():
    segment = make_segment("fd00:30::/64", "fd00:30::1", name="v6-many")
    network = make_network(make_cluster("six"), "vlan6", net_id=0)
    bulk_slices(segment, [network], 2000, 16)
    drawing = segment_map(segment, object_urls(Subnet))
    (band,) = subnet_rects(drawing)
    assert band.title == "2,000 slices of cluster six in fd00:30::2-fd00:30::7d01 (32,000)"
    assert band.fill == cluster_colour(network.cluster_id)


def test_thousands_of_observed_pod_ips_are_a_band_per_row():
    segment, networks = wide_segment(1)
    cluster = networks[0].cluster
    # Every other address from 10.30.0.10: 4,000 pod IPs over 8,000 addresses.
    ObservedIPInstance.objects.bulk_create(
        ObservedIPInstance(
            cluster=cluster,
            namespace="default",
            name=f"many-{index}",
            ip=f"10.30.{(10 + 2 * index) // 256}.{(10 + 2 * index) % 256}",
            ip_key=address_key(4, parse_address("10.30.0.0").value + 10 + 2 * index),
            subnet_name="pods",
            network_name="vlan",
            observed_at="2026-12-03T10:00Z",
        )
        for index in range(4000)
    )
    observe(cluster, Subnet(name="pods", network=networks[0]), ["10.30.200.7"])
    drawing = segment_map(segment, object_urls(Subnet))
    observed = [rect for rect in drawing.rects if "observed pod IPs" in rect.title]
    assert [rect.title for rect in observed[:2]] == [
        "507 observed pod IPs in 10.30.0.10-10.30.3.254 (1,013)",
        "512 observed pod IPs in 10.30.4.0-10.30.7.254 (1,023)",
    ]
    assert len(observed) == 9 and observed[-1].title == "observed pod IPs 10.30.200.7"
    assert sum(int(rect.title.split()[0]) for rect in observed[:-1]) == 4000
    assert ("rgba(0,0,0,0.45)", "observed pod IPs") in drawing.legend


def test_slices_inside_one_cell_are_counted_together_and_one_crossing_is_alone():
    # A /16 in rows of 1,024 addresses: cells of 16.
    layout = MapLayout(4, 0, 2**16 - 1, str)
    assert BAND_CELLS_PER_ROW == 1024 // 16

    def keys(first: int, last: int) -> tuple[bytes, bytes]:
        return address_key(4, first), address_key(4, last)

    groups = group_by_cell(
        layout,
        [
            (3, *keys(8, 11), 20),
            (1, *keys(0, 3), 10),
            (2, *keys(4, 7), 20),
            (4, *keys(12, 19), 10),
            (5, *keys(40, 40), 30),
        ],
    )
    assert groups == [
        SubnetGroup(3, 0, 11, 1, frozenset({10, 20})),
        SubnetGroup(1, 12, 19, 4, frozenset({10})),
        SubnetGroup(1, 40, 40, 5, frozenset({30})),
    ]
    assert key_value(address_key(4, 40)) == 40


def test_the_page_of_a_segment_of_thousands_of_slices_draws_a_bounded_map(planner_client):
    segment, networks = wide_segment(4)
    bulk_slices(segment, networks, 4000, 4)
    page = planner_client.get(object_url(segment)).content.decode()
    drawing = page[page.index('<svg class="map"') : page.index("</svg>", page.index("</defs>"))]
    assert drawing.count("<rect") < 300
    assert drawing.count("<title>") < 30
    for network in networks:
        assert f"cluster {network.cluster.name}" in page
    # The slices' table is paged.
    assert page.count('href="/subnets/') < 100
