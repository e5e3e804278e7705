"""Roles through the API: a viewer reads and writes nothing; a planner writes and carves
planned objects but operates no cluster; an operator operates, and one limited to some
clusters gets 403 on the others."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from planner import models
from planner.api.constants import API_NAMESPACE
from planner.models import APIToken, Cluster
from planner.roles import OPERATOR, PLANNER, VIEWER, assign_role, can_operate, operable_clusters
from planner.services.carving import carve_segment
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_pool,
    make_segment,
)

pytestmark = pytest.mark.django_db

PLANNED = {
    "sites": models.Site,
    "segments": models.NodeSegment,
    "pools": models.AddressPool,
    "nodes": models.Node,
    "reservations": models.Reservation,
    "clusters": models.Cluster,
    "networks": models.Network,
    "subnets": models.Subnet,
}
OBSERVED = ["ip-instances", "subnet-statuses", "sync-runs"]
# The cluster actions of the sync engine; each needs planner.operate_cluster.
OPERATE_ACTIONS = ["test", "plan", "apply", "pull", "adopt"]
# One of them, for the tests of who may operate: it queues a plan run and answers 202.
PLAN_URL = "/api/clusters/{pk}/plan/"


@pytest.fixture
def plan() -> dict:
    segment = make_segment()
    cluster_a, cluster_b = make_cluster("prod-a"), make_cluster("prod-b")
    network = make_network(cluster_a, net_id=0)
    return {
        "sites": segment.site,
        "segments": segment,
        "pools": make_pool(),
        "nodes": make_node(segment, "192.168.56.2"),
        "reservations": models.Reservation.objects.create(
            segment=segment, start="192.168.56.250", end="192.168.56.254"
        ),
        "clusters": cluster_a,
        "cluster_b": cluster_b,
        "networks": network,
        "subnets": carve_segment(segment, network=network, name="slice", size=10),
    }


def user_with_role(name: str, role: str | None, clusters=()) -> APIClient:
    user = User.objects.create_user(name)
    assign_role(user, role, clusters)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {APIToken.objects.issue(user)[1]}")
    client.user = user
    return client


def counts() -> dict:
    return {name: model.objects.count() for name, model in PLANNED.items()}


def test_a_viewer_reads_everything(plan):
    viewer = user_with_role("viewer", VIEWER)
    for endpoint in [*PLANNED, *OBSERVED]:
        assert viewer.get(f"/api/{endpoint}/").status_code == 200, endpoint
    for endpoint in PLANNED:
        assert viewer.get(f"/api/{endpoint}/{plan[endpoint].pk}/").status_code == 200
    cluster = plan["clusters"]
    assert viewer.get(f"/api/clusters/{cluster.pk}/manifests/").status_code == 200


def test_every_write_of_a_viewer_answers_403_and_changes_nothing(plan):
    viewer = user_with_role("viewer", VIEWER)
    before = counts()
    segment, pool = plan["segments"], plan["pools"]
    writes = [
        *(viewer.post(f"/api/{endpoint}/", {}, format="json") for endpoint in PLANNED),
        *(
            viewer.patch(f"/api/{name}/{plan[name].pk}/", {"name": "x"}, format="json")
            for name in PLANNED
        ),
        *(viewer.delete(f"/api/{name}/{plan[name].pk}/") for name in PLANNED),
        viewer.post(f"/api/segments/{segment.pk}/carve/", {"size": 4}, format="json"),
        viewer.post(f"/api/pools/{pool.pk}/carve/", {"prefix_length": 24}, format="json"),
    ]
    assert [response.status_code for response in writes] == [403] * len(writes)
    assert counts() == before
    assert models.Site.objects.get().name == plan["sites"].name


def test_a_planner_writes_and_carves_planned_objects(plan):
    planner = user_with_role("planner", PLANNER)
    assert planner.post("/api/sites/", {"name": "hz-dc2"}, format="json").status_code == 201
    cluster = plan["clusters"]
    response = planner.patch(f"/api/clusters/{cluster.pk}/", {"description": "x"}, format="json")
    assert response.status_code == 200
    network = make_network(plan["cluster_b"], "underlay-b", net_id=0)
    carve = planner.post(
        f"/api/segments/{plan['segments'].pk}/carve/",
        {"network": network.pk, "name": "slice-b", "size": 4},
        format="json",
    )
    assert carve.status_code == 201, carve.data
    reservation = plan["reservations"]
    assert planner.delete(f"/api/reservations/{reservation.pk}/").status_code == 204


def test_a_planner_cannot_operate_a_cluster(plan):
    planner = user_with_role("planner", PLANNER)
    for cluster in (plan["clusters"], plan["cluster_b"]):
        assert planner.post(PLAN_URL.format(pk=cluster.pk)).status_code == 403
        assert not can_operate(planner.user, cluster)


def test_an_operator_operates_every_cluster(plan):
    operator = user_with_role("operator", OPERATOR)
    for cluster in (plan["clusters"], plan["cluster_b"]):
        response = operator.post(PLAN_URL.format(pk=cluster.pk))
        assert response.status_code == 202
        assert response.data["cluster"]["name"] == cluster.name
    assert set(operable_clusters(operator.user)) == set(Cluster.objects.all())


def test_an_operator_limited_to_cluster_a_gets_403_on_cluster_b(plan):
    cluster_a, cluster_b = plan["clusters"], plan["cluster_b"]
    operator = user_with_role("operator-a", OPERATOR, [cluster_a])
    assert operator.post(PLAN_URL.format(pk=cluster_a.pk)).status_code == 202
    refused = operator.post(PLAN_URL.format(pk=cluster_b.pk))
    assert refused.status_code == 403
    assert refused.json()["detail"]
    assert (can_operate(operator.user, cluster_a), can_operate(operator.user, cluster_b)) == (
        True,
        False,
    )
    assert list(operable_clusters(operator.user)) == [cluster_a]
    # Still a planner everywhere: cluster B can be read and edited, only not operated.
    response = operator.patch(f"/api/clusters/{cluster_b.pk}/", {"description": "x"})
    assert response.status_code == 200


def test_a_viewer_operates_nothing(plan):
    viewer = user_with_role("viewer", VIEWER)
    assert viewer.post(PLAN_URL.format(pk=plan["clusters"].pk)).status_code == 403


@pytest.mark.parametrize("action", OPERATE_ACTIONS)
def test_a_cluster_action_of_another_cluster_answers_403(plan, action):
    cluster_a, cluster_b = plan["clusters"], plan["cluster_b"]
    url = reverse(f"{API_NAMESPACE}:cluster-{action}", args=[cluster_b.pk])
    operator = user_with_role("operator-a", OPERATOR, [cluster_a])
    assert operator.post(url, {}, format="json").status_code == 403
    assert user_with_role("planner", PLANNER).post(url, {}, format="json").status_code == 403
