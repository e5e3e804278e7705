"""The browser UI's cluster page against a real apiserver: the sync badge reads Unknown
before the first pull and Synced after an apply and a pull; a plan run's page shows its diff.
The runs are started by the page's buttons and carried out by the session's real worker."""

import pytest
from kubernetes import client

from frontend.links import object_url
from planner.choices import SyncStateChoices, SyncStatusChoices
from planner.kube.constants import GROUP, MERGE_PATCH, SUBNET, VERSION
from planner.kube.credentials import build_api_client
from planner.kube.gateway import KubeGateway
from planner.models import Subnet, SyncRun
from planner.services.carving import carve_segment
from planner.services.clusters import register_local_cluster
from tests.frontend.conftest import make_user
from tests.kube.factories import ipinstance
from tests.kube.test_tasks import wait_for
from tests.planner.factories import make_network, make_segment

pytestmark = [
    pytest.mark.kube,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker"),
]


@pytest.fixture
def operator(client):
    # Roles are groups made by a migration, which a transactional test's flush removes: the
    # operator's permissions are given directly.
    client.force_login(make_user("op", ("view", "operate")))
    return client


def press(operator, cluster, action: str) -> SyncRun:
    """The page's button of `action`, and the run it started, once the worker ended it."""
    response = operator.post(f"{object_url(cluster)}run/{action}/")
    run = SyncRun.objects.filter(cluster=cluster, action=action).latest("pk")
    assert response["Location"] == object_url(run)
    wait_for(run)
    assert run.state == SyncStateChoices.SUCCEEDED, run.error
    return run


def test_the_badge_reads_unknown_then_synced_and_a_plan_shows_its_diff(kube_cluster, operator):
    cluster = register_local_cluster("prod-a", kube_cluster.credentials)
    network = make_network(cluster, "underlay-1", net_id=0)
    carve_segment(make_segment(), network=network, name="slice-a", size=10)
    Subnet.objects.filter(name="slice-a").update(private=False)

    page = operator.get(object_url(cluster))
    assert page.context["drift"].status == SyncStatusChoices.UNKNOWN
    assert '<span class="badge Unknown" title="sync status">Unknown</span>' in page.content.decode()

    plan = press(operator, cluster, "plan")
    run_page = operator.get(object_url(plan)).content.decode()
    assert "2 to create, 0 to update, 0 to replace, 0 to delete, 0 blocked" in run_page
    assert '<tr class="create">' in run_page and "slice-a" in run_page
    assert "spec.range.start: <del>(none)</del>" in run_page
    confirm = operator.get(f"{object_url(cluster)}apply/").content.decode()
    assert f"plan run {plan.pk}" in confirm and "underlay-1" in confirm

    apply = press(operator, cluster, "apply")
    assert "slice-a" in operator.get(object_url(apply)).content.decode()
    press(operator, cluster, "pull")
    page = operator.get(object_url(cluster))
    html = page.content.decode()
    assert page.context["drift"].status == SyncStatusChoices.SYNCED
    assert '<span class="badge Synced" title="sync status">Synced</span>' in html
    assert 'class="badge reachable"' in html and "pulled 0" in html
    # Credentials are stored and never shown.
    assert "stored (never shown)" in html
    assert kube_cluster.credentials.token not in html


def test_a_subnet_page_shows_its_drift_and_its_conflicts(kube_cluster, operator):
    cluster = register_local_cluster("prod-a", kube_cluster.credentials)
    network = make_network(cluster, "underlay-1", net_id=0)
    slice_a = carve_segment(make_segment(), network=network, name="slice-a", size=10)
    Subnet.objects.filter(pk=slice_a.pk).update(private=False)
    assert "Unknown until the cluster's first pull" in page_of(operator, slice_a)

    press(operator, cluster, "apply")
    press(operator, cluster, "pull")
    synced = page_of(operator, slice_a)
    assert "Synced as of the pull" in synced and "Nothing to change." in synced
    assert "No conflict in the last pull." in synced

    # By hand in the cluster: the slice made private, and a pod on the segment's gateway.
    custom = client.CustomObjectsApi(build_api_client(kube_cluster.credentials))
    custom.patch_cluster_custom_object(
        GROUP, VERSION, SUBNET.plural, "slice-a", {"spec": {"config": {"private": True}}},
        field_manager="ops-console", _content_type=MERGE_PATCH,
    )  # fmt: skip
    kube_cluster.create_namespace("shop")
    with KubeGateway(kube_cluster.credentials) as gateway:
        gateway.create_ipinstance("shop", ipinstance("192.168.56.1", 24, "slice-a"))
    press(operator, cluster, "pull")

    drifted = page_of(operator, slice_a)
    assert "OutOfSync as of the pull" in drifted
    assert "spec.config.private: <del>true</del> → <ins>false</ins>" in drifted
    conflicts = drifted.split('id="subnet-conflicts"')[1].split("</table>")[0]
    assert "192.168.56.1" in conflicts and "shop/192-168-56-1" in conflicts


def page_of(operator, subnet: Subnet) -> str:
    return operator.get(object_url(subnet)).content.decode()
