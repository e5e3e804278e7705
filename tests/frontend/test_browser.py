"""The UI in a real browser: Debian's chromium driven by Playwright for Python, against the
live test server. Screenshots of the main pages go to var/screenshots/ (see the README)."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from planner.kube.gateway import KubeGateway
from planner.models import NodeSegment, Site, Subnet
from planner.services.carving import carve_segment
from planner.services.clusters import register_local_cluster
from tests.frontend.conftest import PASSWORD, bulk_slices, make_user
from tests.kube.factories import ipinstance
from tests.planner.factories import make_cluster, make_network, make_segment

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
VIEWPORT = {"width": 1440, "height": 1000}
# How long a run started from a page may take to end (a worker on a busy machine).
RUN_TIMEOUT_MS = 60_000
# The pod whose address the global search finds once a pull saw it.
POD_NAME, POD_NAMESPACE, POD_ADDRESS = "cart-7d9f", "shop", "192.168.56.5"


@pytest.fixture
def browser_page(transactional_db, live_server, monkeypatch):
    """A fresh page of headless chromium. The database comes first, so that the live server
    (and its connection) goes before the test database does. Playwright's sync API runs an
    event loop in this thread, so Django must be told that the test's own database calls
    are safe."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh", pytrace=False)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT, base_url=live_server.url)
        yield page
        browser.close()
        # Queries run while Playwright's loop is current use connections of their own.
        connections.close_all()


def sign_in(page: Page, username: str) -> None:
    page.goto("/")
    field(page, "Username").fill(username)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def field(page: Page, label: str):
    """The input labelled `label` (Django writes labels with a colon)."""
    return page.get_by_label(f"{label}:", exact=True)


def field_error(page: Page, name: str):
    """The error list Django renders beside the field `name`."""
    return page.locator(f".field:has(#id_{name}) .errorlist")


def carve(page: Page, cluster: str, name: str, size: int) -> None:
    """From the segment's page, through the wizard: preview, then create."""
    page.get_by_role("link", name="Carve a slice").click()
    field(page, "Cluster").select_option(label=cluster)
    # The network choices are redrawn for the cluster: its one network, and the blank.
    expect(field(page, "Network").locator("option")).to_have_count(2)
    field(page, "Network").select_option(label=f"{cluster}/underlay")
    field(page, "Name").fill(name)
    field(page, "Size").fill(str(size))
    # A mark on the window: a page load would drop it; htmx redraws the wizard in place.
    page.evaluate("window.stillHere = true")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".badge.allowed")).to_be_visible()
    expect(page.locator("#preview-yaml")).to_contain_text(f"name: {name}")
    assert page.evaluate("window.stillHere === true")
    page.screenshot(path=SCREENSHOTS / "carve-wizard.png", full_page=True)
    assert not Subnet.objects.filter(name=name).exists()
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=f"Subnet {cluster}/{name}")).to_be_visible()


def test_plan_a_segment_and_carve_for_two_clusters(browser_page):
    page = browser_page
    make_user("planner", ("view", "add", "change", "delete"))
    make_user("reader", ("view",))
    site = Site.objects.create(name="hz-dc1")
    for name in ("prod-a", "prod-b"):
        make_network(make_cluster(name), "underlay", net_id=10)

    sign_in(page, "planner")
    page.get_by_role("link", name="Segments").click()
    page.get_by_role("link", name="Add node segment").click()
    field(page, "Site").select_option(label=site.name)
    field(page, "Name").fill("rack-a")
    field(page, "Gateway").fill("10.10.0.1")
    field(page, "VLAN ID").fill("10")
    # A bad CIDR: the error shows on the field and nothing is stored.
    field(page, "CIDR").fill("10.10.0.0/33")
    page.get_by_role("button", name="Save").click()
    expect(field_error(page, "cidr")).to_be_visible()
    assert not NodeSegment.objects.exists()
    field(page, "CIDR").fill("10.10.0.0/24")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Node segment rack-a (10.10.0.0/24)")).to_be_visible()

    carve(page, "prod-a", "slice-a", 40)
    page.get_by_role("link", name="segment rack-a (10.10.0.0/24)").click()
    carve(page, "prod-b", "slice-b", 20)
    page.screenshot(path=SCREENSHOTS / "subnet.png", full_page=True)

    page.get_by_role("link", name="segment rack-a (10.10.0.0/24)").click()
    titles = page.locator(".ipmap svg rect title").all_text_contents()
    assert "prod-a/slice-a 10.10.0.2-10.10.0.41 (40)" in titles
    assert "prod-b/slice-b 10.10.0.42-10.10.0.61 (20)" in titles
    legend = page.locator(".legend")
    expect(legend).to_contain_text("cluster prod-a")
    expect(legend).to_contain_text("cluster prod-b")
    page.screenshot(path=SCREENSHOTS / "segment-ip-map.png", full_page=True)
    # Each slice on the map is a link to its Subnet.
    page.locator(".ipmap svg a").filter(has=page.locator("title", has_text="slice-b")).first.click()
    expect(page).to_have_url(re.compile(r"/subnets/\d+/$"))

    page.get_by_role("link", name="Hybridplan").click()
    expect(page.locator("body")).to_contain_text("rack-a")
    page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)
    sign_out(page)


def test_the_map_of_a_segment_of_thousands_of_slices(browser_page):
    """Bands that name how many slices of which clusters they hold; a wide slice alone, a
    link; the table of slices below, a page at a time."""
    page = browser_page
    make_user("reader", ("view",))
    segment = make_segment("10.30.0.0/16", "10.30.0.1", name="busy")
    networks = [make_network(make_cluster(f"team-{index}"), "vlan", net_id=0) for index in range(3)]
    bulk_slices(segment, networks, 3000, 4)
    carve_segment(segment, network=networks[0], name="big-one", size=2000)

    sign_in(page, "reader")
    page.goto(f"/segments/{segment.pk}/")
    bands = page.locator(".ipmap svg g title").all_text_contents()
    assert bands[0] == (
        "256 slices of 3 clusters in 10.30.0.2-10.30.3.255 (1,022): team-0, team-1, team-2"
    )
    assert len(bands) == 12
    legend = page.locator(".legend")
    for network in networks:
        expect(legend).to_contain_text(f"cluster {network.cluster.name}")
    page.screenshot(path=SCREENSHOTS / "segment-ip-map-bands.png", full_page=True)
    page.locator(".ipmap svg a").filter(has=page.locator("title", has_text="big-one")).first.click()
    expect(page.get_by_role("heading", name=re.compile("big-one"))).to_be_visible()


def test_a_reader_sees_no_edit_buttons_and_is_refused(browser_page):
    page = browser_page
    make_user("reader", ("view",))
    site = Site.objects.create(name="hz-dc1")
    segment = NodeSegment(site=site, name="rack-a", cidr="10.10.0.0/24", gateway="10.10.0.1")
    segment.full_clean()
    segment.save()

    sign_in(page, "reader")
    page.get_by_role("link", name="Segments").click()
    expect(page.get_by_role("link", name="Add node segment")).to_have_count(0)
    page.get_by_role("link", name="rack-a").click()
    expect(page.get_by_role("img", name="IP map")).to_be_visible()
    for button in ("Edit", "Delete", "Carve a slice"):
        expect(page.get_by_role("link", name=button, exact=True)).to_have_count(0)
    response = page.goto(f"/segments/{segment.pk}/edit/")
    assert response.status == 403
    response = page.goto("/carve/")
    assert response.status == 403


@pytest.mark.kube
@pytest.mark.celery
def test_plan_apply_and_pull_a_cluster_from_its_page(browser_page, celery_worker, kube_cluster):
    """The demo's way: a cluster registered to a (harness) apiserver with a slice planned.
    A real worker carries out the runs the buttons start; the run page follows each to its
    end without a reload."""
    page = browser_page
    # Roles are groups made by a migration, which a transactional test's flush removes: the
    # operator's permissions are given directly.
    make_user("operator", ("view", "operate"))
    cluster = register_local_cluster("demo", kube_cluster.credentials)
    network = make_network(cluster, "underlay", net_id=0)
    segment = NodeSegment(
        site=Site.objects.create(name="dc1"),
        name="rack-a",
        cidr="192.168.56.0/24",
        gateway="192.168.56.1",
    )
    segment.full_clean()
    segment.save()
    carve_segment(segment, network=network, name="demo-slice", size=20)

    sign_in(page, "operator")
    expect(page.locator("#clusters")).to_contain_text("Unknown")
    page.get_by_role("link", name="demo", exact=True).click()
    expect(page.locator("#cluster-badges")).to_contain_text("Unknown")

    page.get_by_role("button", name="Plan", exact=True).click()
    follow_run_to_its_end(page)
    expect(page.locator(".plan-summary")).to_contain_text("2 to create, 0 to update")
    expect(page.locator("tr.create", has_text="demo-slice")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "cluster-plan.png", full_page=True)

    page.get_by_role("link", name="demo", exact=True).click()
    page.get_by_role("link", name="Apply", exact=True).click()
    expect(page.get_by_role("heading", name="Apply the plan to demo?")).to_be_visible()
    expect(page.locator("tr.create", has_text="demo-slice")).to_be_visible()
    page.get_by_role("button", name="Apply to demo").click()
    follow_run_to_its_end(page)
    expect(page.locator("#run-live")).to_contain_text("demo-slice")

    # A pod gets an address of the slice, as hybridnet-manager would record it.
    kube_cluster.create_namespace(POD_NAMESPACE)
    with KubeGateway(kube_cluster.credentials) as gateway:
        gateway.create_ipinstance(POD_NAMESPACE, pod_ipinstance(POD_ADDRESS, "demo-slice"))

    page.get_by_role("link", name="demo", exact=True).click()
    page.get_by_role("button", name="Pull now").click()
    follow_run_to_its_end(page)
    page.get_by_role("link", name="demo", exact=True).click()
    expect(page.locator("#cluster-badges")).to_contain_text("Synced")
    expect(page.locator("#cluster-badges")).to_contain_text("reachable")
    page.screenshot(path=SCREENSHOTS / "cluster.png", full_page=True)
    # The dashboard's row asks for its status once shown.
    page.get_by_role("link", name="Hybridplan").click()
    expect(page.locator("#clusters")).to_contain_text("Synced")

    # The global search finds the pod by its address.
    page.locator("#global-search").fill(POD_ADDRESS)
    page.locator("#global-search").press("Enter")
    expect(page.locator("main")).to_contain_text(POD_NAME)
    expect(page.locator("main")).to_contain_text(POD_NAMESPACE)
    expect(page.locator("main")).to_contain_text("demo-slice")


def pod_ipinstance(address: str, subnet: str) -> dict:
    obj = ipinstance(address, prefix_length=24, subnet_name=subnet)
    obj["spec"]["network"] = "underlay"
    obj["spec"]["binding"] = {"podName": POD_NAME, "nodeName": "node-1"}
    return obj


def follow_run_to_its_end(page: Page) -> None:
    """On a run's page just started: it succeeds with no reload of the page (htmx redraws
    the run as the worker goes), and stops polling."""
    expect(page.locator("#run-state")).to_be_visible()
    page.evaluate("window.stillHere = true")
    expect(page.locator("#run-state")).to_have_text("Succeeded", timeout=RUN_TIMEOUT_MS)
    assert page.evaluate("window.stillHere === true")
    expect(page.locator("#run-live[hx-trigger]")).to_have_count(0)
